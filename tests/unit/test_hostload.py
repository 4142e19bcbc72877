"""A busy host is named in the result: the busy cores before, the sgemm peak's spread, and
other processes' CPU during the run (measured for real here with a burning process)."""

import subprocess
import sys
import time

from localab.host.bench import hostload

STAT = "cpu  1000 0 500 8000 500 0 0 0 0 0\ncpu0 500 0 250 4000 250 0 0 0 0 0\n"


def test_busy_and_total_cpu_seconds_come_from_proc_stat():
    import os

    hz = os.sysconf("SC_CLK_TCK")
    assert hostload.host_cpu_seconds(STAT) == (1500 / hz, 10000 / hz)


def test_a_quiet_run_passes_and_each_signal_alone_marks_a_busy_one():
    quiet_peak = {"gflop_s": {"median": 182.3, "min": 85.4, "max": 187.7}}  # measured here, quiet (one slow step)
    assert hostload.verdict({"busy_cores": 0.1, "cores": 2}, quiet_peak, {"others_cores": 0.05}) == []
    beside_a_fit = {"gflop_s": {"median": 8.3, "min": 4.4, "max": 108}}  # the run beside another fit
    [peak] = hostload.verdict({"busy_cores": 0.1, "cores": 2}, beside_a_fit, None)
    assert "13.0x its median" in peak
    [before] = hostload.verdict({"busy_cores": 1.6, "cores": 2}, quiet_peak, None)
    assert "1.6 of the host's 2 cores were busy before the run" == before
    [during] = hostload.verdict({"busy_cores": 0.0, "cores": 2}, None, {"others_cores": 1.0})
    assert during == "other processes used 1.0 of 2 cores during the run"


def test_the_cpu_of_another_process_is_counted_and_the_containers_own_is_not():
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with hostload.Others(lambda: 0.0, every_s=0.5) as others:
            time.sleep(3)
        busy = others.figures()
        # the same burner counted as the container's own CPU: nothing left for "others"
        started = time.monotonic()
        with hostload.Others(lambda: time.monotonic() - started, every_s=0.5) as own:
            time.sleep(3)
        mine = own.figures()
    finally:
        burner.kill()
        burner.wait()
    assert busy["others_cores"] > 0.8, busy
    assert mine["others_cores"] < 0.5, mine
    assert hostload.verdict({"busy_cores": 0, "cores": 2}, None, busy)


def test_no_figures_without_two_samples():
    def gone():
        raise RuntimeError("no such container")

    with hostload.Others(gone, every_s=0.1) as others:
        time.sleep(0.3)
    assert others.figures() is None
