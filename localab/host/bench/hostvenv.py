"""`--compare-host`: the same workload in a venv on the host, made from the cpu lock
(the same pinned versions as the image), so container/host is one measured ratio."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from localab.guest import contract
from localab.host import drivefs
from localab.host.bench import registry
from localab.host.errors import LocalabError, UsageError
from localab.host.image import lock
from localab.host.paths import ROOT, state_dir
from localab.workloads.workload import Workload

HOST_LOG = "host-output.log"


def venv_python() -> Path:
    locked = lock.read_lock("tf")
    python = lock.flavour("tf").python
    if f"{sys.version_info.major}.{sys.version_info.minor}" != python:
        raise UsageError(f"compare-host: the lock targets Python {python}; this host runs "
                         f"{sys.version_info.major}.{sys.version_info.minor}")
    folder = state_dir() / "hostvenv" / locked.sha256[:12]
    python = folder / "bin" / "python"
    if not (folder / ".complete").exists():
        print(f"  making a host venv from {locked.path.name} in {folder} (once; a few minutes)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--require-hashes", "--only-binary", ":all:",
                   "-r", str(locked.path)]
        if subprocess.run(install).returncode != 0:
            raise LocalabError(f"could not install {locked.path.name} into the host venv; see pip's output above")
        (folder / ".complete").write_text("ok\n")
    return python


def compare(spec: Workload, request, caps, out: Path, live) -> None:
    workload = spec.name
    if not spec.compare_host:
        live.say(f"  --compare-host: not meaningful for {workload}; skipped")
        return
    python = venv_python()
    threads = str(max(1, round(caps.nano_cpus / 1e9)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": threads,
           "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": str(min(2, int(threads))),
           "TF_CPP_MIN_LOG_LEVEL": "1"}
    live.say(f"  the same {workload} in a host venv ({threads} threads)")
    # The host run writes in a private folder (it runs as whoever runs localab, root
    # often); its records are published into the drive through drivefs afterwards.
    with tempfile.TemporaryDirectory(prefix="localab-hostvenv-") as private:
        private = Path(private)
        host_out, scratch = private / "host", private / "scratch"
        command = [str(python), "-m", "localab.workloads", workload, "--scale", request.scale, "--out", str(host_out),
                   "--drive", str(scratch), "--scratch", str(scratch), "--checkpoints", str(scratch / "checkpoints")]
        command += spec.args(registry.baseline_request(request))
        with (private / HOST_LOG).open("wb") as log:
            code = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=6 * 3600).returncode
        shutil.rmtree(scratch, ignore_errors=True)
        drivefs.publish(private, out)
    if code != 0:
        raise LocalabError(f"the host run of {workload} failed (exit {code}); see {out / HOST_LOG}")
    container = registry.compared(drivefs.read_json(out / contract.SUMMARY_FILE),
                                  drivefs.read_json(out / "host" / contract.SUMMARY_FILE), "host", "container_over_host")
    drivefs.write_json(out / contract.SUMMARY_FILE, container)
