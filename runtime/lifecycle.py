"""A runtime's life: up, status, logs, down, reset.

A runtime is one container named localab-<name>, labelled with what it was started
with; its token lives in a 0600 file in localab's state folder. Everything a user can
get wrong is checked before anything is created.
"""

import fcntl
import json
import os
import re
import secrets
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import caps as capmap
from . import image as images
from . import drivefs, ports, profiles, secretstore
from .engine import Engine
from .errors import LocalabError, UsageError
from .guest.localab_guest import exitcodes
from .paths import ROOT, private_dir, state_dir, write_private

PREFIX = "localab-"
LABEL = "io.localab.runtime"
DRIVE_TARGET = "/content/drive/MyDrive"
GUEST_PORT = 8888
IMAGE_USER = (1000, 100)  # the image's unprivileged user and its group `users`
USERS_GID = "100"
READY_TIMEOUT_S = 120
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")
NVIDIA_HELP = (
    "install the NVIDIA Container Toolkit (https://docs.nvidia.com/datacenter/cloud-native/"
    "container-toolkit/latest/install-guide.html), run `nvidia-ctk runtime configure --runtime=docker`, "
    "restart the engine, then check with `invoke doctor`"
)


@dataclass(frozen=True)
class UpRequest:
    name: str = "default"
    profile: str | None = None
    gpu: bool = False
    port: str | None = None
    drive: str | None = None
    recreate: bool = False
    listen: str = ports.LOOPBACK
    keymap: str | None = None


@dataclass
class Status:
    state: str  # running | expired | idle | stopped | failed | oom | absent
    container: str
    name: str
    url: str | None = None
    profile: str | None = None
    image: str | None = None
    caps: dict = field(default_factory=dict)
    drive: str | None = None
    started_at: str | None = None
    expires_at: str | None = None
    uptime_s: float | None = None
    remaining_s: float | None = None
    memory_used_bytes: int | None = None
    cpu_percent: float | None = None
    scratch_free_bytes: int | None = None
    scratch_note: str | None = None
    exit_code: int | None = None
    reason: str | None = None
    oom_kills: int | None = None  # processes the kernel killed for exceeding the RAM cap
    health: str | None = None  # the image's HEALTHCHECK: starting | healthy | unhealthy

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2)


# -- names, files, users ---------------------------------------------------------------

def validate_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise UsageError(f"name: '{name}' is not a runtime name; use lowercase letters, digits, '-', '_' or '.' (at most 41)")
    return name


def container_name(name: str) -> str:
    return PREFIX + validate_name(name)


def runtime_dir(name: str) -> Path:
    return state_dir() / "runtimes" / name


def token_file(name: str) -> Path:
    return runtime_dir(name) / "token"


def default_drive(name: str) -> Path:
    return ROOT / ("drive" if name == "default" else f"drive-{name}")


def host_user() -> tuple[int, int] | None:
    """Whose files the drive holds: the invoking user (under sudo too); None for root."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0 and os.environ.get("SUDO_UID", "").isdigit():
        uid, gid = int(os.environ["SUDO_UID"]), int(os.environ.get("SUDO_GID", "0") or 0)
    return None if uid == 0 else (uid, gid)


def validate_keymap(keymap: str | None) -> str:
    return profiles.validate_keymap(keymap or "jupyterlab")


def container_user() -> str:
    """uid:gid the container runs as: the host user's, or the image's own when root runs localab."""
    user = host_user() or IMAGE_USER
    return f"{user[0]}:{user[1]}"


def give_to_drive_owner(path: Path) -> None:
    """Files localab writes into the drive as root belong to whoever the container runs as."""
    if os.getuid() == 0:
        drivefs.chown_tree(path, *(host_user() or IMAGE_USER))


def make_drive_folder(drive: Path, relative: str) -> Path:
    """mkdir -p inside the drive, each new folder owned like the drive's own files."""
    return drivefs.make_folder(drive, relative, on_create=give_to_drive_owner)


def validate_drive(value: str | None, name: str) -> Path:
    path = Path(value).expanduser().resolve() if value else default_drive(name)
    if path.exists() and not path.is_dir():
        raise UsageError(f"drive: '{value or path}' is a file, not a folder; name a folder (it is created if missing)")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"drive: '{value or path}' is not writable by you; name a folder you can write to")
    return path


