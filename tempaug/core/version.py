"""The one place tempaug's version is written; the package metadata (pyproject) and ``tempaug.__version__`` read it.

Example:
    >>> import tempaug
    >>> from tempaug.core.version import __version__
    >>> tempaug.__version__ == __version__
    True
"""

__version__ = "0.2.0"
