"""Packaging metadata a new user meets at install time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_string():
    # a table ({ text = "MIT" }) makes setuptools >= 77 print a deprecation warning at every install
    assert PROJECT["project"]["license"] == "MIT"
    setuptools_req = next(r for r in PROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    assert tuple(map(int, re.search(r">=(\d+)", setuptools_req).group(1).split("."))) >= (77,)


def test_distribution_name_is_not_the_unrelated_pypi_package():
    # "iar" on PyPI is another project (irregularly observed autoregressive models)
    assert PROJECT["project"]["name"] == "iar-vlm"
    assert list(PROJECT["project"]["scripts"]) == ["iar"]  # the command keeps its name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`iar-vlm`" in readme and "pip install iar " not in readme