def prepare_drive(path: Path) -> None:
    """Create the drive; when root runs localab without sudo, the container writes as the
    image's own user, so that user must be able to write the drive's top folder."""
    path.mkdir(parents=True, exist_ok=True)
    user = host_user()
    if user and os.getuid() == 0:  # under sudo: the folder belongs to the invoking user
        os.chown(path, *user)
    elif user is None:
        stat = path.stat()
        if (stat.st_uid, stat.st_gid) == (0, 0) and not stat.st_mode & 0o002:
            os.chown(path, *IMAGE_USER)


def gpu_available(info: dict) -> bool:
    return "nvidia" in (info.get("Runtimes") or {}) or info.get("DefaultRuntime") == "nvidia"


# -- reading a runtime ----------------------------------------------------------------

def url(port: int | str, token: str, address: str = ports.LOOPBACK) -> str:
    return f"http://{address}:{port}/lab?token={token}"


def published_port(container: dict, inside: int = GUEST_PORT) -> tuple[str, int] | None:
    bindings = (container.get("HostConfig", {}).get("PortBindings") or {}).get(f"{inside}/tcp") or []
    if not bindings:
        return None
    return bindings[0].get("HostIp") or "0.0.0.0", int(bindings[0]["HostPort"])


def read_token(name: str) -> str | None:
    try:
        return token_file(name).read_text().strip()
    except OSError:
        return None


def _parse_time(value: str | None) -> datetime | None:
    if not value or value.startswith("0001-"):
        return None
    trimmed = re.sub(r"(\.\d{6})\d*", r"\1", value.replace("Z", "+00:00"))
    return datetime.fromisoformat(trimmed)


def state_of(container: dict) -> tuple[str, str | None]:
    state = container["State"]
    if state.get("Running"):
        return "running", None
    if state.get("OOMKilled"):
        return "oom", "the runtime's entry process was killed for exceeding the memory cap"
    code = state.get("ExitCode")
    reason = exitcodes.REASONS.get(code)
    if reason == "expired":
        return "expired", "the profile's maximum lifetime ran out; the drive is kept"
    if reason == "idle":
        return "idle", "Jupyter Server shut down after the profile's idle timeout; the drive is kept"
    if reason == "stopped":
        return "stopped", ("stopped from outside localab (the engine restarted, or `docker stop`); "
                           "`invoke up` starts it again, the drive is kept")
    return "failed", f"exited with code {code}; `invoke logs` shows why, `invoke up` starts it again, the drive is kept"


def status(engine: Engine, name: str = "default", *, measure: bool = True) -> Status:
    cname = container_name(name)
    container = engine.container(cname)
    if container is None:
        return Status(state="absent", container=cname, name=name, reason="no runtime; start one with `invoke up`")
    labels = container["Config"].get("Labels") or {}
    state, reason = state_of(container)
    result = Status(state=state, container=cname, name=name, reason=reason,
                    profile=labels.get(f"{LABEL}.profile"), image=container["Config"].get("Image"),
                    caps=capmap.applied(container), drive=labels.get(f"{LABEL}.drive"),
                    exit_code=None if container["State"].get("Running") else container["State"].get("ExitCode"),
                    health=(container["State"].get("Health") or {}).get("Status"))
    started = _parse_time(container["State"].get("StartedAt"))
    lifetime = int(labels.get(f"{LABEL}.lifetime-s", "0") or 0)
    if started:
        result.started_at = started.isoformat()
        if lifetime:
            result.expires_at = (started + timedelta(seconds=lifetime)).isoformat()
    published = published_port(container)
    token = read_token(name)
    if state == "running":
        now = datetime.now(timezone.utc)
        if published and token:
            address = published[0] if published[0] not in ("0.0.0.0", "") else ports.LOOPBACK
            result.url = url(published[1], token, address)
        if started:
            result.uptime_s = (now - started).total_seconds()
            if lifetime:
                result.remaining_s = max(0.0, lifetime - result.uptime_s)
        if measure:
            _measure(engine, cname, result)
    return result


# Free scratch, and the cgroup's count of OOM kills (v2: memory.events, v1: memory.oom_control).
PROBE = ("df -B1 --output=avail /content | tail -n 1; "
         "cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null; true")


def parse_probe(output: str) -> tuple[int | None, int | None]:
    lines = output.split("\n")
    free = int(lines[0]) if lines and lines[0].strip().isdigit() else None
    kills = [int(line.split()[1]) for line in lines[1:] if line.startswith("oom_kill ")]
    return free, (max(kills) if kills else None)


