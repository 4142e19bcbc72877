"""Resource profiles, read from runtime/profiles.toml and validated as they are read."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import UsageError
from runtime.units import format_duration, format_size, parse_duration, parse_size

PROFILES_FILE = Path(__file__).with_name("profiles.toml")
FIELDS = {"description", "memory", "cpus", "shm", "scratch", "pids", "gpu", "gpu_memory", "lifetime", "idle", "keymap"}
OPTIONAL = {"description", "keymap"}
KEYMAPS = ("jupyterlab", "colab")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    memory_bytes: int
    cpus: float
    shm_bytes: int
    scratch_bytes: int
    pids_limit: int
    gpu: str  # model name, "" for none
    gpu_memory_bytes: int
    lifetime_s: int
    idle_s: int
    keymap: str = "jupyterlab"

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpu)

    def row(self) -> dict[str, str]:
        gpu = f"{self.gpu} ({format_size(self.gpu_memory_bytes)})" if self.has_gpu else "-"
        return {
            "profile": self.name, "RAM": format_size(self.memory_bytes), "CPUs": f"{self.cpus:g}",
            "GPU": gpu, "scratch": format_size(self.scratch_bytes), "shm": format_size(self.shm_bytes),
            "lifetime": format_duration(self.lifetime_s), "idle": format_duration(self.idle_s) if self.idle_s else "-",
        }


@dataclass(frozen=True)
class Profiles:
    default: str
    by_name: dict[str, Profile]

    def get(self, name: str | None) -> Profile:
        name = name or self.default
        if name not in self.by_name:
            raise UsageError(f"profile: '{name}' is not a profile; use one of: {', '.join(self.by_name)}")
        return self.by_name[name]


def validate_keymap(keymap: str, field: str = "keymap") -> str:
    if keymap not in KEYMAPS:
        raise UsageError(f"{field}: '{keymap}' is not a keymap; use one of: {', '.join(KEYMAPS)}")
    return keymap


def _field(source: str, name: str, spec: dict, key: str):
    if key not in spec:
        raise UsageError(f"{source}: profiles.{name}.{key} is missing; every profile sets {', '.join(sorted(FIELDS - OPTIONAL))}")
    return spec[key]


def parse_profile(name: str, spec: dict, source: str = "profiles") -> Profile:
    where = f"{source}: profiles.{name}"
    unknown = set(spec) - FIELDS
    if unknown:
        raise UsageError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(FIELDS))}")
    get = lambda key: _field(source, name, spec, key)  # noqa: E731
    cpus = get("cpus")
    if isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or not 0 < cpus <= 1024:
        raise UsageError(f"{where}.cpus: '{cpus}' is not a CPU count; use a number such as 2 or 0.5")
    pids = get("pids")
    if isinstance(pids, bool) or not isinstance(pids, int) or pids < 64:
        raise UsageError(f"{where}.pids: '{pids}' is not a process limit; use a whole number of at least 64")
    gpu = get("gpu")
    if not isinstance(gpu, str):
        raise UsageError(f"{where}.gpu: '{gpu}' is not a GPU model; use a name such as \"Tesla T4\", or \"\" for none")
    profile = Profile(
        name=name,
        description=str(spec.get("description", "")),
        memory_bytes=parse_size(get("memory"), f"{where}.memory"),
        cpus=float(cpus),
        shm_bytes=parse_size(get("shm"), f"{where}.shm"),
        scratch_bytes=parse_size(get("scratch"), f"{where}.scratch"),
        pids_limit=pids,
        gpu=gpu,
        gpu_memory_bytes=parse_size(get("gpu_memory"), f"{where}.gpu_memory"),
        lifetime_s=parse_duration(get("lifetime"), f"{where}.lifetime"),
        idle_s=parse_duration(get("idle"), f"{where}.idle"),
        keymap=spec.get("keymap", "jupyterlab"),
    )
    validate_keymap(profile.keymap, f"{where}.keymap")
    if profile.memory_bytes < 256 << 20:
        raise UsageError(f"{where}.memory: '{get('memory')}' is below 256M; a runtime needs at least that")
    if profile.has_gpu and profile.gpu_memory_bytes <= 0:
        raise UsageError(f"{where}.gpu_memory: a profile with a GPU needs its memory, e.g. 16G")
    return profile


def load(path: Path = PROFILES_FILE) -> Profiles:
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); restore it with `git checkout`") from exc
    table = data.get("profiles")
    if not isinstance(table, dict) or not table:
        raise UsageError(f"{path}: has no [profiles.NAME] tables")
    by_name = {}
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise UsageError(f"{path}: profiles.{name} is not a table")
        by_name[name] = parse_profile(name, spec, str(path))
    default = data.get("default")
    if default not in by_name:
        raise UsageError(f"{path}: default = '{default}' names no profile; use one of: {', '.join(by_name)}")
    return Profiles(default, by_name)
