"""storage: sequential and small-file I/O on the drive against scratch (workloads/storage.py)."""

from localab.host.bench.fmt import number
from localab.host.bench.workload import Row, Workload

MEASURES = (("write_mb_s", " MB/s", "sequential write"), ("read_mb_s", " MB/s", "sequential read"),
            ("write_files_s", " files/s", "small-file writes"), ("read_files_s", " files/s", "small-file reads"))


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    return [(label, f"drive {number(figures['drive'][key], unit)} | scratch {number(figures['scratch'][key], unit)}",
             f"drive/scratch {number(figures['drive_over_scratch'][key], 'x')}") for key, unit, label in MEASURES]


def headline(summary: dict) -> float | None:
    return summary.get("figures", {}).get("drive_over_scratch", {}).get("write_mb_s")


WORKLOAD = Workload(name="storage", where="container", help="drive vs scratch I/O, sequential and small files",
                    rows=rows, headline=headline)
