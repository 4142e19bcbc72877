"""Was the host busy with other work while a benchmark ran? Other work takes the CPUs a
result is measured on: beside another container's fit the host's sgemm peak spread from
4.4 to 108 GFLOP/s, and every utilisation figure of that run meant nothing. Three
signals, each kept in run.json: the busy cores before the run, the sgemm peak's spread, and
the CPU other processes used during the run (the host's busy CPU time less the benchmark
container's, sampled together)."""

import os
import threading
import time
from pathlib import Path

BUSY_SHARE = 0.5  # busy cores before the run, as a share of the host's cores
PEAK_SPREAD = 1.5  # the sgemm peak's fastest repeat against its median (quiet here: 1.03 to 1.2)
OTHERS_SHARE = 0.25  # others' CPU during the run, as a share of the host's cores


def host_cpu_seconds(stat: str | None = None) -> tuple[float, float]:
    """(busy, total) CPU seconds of all the host's CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in (stat or Path("/proc/stat").read_text()).splitlines()[0].split()[1:9]]
    total = sum(fields)  # user nice system idle iowait irq softirq steal (guest is inside user)
    hz = os.sysconf("SC_CLK_TCK")
    return (total - fields[3] - fields[4]) / hz, total / hz


def before(seconds: float = 2.0) -> dict:
    """The cores busy over a short quiet moment before the run (the load average would
    still hold the previous run of a series)."""
    busy0, wall0 = host_cpu_seconds()[0], time.monotonic()
    time.sleep(seconds)
    busy1, wall1 = host_cpu_seconds()[0], time.monotonic()
    return {"busy_cores": round((busy1 - busy0) / (wall1 - wall0), 2), "cores": os.cpu_count() or 1}


class Others:
    """Samples the host's busy CPU time and the container's CPU time together, every
    second, until stopped; the cores other processes used on average in between (a smoke
    run lasts a few seconds on a fast host, and two samples are needed)."""

    def __init__(self, container_cpu_seconds, every_s: float = 1.0):
        self.read = container_cpu_seconds
        self.every_s = every_s
        self.samples: list[tuple[float, float, float]] = []  # (wall, host busy, container)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        try:
            container = self.read()
        except Exception:  # the container is gone, or the engine did not answer: no sample
            return
        if container is not None:
            self.samples.append((time.monotonic(), host_cpu_seconds()[0], container))

    def _loop(self) -> None:
        while not self.stopped.is_set():
            self._sample()
            self.stopped.wait(self.every_s)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=30)

    def figures(self) -> dict | None:
        if len(self.samples) < 2:
            return None
        (wall0, host0, box0), (wall1, host1, box1) = self.samples[0], self.samples[-1]
        seconds = wall1 - wall0
        if seconds <= 0:
            return None
        return {"seconds": round(seconds, 1), "container_cores": round((box1 - box0) / seconds, 2),
                "others_cores": round(max(0.0, (host1 - host0) - (box1 - box0)) / seconds, 2)}


def verdict(load: dict, sgemm: dict | None, during: dict | None) -> list[str]:
    """Why this run's figures cannot be trusted; empty when the host was quiet."""
    reasons, cores = [], load.get("cores") or 1
    if load.get("busy_cores", 0) > BUSY_SHARE * cores:
        reasons.append(f"{load['busy_cores']:.1f} of the host's {cores} cores were busy before the run")
    peak = (sgemm or {}).get("gflop_s") or {}
    if peak.get("median") and peak.get("max") and peak["max"] / peak["median"] > PEAK_SPREAD:
        reasons.append(f"the sgemm peak's fastest repeat was {peak['max'] / peak['median']:.1f}x its median "
                       f"({peak['max']:.1f} against {peak['median']:.1f} GFLOP/s): other work took the CPUs")
    if during and during["others_cores"] > OTHERS_SHARE * cores:
        reasons.append(f"other processes used {during['others_cores']:.1f} of {cores} cores during the run")
    return reasons
