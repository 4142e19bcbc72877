"""The containers a bench run starts on the engine (the workload's, the plain baseline's,
the plots'): each with the drive mounted and run as its owner, its output kept in the
result folder through drivefs, its progress shown on one line, and removed afterwards."""

import contextlib
import sys
import threading
import time
import uuid
from pathlib import Path

from localab.guest import contract
from localab.host import caps as capmap
from localab.host import drive as drives
from localab.host import drivefs
from localab.host.engine import Engine
from localab.host.errors import LocalabError
from localab.host.plan import ContainerPlan
from localab.host.runspec import RunSpec, run_spec
from localab.workloads.workload import Workload

_DEADLINE_S = {"smoke": 30 * 60, "quick": 3 * 3600}


def deadline_s(scale: str, lifetime_s: int | None = None) -> int:
    """How long a workload's container may run: bounded per scale; a full run, the
    profile's lifetime (12 h without one)."""
    return _DEADLINE_S.get(scale, lifetime_s or 12 * 3600)

LABEL = "io.localab.bench"


class Live:
    """One progress line, rewritten in place on a terminal, thinned out elsewhere."""

    def __init__(self, say):
        self.say = say
        self.tty = sys.stdout.isatty()
        self.last = 0.0

    def update(self, text: str) -> None:
        if self.tty:
            sys.stdout.write("\r\033[K" + text[:150])
            sys.stdout.flush()
        elif time.monotonic() - self.last > 5:
            self.say("  " + text)
            self.last = time.monotonic()

    def done(self) -> None:
        if self.tty:
            sys.stdout.write("\r\033[K")
            sys.stdout.flush()


def follow(engine: Engine, name: str, log: Path, live: Live) -> threading.Thread:
    """Keep a container's output in its result folder and show its progress lines."""
    def show(chunk: bytes) -> None:
        for line in chunk.decode(errors="replace").splitlines():
            if line.startswith("progress: "):
                live.update(line[len("progress: "):])
            elif line.startswith("NOTE: "):
                live.done()
                live.say("  " + line)

    def pump():
        try:
            with drivefs.appending(log) as handle:
                for chunk in engine.logs(name, follow=True):
                    handle.write(chunk)
                    show(chunk)
        except LocalabError as exc:  # a link planted where the log goes: shown, never followed
            live.say(f"  {exc}; the output is not kept")
            for chunk in engine.logs(name, follow=True):
                show(chunk)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def container_cpu_seconds(engine: Engine, name: str) -> float | None:
    usage = engine.stats(name, one_shot=True).get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage")
    return usage / 1e9 if usage else None


def inside_drive(drive: Path, path: Path) -> str:
    """Where a folder of the drive is inside a container that mounts it."""
    return f"{contract.DRIVE}/{path.relative_to(drive).as_posix()}"


def workload_spec(container_plan: ContainerPlan, drive: Path, workload: str) -> RunSpec:
    """A workload's container: the runtime's spec (caps, environment, security, the drive
    owner's user), serving nothing, labelled as the bench's."""
    return run_spec(container_plan, user=drives.container_user(), drive=str(drive), labels={LABEL: workload},
                    serves=False)


def run_container(engine: Engine, image: str, name: str, *, workload: str, live: Live, entrypoint: list[str],
                  command: list[str], options: dict, log: Path, deadline: float, watch=None) -> int:
    """One workload container (`options`: the docker SDK's run() keywords, a spec's): its
    output kept in `log` and its progress shown; stopped past `deadline` s or on Ctrl-C, removed."""
    engine.run(image, name=name, entrypoint=entrypoint, command=command, **options)
    pump = follow(engine, name, log, live)
    try:
        with watch or contextlib.nullcontext():
            code = engine.wait(name, timeout=deadline)
        if code is None:
            live.say(f"  {workload} ran past {deadline} s; stopping it (a checkpoint is saved)")
            engine.stop(name, timeout=120)
            code = engine.wait(name, timeout=150)
        return code
    except KeyboardInterrupt:
        live.done()
        live.say(f"  interrupted: stopping {workload} (a fit saves a checkpoint; --resume continues)")
        engine.stop(name, timeout=120)
        raise
    finally:
        pump.join(timeout=10)
        live.done()
        engine.remove(name)


def draw_plots(engine: Engine, image_ref: str, workload: Workload, drive: Path, out: Path) -> None:
    """The plots, drawn from the result's files in a fresh container of the runtime image:
    matplotlib lives there, not on the host, and it writes into the drive as the runtime's
    own user, where a link planted in the drive cannot reach a host file."""
    name = f"localab-plots-{uuid.uuid4().hex[:10]}"
    engine.run(image_ref, name=name, user=drives.container_user(), group_add=[str(contract.IMAGE_GID)],
               volumes={str(drive): {"bind": str(contract.DRIVE), "mode": "rw"}}, labels={LABEL: "plots"},
               entrypoint=["python", "-m", "localab.workloads", workload.name, "--plots", "--out", inside_drive(drive, out)],
               network_disabled=True, mem_limit=2 << 30, **capmap.SECURITY)
    try:
        code = engine.wait(name, timeout=300)
        if code != 0:
            tail = b"".join(engine.logs(name, tail=15)).decode(errors="replace")
            raise LocalabError(f"drawing the plots failed (exit {code}):\n{tail}")
    finally:
        engine.remove(name)
