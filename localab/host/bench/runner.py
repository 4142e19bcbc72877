"""`localab bench`: workloads in fresh containers under a profile's caps, results kept
on the drive (run.json, metrics.jsonl, summary.json, plots) so history survives resets.

A result folder is written as `.partial-NAME` and renamed when the workload finished;
a failed or interrupted run leaves no half-written folder behind. A run holds a lock in
its `.partial-` folder; one whose host process died (killed, power cut) is found with
its lock free and removed by the next `localab bench`.
"""

import importlib.util
import os
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from localab.guest import contract
from localab.host import drive as drives
from localab.host import drivefs, drivetree, profiles
from localab.host.bench import hostload, registry
from localab.host.bench import machine as hostinfo
from localab.host.bench.containers import (
    Live,
    container_cpu_seconds,
    deadline_s,
    draw_plots,
    inside_drive,
    run_container,
    workload_spec,
)
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.image import build as images
from localab.host.image import lock
from localab.host.plan import ContainerPlan, EngineFacts, plan
from localab.host.refs import image_ref
from localab.workloads.workload import Workload

SCALES = contract.SCALES
PIPELINES = ("seed", "tuned", "both")


# The bench's image unless --flavour says otherwise: TensorFlow only, the image the plain
# baseline (--compare-plain) matches package for package. `--flavour colab` runs the same
# workloads in Colab's image, the runtimes' default.
BENCH_FLAVOUR = "tf"


@dataclass(frozen=True)
class BenchRequest:
    workload: str = registry.DEFAULT
    scale: str = "smoke"
    profile: str | None = None
    gpu: bool = False
    drive: str | None = None
    runs: int = 1
    resume: bool = False
    pipeline: str = "both"
    compare_host: bool = False
    compare_plain: bool = False
    trace: bool = False
    batch: int | None = None  # resnet50-cifar10's batch size; None: the scale's (the tutorial's 32)
    flavour: str = BENCH_FLAVOUR


def parse_runs(value) -> int:
    text = "1" if value is None else str(value)
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise UsageError(f"runs: '{value}' is not a run count; use a whole number from 1 to 100")
    return int(text)


def parse_batch(value) -> int | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= 1024:
        raise UsageError(f"batch: '{value}' is not a batch size; use a whole number from 1 to 1024")
    return int(text)


def bench_root(drive: Path) -> Path:
    return drive / contract.BENCH_DIR


def checkpoint_dir(drive: Path, scale: str, phase: str) -> Path:
    return drive / contract.CHECKPOINTS_DIR / contract.checkpoint_name(scale, phase)


# What each option does, for the workloads that take it (Workload.takes)
OPTIONS = {"batch": "sets the batch size of", "trace": "profiles the training steps of", "resume": "continues"}


def validate(request: BenchRequest) -> tuple[list[Workload], Path]:
    """Every input error, before anything is created; the workloads to run."""
    if request.workload != "all":
        registry.get(request.workload)
    if request.scale not in SCALES:
        raise UsageError(f"scale: '{request.scale}' is not a scale; use one of: {', '.join(SCALES)}")
    if request.pipeline not in PIPELINES:
        raise UsageError(f"pipeline: '{request.pipeline}' is not a pipeline; use one of: {', '.join(PIPELINES)}")
    parse_runs(request.runs)
    lock.runtime_flavour(request.flavour)
    profiles.load().get(request.profile)
    drive = drives.validate_drive(request.drive, "default")
    if drive.exists() and not os.access(drive, os.W_OK):
        raise UsageError(f"drive: '{drive}' is not writable by you; name a folder you can write to")
    workloads = list(registry.REGISTRY.values()) if request.workload == "all" else [registry.get(request.workload)]
    asked = {"batch": parse_batch(request.batch), "trace": request.trace, "resume": request.resume}
    for option, does in OPTIONS.items():
        if asked[option] and any(option not in w.takes for w in workloads):
            takers = [w.name for w in registry.REGISTRY.values() if option in w.takes]
            raise UsageError(f"{option}: --{option} {does} a {' or '.join(takers)} fit, and {request.workload} takes "
                             f"no --{option}; add --workload {takers[0]}")
    if request.resume:
        phases = ["seed", "tuned"] if request.pipeline == "both" else [request.pipeline]
        if not any(drivefs.exists(checkpoint_dir(drive, request.scale, p) / contract.CHECKPOINT_STATE) for p in phases):
            raise UsageError(f"resume: no checkpoint for {workloads[0].name} at scale {request.scale} under "
                             f"{drive / contract.CHECKPOINTS_DIR}; run without --resume first")
    return workloads, drive


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def container_command(workload: Workload, request: BenchRequest, out_inside: str) -> list[str]:
    return [workload.name, "--scale", request.scale, "--out", out_inside] + workload.args(request)


