"""The container's own resource envelope, read from its cgroup (v1 or v2), not the host's."""

import math
import os
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_UNLIMITED_V1 = 1 << 60  # cgroup v1 reports "no limit" as a huge page-aligned number


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def memory_limit(root: Path = ROOT) -> int | None:
    """Bytes, or None when unlimited or unknown."""
    value = _read(root / "memory.max") or _read(root / "memory" / "memory.limit_in_bytes")
    if value is None or value == "max":
        return None
    limit = int(value)
    return None if limit >= _UNLIMITED_V1 else limit


def memory_usage(root: Path = ROOT) -> int | None:
    value = _read(root / "memory.current") or _read(root / "memory" / "memory.usage_in_bytes")
    return int(value) if value else None


def cpu_limit(root: Path = ROOT) -> float | None:
    """CPUs the quota allows (e.g. 2.0), or None when there is no quota."""
    v2 = _read(root / "cpu.max")
    if v2:
        quota, _, period = v2.partition(" ")
        return None if quota == "max" else int(quota) / int(period or 100000)
    quota = _read(root / "cpu" / "cpu.cfs_quota_us") or _read(root / "cpu,cpuacct" / "cpu.cfs_quota_us")
    period = _read(root / "cpu" / "cpu.cfs_period_us") or _read(root / "cpu,cpuacct" / "cpu.cfs_period_us")
    if not quota or int(quota) <= 0 or not period:
        return None
    return int(quota) / int(period)


def usable_cpus(root: Path = ROOT) -> int:
    """Whole CPUs to size thread pools by: the quota, rounded up, never above the cores seen."""
    seen = len(os.sched_getaffinity(0))
    quota = cpu_limit(root)
    if quota is None:
        return seen
    return max(1, min(seen, math.ceil(quota)))
