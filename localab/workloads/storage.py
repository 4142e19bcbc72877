"""The seed's "don't run the project from Drive" advice, measured: sequential and
small-file write/read on the drive (a bind mount here) against /content (scratch).

Writes are fsync'd; before each read the file's pages are dropped from the page cache
(posix_fadvise DONTNEED, no root needed), so reads come from the disk where the
kernel honours that, and from the cache otherwise (said in the notes)."""

import os
import shutil
import time
from pathlib import Path

from localab.guest import contract

from .common import Recorder
from .fmt import number
from .plots import storage_bars
from .workload import Row, Workload

SCALES = {"smoke": dict(sequential_mb=16, small_files=100, small_kb=4),
          "quick": dict(sequential_mb=512, small_files=2000, small_kb=4),
          "full": dict(sequential_mb=4096, small_files=20000, small_kb=4)}
CHUNK = 1 << 20


def drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def sequential(folder: Path, megabytes: int) -> dict:
    path = folder / "sequential.bin"
    block = os.urandom(CHUNK)
    started = time.perf_counter()
    with path.open("wb") as handle:
        for _ in range(megabytes):
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())
    write_s = time.perf_counter() - started
    drop_cache(path)
    started = time.perf_counter()
    with path.open("rb") as handle:
        while handle.read(CHUNK):
            pass
    read_s = time.perf_counter() - started
    path.unlink()
    return {"write_mb_s": megabytes / write_s, "read_mb_s": megabytes / read_s}


def small_files(folder: Path, count: int, kilobytes: int) -> dict:
    target = folder / "small"
    target.mkdir()
    payload = os.urandom(kilobytes * 1024)
    started = time.perf_counter()
    for i in range(count):
        with (target / f"f{i:06d}").open("wb") as handle:
            handle.write(payload)
    fd = os.open(target, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    write_s = time.perf_counter() - started
    for path in target.iterdir():
        drop_cache(path)
    started = time.perf_counter()
    for path in target.iterdir():
        path.read_bytes()
    read_s = time.perf_counter() - started
    shutil.rmtree(target)
    return {"write_files_s": count / write_s, "read_files_s": count / read_s}


def run(out: Path, scale: str, options: dict) -> dict:
    params = SCALES[scale]
    recorder = Recorder(out)
    places = {"drive": Path(options.get("drive", str(contract.DRIVE))) / contract.BENCH_DIR / ".storage",
              "scratch": Path(options.get("scratch", str(contract.CONTENT))) / ".localab-storage-bench"}
    figures = {}
    for name, folder in places.items():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            recorder.progress(f"{name}: sequential {params['sequential_mb']} MB")
            figure = sequential(folder, params["sequential_mb"])
            recorder.progress(f"{name}: {params['small_files']} files of {params['small_kb']} KB")
            figure.update(small_files(folder, params["small_files"], params["small_kb"]))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        recorder.metric(place=name, **figure)
        figures[name] = figure
    figures["drive_over_scratch"] = {key: figures["drive"][key] / figures["scratch"][key] for key in figures["drive"]}
    recorder.note("reads follow posix_fadvise(DONTNEED): from the disk where the kernel drops the pages")
    return recorder.summary(workload="storage", params=params, synthetic=False, figures=figures)


# -- how the host reads and shows its result
MEASURES = (("write_mb_s", " MB/s", "sequential write"), ("read_mb_s", " MB/s", "sequential read"),
            ("write_files_s", " files/s", "small-file writes"), ("read_files_s", " files/s", "small-file reads"))


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    return [(label, f"drive {number(figures['drive'][key], unit)} | scratch {number(figures['scratch'][key], unit)}",
             f"drive/scratch {number(figures['drive_over_scratch'][key], 'x')}") for key, unit, label in MEASURES]


def headline(summary: dict) -> float | None:
    return summary.get("figures", {}).get("drive_over_scratch", {}).get("write_mb_s")


WORKLOAD = Workload(name="storage", where="container", help="drive vs scratch I/O, sequential and small files",
                    rows=rows, headline=headline, run=run, charts=storage_bars)
