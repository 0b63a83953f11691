"""Byte sizes as operators write them ("90G", "512M", "1.5GiB") and back."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

# Binary multiples, as systemd's MemoryMax= reads them: "90G" is 90 GiB.
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(value: object) -> int:
    """Bytes from an int or a string such as "90G", "512M", "4096", "1.5GiB"."""
    if isinstance(value, bool):
        raise ValueError("a size must be a number of bytes or a string like '90G' or '512M'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a size cannot be negative")
        return value
    if isinstance(value, float):
        return parse_size(str(value))
    if isinstance(value, str):
        match = _SIZE_RE.match(value)
        if match:
            number, unit = match.groups()
            return int(float(number) * _UNITS[unit.upper()])
    raise ValueError(f"{value!r} is not a size: write bytes or a number with K, M, G or T (e.g. '90G')")


def format_size(num_bytes: int) -> str:
    """The shortest exact spelling when there is one ("90G"), else one decimal ("1.4G")."""
    for unit in ("T", "G", "M", "K"):
        factor = _UNITS[unit]
        if num_bytes >= factor:
            if num_bytes % factor == 0:
                return f"{num_bytes // factor}{unit}"
            return f"{num_bytes / factor:.1f}{unit}"
    return str(num_bytes)


ByteSize = Annotated[int, BeforeValidator(parse_size), PlainSerializer(lambda v: v, return_type=int)]
