"""Sizes and durations as users write them, parsed strictly."""

import re
from decimal import Decimal

from localab.guest import contract
from localab.host.errors import UsageError

_BINARY = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
           "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
_DECIMAL = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.I)
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
SIZE_FORMS = "a number and a unit, e.g. 16G, 16GiB, 12.7GB, 512M (K/M/G/T are binary, KB/MB/GB decimal)"
MAX_SIZE = 1 << 50  # 1 PiB: more than any machine localab runs on; a bigger number is a typo
MAX_DURATION_S = 366 * 86400
DURATION_FORMS = "e.g. 12h, 90m, 30s, 1h30m, or 0 for none"


def parse_size(value, field: str = "size") -> int:
    """Bytes from '16G', '16GiB', '12.7GB', '512m', 1024 ..."""
    if isinstance(value, bool):
        raise UsageError(f"{field}: '{value}' is not a size; use {SIZE_FORMS}")
    if isinstance(value, int):
        if value < 0:
            raise UsageError(f"{field}: '{value}' is negative; use {SIZE_FORMS}")
        size = value
    else:
        match = _SIZE.match(str(value)) if str(value).isascii() else None
        unit = match.group(2).lower() if match else None
        factor = (_BINARY.get(unit) or _DECIMAL.get(unit)) if match else None
        if not factor:
            raise UsageError(f"{field}: '{value}' is not a size; use {SIZE_FORMS}")
        size = int((Decimal(match.group(1)) * factor).to_integral_value())
    if size > MAX_SIZE:
        raise UsageError(f"{field}: '{value}' is more than 1 PiB; use {SIZE_FORMS}")
    return size


def parse_duration(value, field: str = "duration") -> int:
    """Seconds from '12h', '90m', '1h30m', '45s', '0'."""
    text = str(value).strip().lower()
    match = _DURATION.fullmatch(text) if text.isascii() else None
    if text.isascii() and text.isdigit():
        seconds = int(text)
    elif not text or not match:
        raise UsageError(f"{field}: '{value}' is not a duration; use {DURATION_FORMS}")
    else:
        hours, minutes, secs = (int(part or 0) for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds > MAX_DURATION_S:
        raise UsageError(f"{field}: '{value}' is more than a year; use {DURATION_FORMS}")
    return seconds


def format_size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit, factor in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def format_duration(seconds: float | None) -> str:
    return "-" if seconds is None else contract.format_duration(seconds)