def _measure(engine: Engine, cname: str, result: Status) -> None:
    try:
        stats = engine.stats(cname)
        memory = stats.get("memory_stats", {})
        result.memory_used_bytes = memory.get("usage")
        cpu, pre = stats.get("cpu_stats", {}), stats.get("precpu_stats", {})
        total = cpu.get("cpu_usage", {}).get("total_usage", 0) - pre.get("cpu_usage", {}).get("total_usage", 0)
        system = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
        if system > 0:
            result.cpu_percent = round(100.0 * total / system * (cpu.get("online_cpus") or 1), 1)
        code, output = engine.exec(cname, ["sh", "-c", PROBE])
        if code == 0:
            result.scratch_free_bytes, result.oom_kills = parse_probe(output)
        if not result.caps.get("scratch_bytes"):
            result.scratch_note = "no scratch cap (the storage driver cannot limit it); free space is the host disk's"
    except Exception as exc:  # measuring is best effort; the state above stands
        result.scratch_note = f"could not measure usage: {exc}"


# -- changing a runtime ----------------------------------------------------------------

@contextmanager
def runtime_lock():
    """One `up`/`down`/`reset` at a time, across processes: a lock on the state folder
    itself, so that taking it writes nothing."""
    fd = os.open(private_dir(state_dir()), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def plan_run(request: UpRequest, engine: Engine, *, say=print, replacing: dict | None = None) -> dict:
    """Validate everything and compute the container's options; creates nothing.
    `replacing`: the container this one will replace, whose port counts as free."""
    cname = container_name(request.name)
    profile = profiles.load().get(request.profile)
    if request.listen != ports.LOOPBACK:
        say(f"warning: publishing on {request.listen}: anyone who can reach this host there and has the token can use the runtime")
    info = engine.info()
    has_gpu_runtime = gpu_available(info)
    if request.gpu and not has_gpu_runtime:
        raise UsageError(f"gpu: --gpu asked for, but the engine has no NVIDIA container runtime; {NVIDIA_HELP}")
    use_gpu = has_gpu_runtime and (request.gpu or profile.has_gpu)
    caps, notes = capmap.plan_caps(profile, use_gpu=use_gpu, host_cpus=info.get("NCPU") or os.cpu_count(),
                                   scratch_possible=capmap.scratch_cap_possible(info))
    drive = validate_drive(request.drive, request.name)
    keymap = validate_keymap(request.keymap or profile.keymap)
    held = published_port(replacing) if replacing else None

    def is_free(port: int, address: str) -> bool:
        return (held is not None and port == held[1]) or ports.is_free(port, address)

    port = ports.choose(request.port, address=request.listen, say=say, is_free=is_free)
    flavour = "gpu" if use_gpu else "cpu"
    return {
        "name": cname, "profile": profile, "caps": caps, "notes": notes, "drive": drive, "port": port,
        "flavour": flavour,
        "options": {
            "name": cname,
            "hostname": "localab",
            "user": container_user(),
            "group_add": [USERS_GID],
            "ports": {f"{GUEST_PORT}/tcp": (request.listen, port)},
            "volumes": {str(drive): {"bind": DRIVE_TARGET, "mode": "rw"}, **secretstore.volume()},
            "labels": {
                LABEL: request.name,
                f"{LABEL}.profile": profile.name,
                f"{LABEL}.drive": str(drive),
                f"{LABEL}.lifetime-s": str(caps.lifetime_s),
                f"{LABEL}.gpu": "1" if use_gpu else "0",
                f"{LABEL}.keymap": keymap,
            },
            **capmap.run_options(caps),
        },
    }


def wait_ready(engine: Engine, cname: str, port: int, token: str, *, timeout_s: float = READY_TIMEOUT_S) -> float:
    """Poll Jupyter Server's API until it answers with the token; returns seconds waited."""
    probe = urllib.request.Request(f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"})
    waited = poll_answering(engine, cname, probe, timeout_s=timeout_s, interval_s=0.1, what="the runtime",
                            clean=lambda tail: redact(tail, token))
    if waited is None:
        raise LocalabError(f"Jupyter Server did not answer within {timeout_s:.0f} s; see `invoke logs`")
    return waited


def poll_answering(engine: Engine, cname: str, probe, *, timeout_s: float, interval_s: float, what: str,
                   clean=lambda tail: tail) -> float | None:
    """Poll a starting container's HTTP endpoint until it answers 200: seconds waited, or
    None at the deadline. A container that stops meanwhile raises with its last output."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:  # URLError included
            pass
        container = engine.container(cname)
        if container is None or not container["State"].get("Running"):
            tail = b"".join(engine.logs(cname, tail=20)).decode(errors="replace") if container else ""
            raise LocalabError(f"{what} stopped while starting; its last output:\n{clean(tail)}")
        time.sleep(interval_s)
    return None


def up(engine: Engine, request: UpRequest, ctx, *, say=print) -> Status:
    # Input errors first, before the lock and before anything exists.
    validate_name(request.name)
    validate_keymap(request.keymap)
    profiles.load().get(request.profile)
    validate_drive(request.drive, request.name)
    if request.port is not None:
        ports.validate(request.port)
    with runtime_lock():
        cname = container_name(request.name)
        existing = engine.container(cname)
        if existing and existing["State"].get("Running") and not request.recreate:
            running = existing["Config"]["Labels"].get(f"{LABEL}.profile")
            wanted = profiles.load().get(request.profile).name if request.profile else running
            if wanted != running:
                raise UsageError(
                    f"profile: runtime '{request.name}' is up with profile {running}; to switch to {wanted}, "
                    f"add --recreate (scratch is wiped, the drive is kept)"
                )
            if request.gpu and existing["Config"]["Labels"].get(f"{LABEL}.gpu") != "1":
                raise UsageError(f"gpu: runtime '{request.name}' is up without a GPU; add --recreate to restart it on the GPU image")
            say(f"runtime '{request.name}' is already up; reusing it")
            return status(engine, request.name, measure=False)
        plan = plan_run(request, engine, say=say, replacing=existing)
        images.ensure_image(engine, plan["flavour"], ctx, say=say)
        if existing:
            previous, _ = state_of(existing)
            say(f"replacing runtime '{request.name}' ({previous}); its scratch is wiped, the drive is kept")
            engine.remove(cname)
        for note in plan["notes"]:
            say(f"note: {note}")
        prepare_drive(plan["drive"])
        token = secrets.token_hex(24)
        write_private(token_file(request.name), token + "\n")
        environment = {"JUPYTER_TOKEN": token, "LOCALAB_KEYMAP": plan["options"]["labels"][f"{LABEL}.keymap"],
                       **capmap.environment(plan["caps"])}
        engine.run(images.image_ref(plan["flavour"]), environment=environment, **plan["options"])
        say(f"starting runtime '{request.name}': profile {plan['profile'].name}, drive {plan['drive']}")
        waited = wait_ready(engine, cname, plan["port"], token)
        say(f"Jupyter answered after {waited:.1f} s")
        return status(engine, request.name, measure=False)


def down(engine: Engine, name: str = "default", *, say=print) -> bool:
    cname = container_name(name)
    with runtime_lock():
        container = engine.container(cname)
        if container is None:
            say(f"runtime '{name}' is not up; nothing to do")
            return False
        if container["State"].get("Running"):
            engine.stop(cname, timeout=30)
        engine.remove(cname)
        token_file(name).unlink(missing_ok=True)
        drive = (container["Config"].get("Labels") or {}).get(f"{LABEL}.drive")
        say(f"runtime '{name}' is down; the drive is kept at {drive}")
        return True


def reset(engine: Engine, name: str, ctx, *, say=print) -> Status:
    """Colab's "disconnect and delete runtime": a fresh container with the same options;
    scratch (/content) is wiped, the drive is kept."""
    container = engine.container(container_name(name))
    if container is None:
        raise UsageError(f"name: no runtime '{name}' to reset; start one with `invoke up`")
    labels = container["Config"].get("Labels") or {}
    published = published_port(container)
    request = UpRequest(
        name=name, profile=labels.get(f"{LABEL}.profile"), gpu=labels.get(f"{LABEL}.gpu") == "1",
        port=str(published[1]) if published else None, drive=labels.get(f"{LABEL}.drive"),
        keymap=labels.get(f"{LABEL}.keymap"),
        listen=published[0] if published else ports.LOOPBACK, recreate=True,
    )
    say(f"deleting runtime '{name}' and its scratch; the drive is kept")
    return up(engine, request, ctx, say=say)


def logs(engine: Engine, name: str = "default", *, follow: bool = False, write=None) -> None:
    cname = container_name(name)
    if engine.container(cname) is None:
        raise UsageError(f"name: no runtime '{name}'; start one with `invoke up`")
    token = read_token(name)
    write = write or (lambda text: print(text, end="", flush=True))
    for chunk in engine.logs(cname, follow=follow):
        write(redact(chunk.decode(errors="replace"), token))


def redact(text: str, token: str | None) -> str:
    return text.replace(token, "<token>") if token else text
