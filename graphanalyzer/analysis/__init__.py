"""Analyses: pure functions from a dependency graph to plain data that renderers share."""
