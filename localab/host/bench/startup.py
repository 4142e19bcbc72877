"""The `startup` workload, run from the host because it times the host's own verbs as
a person types them: `localab up` with the image present until Jupyter answers; a
second `localab up` that reuses the runtime; kernel start until the first cell's
result. Each run uses its own throwaway runtime."""

import subprocess
import sys
import time
import uuid
from pathlib import Path

from localab.host.bench.kernels import JupyterClient
from localab.host.errors import LocalabError
from localab.host.lifecycle import verbs

RUNS = {"smoke": 1, "quick": 3, "full": 10}


def timed_up(name: str, profile: str | None, drive: Path, flavour: str) -> tuple[float, str]:
    command = [sys.executable, "-m", "localab.cli", "up", "--name", name, "--drive", str(drive), "--flavour", flavour]
    command += ["--profile", profile] if profile else []
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise LocalabError(f"`localab up` failed during the startup bench: {result.stderr.strip()}")
    return seconds, result.stdout.strip().splitlines()[-1]


def run(engine, out: Path, request, drive: Path, live) -> dict:
    from localab.workloads.common import Recorder, spread

    recorder = Recorder(out)
    up, again, kernel = [], [], []
    for number in range(RUNS[request.scale]):
        name = f"bench-startup-{uuid.uuid4().hex[:8]}"
        try:
            seconds, url = timed_up(name, request.profile, drive, request.flavour)
            up.append(seconds)
            seconds, same = timed_up(name, request.profile, drive, request.flavour)
            again.append(seconds)
            if same != url:
                raise LocalabError("the second `localab up` did not reuse the runtime")
            base, token = url.split("/lab?token=")
            client = JupyterClient(base, token)
            started = time.perf_counter()
            result = client.execute(client.start_kernel(), "1 + 1", timeout_s=120)
            kernel.append(time.perf_counter() - started)
            if result.status != "ok" or result.results != ["2"]:
                raise LocalabError(f"the first cell did not answer 2: {result}")
        finally:
            verbs.down(engine, name, say=lambda _: None)
        recorder.metric(run=number, up_to_answering_s=up[-1], second_up_s=again[-1], kernel_first_cell_s=kernel[-1])
        live.update(f"startup run {number + 1}/{RUNS[request.scale]}: up {up[-1]:.2f} s, again {again[-1]:.2f} s, "
                    f"kernel {kernel[-1]:.2f} s")
    live.done()
    return recorder.summary(workload="startup", params={"runs": RUNS[request.scale], "flavour": request.flavour},
                            synthetic=False,
                            figures={"up_to_answering_s": spread(up), "second_up_s": spread(again),
                                     "kernel_first_cell_s": spread(kernel)})
