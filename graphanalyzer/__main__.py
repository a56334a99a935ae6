"""Run the command line as ``python -m graphanalyzer``."""

from graphanalyzer.cli import main

main()
