"""Finds the data shipped with the package: unit templates and shell completions.

An installed wheel carries them as citadel_cli/_data/{units,completions}; a source checkout
(or an editable install) has them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"citadel-llm's {name}/ directory is missing from the installation")


def units_dir() -> Path:
    return data_dir("units")


def completions_dir() -> Path:
    return data_dir("completions")
