"""graphanalyzer: what breaks if I unplug this?

Load an infrastructure inventory, build its dependency graph and ask which
components are single points of failure.

>>> from graphanalyzer import __version__
>>> __version__.count(".") >= 1
True
"""

__version__ = "0.1.0"
