"""Resource profiles, found on a search path and validated as they are read.

The packaged localab/host/profiles.toml comes first; the user's config file
($XDG_CONFIG_HOME/localab/profiles.toml) and then a file named by --profiles or
LOCALAB_PROFILES are laid over it: they may add profiles, change some fields of a
packaged one, and choose the default."""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from localab.host.errors import UsageError
from localab.host.refs import DEFAULT_FLAVOUR, current_name
from localab.host.units import format_duration, format_size, parse_duration, parse_size

PROFILES_FILE = Path(__file__).with_name("profiles.toml")  # the packaged default
ENV = "LOCALAB_PROFILES"
FIELDS = {"description", "memory", "cpus", "shm", "scratch", "pids", "gpu", "gpu_memory", "lifetime", "idle", "keymap",
          "flavour", "sudo"}
OPTIONAL = {"description", "keymap", "flavour", "sudo"}
KEYMAPS = ("jupyterlab", "colab")


HOST = "host"  # cpus = "host": all of the host's; gpu = "host": the host's GPU, if it has one


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    memory_bytes: int | None  # None: memory_share of the host's RAM
    cpus: float | None  # None: all of the host's CPUs
    shm_bytes: int
    scratch_bytes: int | None  # None: scratch = "none", not capped
    pids_limit: int
    gpu: str  # model name, "host" for the host's own if any, "" for none
    gpu_memory_bytes: int  # 0 with gpu = "host": the GPU's whole memory
    lifetime_s: int  # 0: no lifetime
    idle_s: int  # 0: no idle stop
    keymap: str = "jupyterlab"
    flavour: str = DEFAULT_FLAVOUR  # the image: colab (Colab's package set) or tf (TensorFlow only); -gpu with a GPU
    sudo: bool = False  # the notebook user may sudo (Colab runs as root; `!apt-get install` needs it)
    source: str = ""  # the file(s) it was read from, last one last
    memory_share: float | None = None  # memory = "90%": that share of the host's RAM

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpu)

    @property
    def host_relative(self) -> bool:
        """Sized by the machine it runs on (the `local` profile), not a fixed envelope."""
        return self.cpus is None or self.memory_bytes is None or self.gpu == HOST

    def row(self) -> dict[str, str]:
        gpu = "-" if not self.has_gpu else "the host's, if any" if self.gpu == HOST else \
            f"{self.gpu} ({format_size(self.gpu_memory_bytes)})"
        memory = f"{self.memory_share:.0%} of the host's" if self.memory_bytes is None else format_size(self.memory_bytes)
        return {
            "profile": self.name, "RAM": memory, "CPUs": "all" if self.cpus is None else f"{self.cpus:g}",
            "GPU": gpu, "scratch": "not capped" if self.scratch_bytes is None else format_size(self.scratch_bytes),
            "shm": format_size(self.shm_bytes),
            "lifetime": format_duration(self.lifetime_s) if self.lifetime_s else "none",
            "idle": format_duration(self.idle_s) if self.idle_s else "-",
            "from": "packaged" if self.source == str(PROFILES_FILE) else self.source.replace(f"{PROFILES_FILE} + ", "packaged + "),
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
    if cpus != HOST and (isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or not 0 < cpus <= 1024):
        raise UsageError(f"{where}.cpus: '{cpus}' is not a CPU count; use a number such as 2 or 0.5, or \"host\" "
                         f"for all of the host's")
    pids = get("pids")
    if isinstance(pids, bool) or not isinstance(pids, int) or pids < 64:
        raise UsageError(f"{where}.pids: '{pids}' is not a process limit; use a whole number of at least 64")
    gpu = get("gpu")
    if not isinstance(gpu, str):
        raise UsageError(f"{where}.gpu: '{gpu}' is not a GPU model; use a name such as \"Tesla T4\", \"host\" for "
                         f"the host's own, or \"\" for none")
    memory, share = get("memory"), None
    if isinstance(memory, str) and memory.strip().endswith("%"):
        share = _percent(memory, f"{where}.memory")
    scratch = get("scratch")
    profile = Profile(
        name=name,
        description=str(spec.get("description", "")),
        memory_bytes=None if share else parse_size(memory, f"{where}.memory"),
        memory_share=share,
        cpus=None if cpus == HOST else float(cpus),
        shm_bytes=parse_size(get("shm"), f"{where}.shm"),
        scratch_bytes=None if scratch == "none" else parse_size(scratch, f"{where}.scratch"),
        pids_limit=pids,
        gpu=gpu,
        gpu_memory_bytes=parse_size(get("gpu_memory"), f"{where}.gpu_memory"),
        lifetime_s=parse_duration(get("lifetime"), f"{where}.lifetime"),
        idle_s=parse_duration(get("idle"), f"{where}.idle"),
        keymap=spec.get("keymap", "jupyterlab"),
        flavour=current_name(spec["flavour"]) if isinstance(spec.get("flavour"), str) else spec.get("flavour", DEFAULT_FLAVOUR),
        sudo=spec.get("sudo", False),
    )
    if not isinstance(profile.sudo, bool):
        raise UsageError(f"{where}.sudo: '{profile.sudo}' is not true or false")
    if not isinstance(profile.flavour, str) or not profile.flavour.isidentifier():
        raise UsageError(f"{where}.flavour: '{profile.flavour}' is not an image flavour; use colab or tf")
    validate_keymap(profile.keymap, f"{where}.keymap")
    if profile.memory_bytes is not None and profile.memory_bytes < 256 << 20:
        raise UsageError(f"{where}.memory: '{memory}' is below 256M; a runtime needs at least that")
    if profile.scratch_bytes == 0:
        raise UsageError(f"{where}.scratch: '0' would not cap anything; give the scratch size, e.g. 100G, or \"none\"")
    if profile.memory_bytes is not None and profile.shm_bytes > profile.memory_bytes:
        raise UsageError(f"{where}.shm: '{get('shm')}' is more than the profile's memory ({memory}); "
                         f"shared memory counts against the RAM cap, so keep it at most that")
    if profile.has_gpu and profile.gpu != HOST and profile.gpu_memory_bytes <= 0:
        raise UsageError(f"{where}.gpu_memory: a profile with a GPU needs its memory, e.g. 16G")
    return profile


def _percent(value: str, field: str) -> float:
    number = value.strip()[:-1].strip()
    try:
        share = float(number) / 100 if number.replace(".", "", 1).isdigit() and number.isascii() else -1
    except ValueError:
        share = -1
    if not 0 < share <= 1:
        raise UsageError(f"{field}: '{value}' is not a share of the host's RAM; use a percentage such as 90%")
    return share


def user_file() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "localab" / "profiles.toml"


def search_path() -> list[Path]:
    """The files that make the profiles, in the order they are laid over each other."""
    files = [PROFILES_FILE]
    try:
        mine = user_file().is_file()
    except OSError:  # a config folder this user may not enter (sudo, another account's HOME)
        mine = False
    if mine:
        files.append(user_file())
    named = os.environ.get(ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise UsageError(f"profiles: '{named}' (from --profiles or {ENV}) is not a file; name a profiles TOML file")
        files.append(path)
    return files


def _read(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    table = data.get("profiles", {})
    if not isinstance(table, dict) or not all(isinstance(spec, dict) for spec in table.values()):
        bad = next((name for name, spec in table.items() if not isinstance(spec, dict)), "profiles") \
            if isinstance(table, dict) else "profiles"
        raise UsageError(f"{path}: profiles.{bad} is not a table" if bad != "profiles" else f"{path}: profiles is not a table")
    return data


def load(path: Path | None = None) -> Profiles:
    """The profiles from one file, or (without one) from the whole search path."""
    files = [path] if path else search_path()
    merged: dict[str, tuple[dict, list[str]]] = {}
    default = None
    for file in files:
        data = _read(file)
        for name, spec in data.get("profiles", {}).items():
            fields, sources = merged.get(name, ({}, []))
            merged[name] = ({**fields, **spec}, sources + [str(file)])
        default = data.get("default", default)
    where = " + ".join(str(file) for file in files)
    if not merged:
        raise UsageError(f"{where}: has no [profiles.NAME] tables")
    by_name = {}
    for name, (spec, sources) in merged.items():
        profile = parse_profile(name, spec, " + ".join(sources))
        by_name[name] = Profile(**{**profile.__dict__, "source": " + ".join(sources)})
    if default not in by_name:
        raise UsageError(f"{where}: default = '{default}' names no profile; use one of: {', '.join(by_name)}")
    return Profiles(default, by_name)