def run_in_container(engine: Engine, workload: Workload, request: BenchRequest, container_plan: ContainerPlan,
                     drive: Path, partial: Path, live: Live, during: dict) -> int:
    """The workload's exit code; `during` gets the CPU that other processes used meanwhile."""
    name = f"localab-bench-{uuid.uuid4().hex[:10]}"
    others = hostload.Others(lambda: container_cpu_seconds(engine, name))
    try:
        container = workload_spec(container_plan, drive, workload.name)
        return run_container(
            engine, container.image, name, workload=workload.name, live=live,
            entrypoint=["/usr/bin/tini", "--", "python", "-m", "localab.guest.env", "python", "-m", "localab.workloads"],
            command=container_command(workload, request, inside_drive(drive, partial)),
            options=container.docker_options(),
            log=partial / contract.OUTPUT_LOG, deadline=deadline_s(request.scale, container_plan.caps.lifetime_s),
            watch=others)
    finally:
        during.update(others.figures() or {})


def host_sgemm(scale: str, say=print) -> dict | None:
    """The host's sgemm peak with NumPy's BLAS; None, said, when NumPy is not installed."""
    if importlib.util.find_spec("numpy") is None:
        say("  note: NumPy is not on this host, so utilisation is not stated; pip install 'localab[bench]'")
        return None
    from localab.workloads.matmul import numpy_gflops

    n, seconds = (512, 1.0) if scale == "smoke" else (2048, 5.0)
    return {"n": n, "gflop_s": numpy_gflops(n, seconds)}


def finish_summary(out: Path, run: dict) -> dict:
    """Add what only the host knows (its sgemm peak, references) to the container's summary."""
    path = out / contract.SUMMARY_FILE
    summary = drivefs.read_json(path)
    summary["figures"] = summary.get("figures", {})
    finish = registry.get(summary["workload"]).finish  # the name the container wrote: checked again
    if finish:
        finish(summary, run)
    busy = (run.get("host_load") or {}).get("busy")
    if busy:
        summary["busy_host"] = busy
        summary["notes"] = [*summary.get("notes", []), "BUSY HOST: " + "; ".join(busy)
                            + ". This run's throughput and utilisation figures are not comparable; run again on a "
                              "quiet host."]
    drivefs.write_json(path, summary)
    return summary


def workload_config(out: Path) -> dict:
    """The workload's whole configuration, as it recorded it: its summary's params."""
    return drivefs.read_json(out / contract.SUMMARY_FILE).get("params", {})


def run_one(engine: Engine, workload: Workload, request: BenchRequest, container_plan: ContainerPlan,
            drive: Path, image: dict, say) -> Path:
    root = bench_root(drive)
    final = root / f"{stamp()}-{workload.name}"
    partial = drives.make_drive_folder(drive, str((root / f".partial-{final.name}").relative_to(drive)))
    with drivefs.held(partial / PARTIAL_LOCK):
        return _run_one(engine, workload, request, container_plan, drive, image, say, partial, final)


PARTIAL_LOCK = ".running"
ABANDONED_AFTER_S = 600  # a .partial- folder without a lock this old was left by a version without one


def clean_abandoned(drive: Path, say=print) -> None:
    """Remove `.partial-` folders whose run is gone: its lock is free (the host process
    died), or it has none and is old."""
    root = bench_root(drive)
    for name in drivefs.children(root):
        folder = root / name
        if not name.startswith(".partial-"):
            continue
        held = drivefs.is_held(folder / PARTIAL_LOCK)
        if held is None:
            try:
                held = time.time() - os.stat(folder, follow_symlinks=False).st_mtime < ABANDONED_AFTER_S
            except OSError:
                continue
        if not held:
            say(f"removing {folder}: a bench run that ended without finishing left it")
            drivetree.remove_tree(folder)


