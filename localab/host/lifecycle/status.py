"""A runtime as the engine and the container report it: state, caps as applied, usage."""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from localab.guest import contract
from localab.host import caps as capmap
from localab.host import ports
from localab.host.engine import Engine
from localab.host.lifecycle.state import container_name, find, label, published_port, read_token


@dataclass
class Status:
    state: str  # running | expired | idle | unassigned | stopped | failed | oom | absent
    container: str
    name: str
    url: str | None = None  # JupyterLab, without the token
    server: str | None = None  # what VS Code or PyCharm connects to ("existing Jupyter server"), without the token
    token: str | None = None  # printed only when asked (`localab status --show-token`)
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
    privileged: bool = False  # started with --sudo: the notebook user may sudo

    @property
    def login_url(self) -> str | None:
        """The URL to open, token included: what `localab up` prints."""
        return f"{self.url}?token={self.token}" if self.url and self.token else None

    def as_json(self, *, show_token: bool = False) -> str:
        data = dict(self.__dict__)
        data["token"] = self.token if show_token else None
        data["login_url"] = self.login_url if show_token else None
        return json.dumps(data, indent=2)


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
    reason = contract.EXIT_REASONS.get(code)
    if reason == "expired":
        return "expired", "the profile's maximum lifetime ran out; the drive is kept"
    if reason == "idle":
        return "idle", "Jupyter Server shut down after the profile's idle timeout; the drive is kept"
    if reason == "unassigned":
        return "unassigned", ("ended from a notebook by google.colab.runtime.unassign(); `localab up` starts a fresh "
                              "one, the drive is kept")
    if reason == "stopped":
        return "stopped", ("stopped from outside localab (the engine restarted, or `docker stop`); "
                           "`localab up` starts it again, the drive is kept")
    return "failed", f"exited with code {code}; `localab logs` shows why, `localab up` starts it again, the drive is kept"


def status(engine: Engine, name: str = "default", *, measure: bool = True) -> Status:
    cname = container_name(name)
    container = find(engine, name)
    if container is None:
        return Status(state="absent", container=cname, name=name, reason="no runtime; start one with `localab up`")
    state, reason = state_of(container)
    result = Status(state=state, container=cname, name=name, reason=reason,
                    profile=label(container, "profile"), image=container["Config"].get("Image"),
                    privileged=label(container, "sudo") == "1",
                    caps=capmap.applied(container), drive=label(container, "drive"),
                    exit_code=None if container["State"].get("Running") else container["State"].get("ExitCode"),
                    health=(container["State"].get("Health") or {}).get("Status"))
    started = _parse_time(container["State"].get("StartedAt"))
    lifetime = int(label(container, "lifetime-s") or 0)
    if started:
        result.started_at = started.isoformat()
        if lifetime:
            result.expires_at = (started + timedelta(seconds=lifetime)).isoformat()
    published = published_port(container)
    token = read_token(name)
    if state == "running":
        now = datetime.now(timezone.utc)
        if published and token:
            host = ports.url_host(ports.reachable(published[0]))
            result.server = f"http://{host}:{published[1]}/"
            result.url = result.server + "lab"
            result.token = token
        if started:
            result.uptime_s = (now - started).total_seconds()
            if lifetime:
                result.remaining_s = max(0.0, lifetime - result.uptime_s)
        if measure:
            _measure(engine, cname, result)
    return result


# Free scratch, and the cgroup's count of OOM kills (v2: memory.events, v1: memory.oom_control).
PROBE = (f"df -B1 --output=avail {contract.CONTENT} | tail -n 1; "
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
