"""The package version (one place; ``iar.__version__``)."""

__version__ = "0.1.0"
