"""`--compare-plain`: the same workload in a plain container, the baseline a user would
otherwise hand-roll: the runtime's TensorFlow version from PyPI in Debian's Python
(docker/plain.Dockerfile), started with the profile's CPU and memory caps and nothing
else of localab's (no entry process, thread settings or library settings). localab over
plain is then one ratio measured side by side in one run."""

import uuid
from pathlib import Path

from localab.guest import contract
from localab.host import caps as capmap
from localab.host import drive as drives
from localab.host import drivefs
from localab.host.bench import registry
from localab.host.bench.containers import LABEL, deadline_s, inside_drive, run_container
from localab.host.errors import LocalabError
from localab.host.image import build as images
from localab.host.refs import image_ref
from localab.workloads.workload import Workload

FLAVOUR = "plain"
FOLDER = "plain"  # the plain run's records, inside the result folder
LOG = "plain-output.log"
CAPS = ("nano_cpus", "mem_limit")  # what `docker run --cpus N --memory M` sets


def environment() -> dict:
    """Only where the data is: the drive's CIFAR-10 files and weights, as the localab run reads them."""
    return {"KERAS_HOME": str(contract.DRIVE / contract.KERAS_CACHE_DIR)}


def compare(engine, spec: Workload, request, container_plan, drive: Path, out: Path, live) -> None:
    workload = spec.name
    if not spec.compare_host:
        live.say(f"  --compare-plain: not meaningful for {workload}; skipped")
        return
    image = images.ensure_image(engine, FLAVOUR, say=live.say)
    labels = image["Config"].get("Labels") or {}
    caps = capmap.run_options(container_plan.caps)
    cpus, memory = caps["nano_cpus"] / 1e9, caps["mem_limit"] / 2**30
    tensorflow = labels.get(f"{images.LABEL}.tensorflow", "?")
    live.say(f"  the same {workload} in a plain container: TensorFlow {tensorflow} from PyPI, "
             f"docker run --cpus {cpus:g} --memory {memory:g}g, nothing of localab's")
    # checkpoints and scratch inside the container: nothing of the user's drive is touched but the result folder
    command = [workload, "--scale", request.scale, "--out", inside_drive(drive, out / FOLDER),
               "--checkpoints", "/tmp/checkpoints", "--scratch", "/tmp"] + spec.args(registry.baseline_request(request))
    env = environment()
    # Deliberately not a runtime's spec: what a user's own `docker run --cpus --memory -v` sets, no more.
    options = {"user": drives.container_user(), "group_add": [str(contract.IMAGE_GID)],
               "volumes": [f"{drive}:{contract.DRIVE}:rw"], "labels": {LABEL: workload}, "environment": env,
               **{key: caps[key] for key in CAPS}}
    code = run_container(
        engine, image_ref(FLAVOUR), f"localab-bench-plain-{uuid.uuid4().hex[:10]}", workload=workload, live=live,
        entrypoint=["python", "-m", "localab.workloads"], command=command, options=options, log=out / LOG,
        deadline=deadline_s(request.scale))
    if code != 0 or not drivefs.exists(out / FOLDER / contract.SUMMARY_FILE):
        raise LocalabError(f"the plain-container run of {workload} failed (exit {code}); see {out / LOG}")
    ours = registry.compared(drivefs.read_json(out / contract.SUMMARY_FILE),
                             drivefs.read_json(out / FOLDER / contract.SUMMARY_FILE), "plain_container", "localab_over_plain")
    ours["plain_container"] = {"image": image_ref(FLAVOUR), "id": image["Id"], "tensorflow": tensorflow,
                               "cpus": cpus, "memory_gib": memory, "environment": env}
    drivefs.write_json(out / contract.SUMMARY_FILE, ours)
