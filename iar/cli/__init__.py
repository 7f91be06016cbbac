"""The application layer: the ``iar`` command (:mod:`iar.cli.commands`), the demo
(:mod:`iar.cli.demo`) and the performance benches (:mod:`iar.cli.bench`).

Nothing in the library imports this package.
"""

from iar.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
