"""MkDocs hook: replace ``<!-- iar-cli-help -->`` with the ``--help`` of ``iar`` and every subcommand.

The text comes from ``iar.cli.build_parser()`` at build time (no subprocess, no model import), so
the command-line reference cannot drift from the parser.
"""

from __future__ import annotations

import argparse
import os

MARKER = "<!-- iar-cli-help -->"


def _subcommands(parser: argparse.ArgumentParser, prog: str):
    """(``iar eval``, its parser), ... for every subcommand, depth first, in definition order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prog} {name}"
                yield path, sub
                yield from _subcommands(sub, path)


def cli_reference(width: int = 100) -> str:
    """Markdown: one level-3 section per command with its help text in a code block."""
    from iar.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)  # argparse wraps to the terminal width; fix it
    try:
        parser = build_parser()
        parser.prog = "iar"
        parts = [("iar", parser), *_subcommands(parser, "iar")]
        blocks = []
        for path, sub in parts:
            sub.prog = path
            blocks.append(f"### `{path}`\n\n```text\n{sub.format_help().rstrip()}\n```\n")
        return "\n".join(blocks)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def on_page_markdown(markdown: str, **kwargs) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_reference())