def _run_one(engine: Engine, spec: Workload, request: BenchRequest, container_plan: ContainerPlan, drive: Path,
             image: dict, say, partial: Path, final: Path) -> Path:
    workload = spec.name
    run = {
        "workload": workload, "params": asdict(request), "profile": asdict(container_plan.profile),
        "caps": container_plan.caps.as_dict(),
        "image": {"ref": image_ref(container_plan.flavour), "id": image["Id"], "labels": image["Config"].get("Labels") or {}},
        "host": hostinfo.host(), "engine": engine.version().get("Version"), "software": hostinfo.software(),
        "started_at": datetime.now(timezone.utc).isoformat(),
    }
    try:
        run["image"]["versions"] = {k: v for k, v in images.manifest(engine, run["image"]["ref"])["distributions"].items()
                                    if k in ("tensorflow", "tensorflow-cpu", "keras", "numpy", "jupyterlab")}
        local = engine.is_local()
        if spec.where == "container" and local:
            run["host_load"] = {"before": hostload.before()}
        if spec.needs_sgemm:
            say("  measuring the host's sgemm peak (NumPy's BLAS) for utilisation")
            run["host_sgemm"] = host_sgemm(request.scale, say)
        drivefs.write_json(partial / contract.RUN_FILE, run)
        live = Live(say)
        if spec.where == "host":
            # The host (root, often) writes its records in a private folder, then publishes
            # them into the drive through drivefs: no library opens a path in the drive.
            with tempfile.TemporaryDirectory(prefix="localab-bench-") as private:
                spec.run_host(engine, Path(private), request, drive, live)
                drivefs.publish(Path(private), partial)
            code = 0
        else:
            during: dict = {}
            code = run_in_container(engine, spec, request, container_plan, drive, partial, live, during)
            if local:
                run["host_load"]["during"] = during or None
                run["host_load"]["busy"] = hostload.verdict(run["host_load"]["before"], run.get("host_sgemm"),
                                                            during or None)
            if code == 0 and request.compare_host:
                from localab.host.bench import hostvenv

                hostvenv.compare(spec, request, container_plan.caps, partial, live)
            if code == 0 and request.compare_plain:
                from localab.host.bench import plain

                plain.compare(engine, spec, request, container_plan, drive, partial, live)
        if code == contract.WORKLOAD_STOPPED:
            raise LocalabError(f"{workload} was stopped before it finished; its checkpoint is on the drive, "
                               f"run again with --resume to continue")
        if code != 0 or not drivefs.exists(partial / contract.SUMMARY_FILE):
            tail = drivefs.tail(partial / contract.OUTPUT_LOG)
            raise LocalabError(f"{workload} failed (exit {code}); its last output:\n" + "\n".join("    " + l for l in tail))
        run["ended_at"] = datetime.now(timezone.utc).isoformat()
        run["config"] = workload_config(partial)
        drivefs.write_json(partial / contract.RUN_FILE, run)
        finish_summary(partial, run)
        draw_plots(engine, run["image"]["ref"], spec, drive, partial)
        drivefs.unlink(partial / PARTIAL_LOCK)  # still held through its open descriptor until the rename
        drives.give_to_drive_owner(partial)
        drivefs.rename(partial, final)
        return final
    except BaseException:
        drivetree.remove_tree(partial)
        raise


def bench(engine: Engine, request: BenchRequest, say=print) -> list[Path]:
    workloads, drive = validate(request)
    container_plan = plan(profiles.load().get(request.profile), EngineFacts.of(engine.info()), require_gpu=request.gpu,
                          flavour=lock.runtime_flavour(request.flavour))
    if request.compare_plain and container_plan.caps.gpus:
        raise UsageError("compare-plain: the plain baseline is TensorFlow's CPU build, and this run has a GPU; "
                         "compare on a CPU profile, without --gpu")
    image = images.ensure_image(engine, container_plan.flavour, say=say)
    drives.prepare_drive(drive)
    clean_abandoned(drive, say)
    for note in container_plan.notes:
        say(f"note: {note}")
    results = []
    for workload in workloads:
        for number in range(1, request.runs + 1):
            run_label = f" (run {number}/{request.runs})" if request.runs > 1 else ""
            say(f"{workload.name} at scale {request.scale}, profile {container_plan.profile.name}{run_label}")
            results.append(run_one(engine, workload, request, container_plan, drive, image, say))
    return results
