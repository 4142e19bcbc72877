"""A profile's envelope, mapped onto what the engine enforces.

One mapping for every path that starts a container (`localab up`, `localab bench`,
compose.yaml, the hub, Helm), so a runtime and a benchmark run under the same caps.
"""

from dataclasses import asdict, dataclass

from localab.guest import contract
from localab.host.profiles import Profile
from localab.host.units import format_size

SECURITY = {"cap_drop": ["ALL"], "security_opt": ["no-new-privileges"]}  # every container but a sudo runtime
# A sudo runtime keeps what apt needs; no device nodes, and no raw sockets to spoof its
# neighbours on the bridge with.
SUDO_SECURITY = {"cap_drop": ["MKNOD", "NET_RAW"]}
# Storage drivers whose containers take a size limit on their writable layer. overlay2
# takes one only on xfs mounted with pquota; the engine refuses it otherwise.
SIZED_DRIVERS = {("overlay2", "xfs"), ("btrfs", None), ("zfs", None), ("devicemapper", None)}


@dataclass(frozen=True)
class Caps:
    profile: str
    memory_bytes: int
    memory_swap_bytes: int  # equal to memory: no swap beyond RAM, as on Colab
    nano_cpus: int
    shm_bytes: int
    pids_limit: int
    gpus: int
    gpu_memory_bytes: int
    scratch_bytes: int | None  # None: the storage driver cannot cap the writable layer
    lifetime_s: int
    idle_s: int

    def as_dict(self) -> dict:
        return asdict(self)


def scratch_cap_possible(info: dict) -> bool:
    driver = info.get("Driver", "")
    backing = dict(info.get("DriverStatus") or []).get("Backing Filesystem")
    return (driver, backing) in SIZED_DRIVERS or (driver, None) in SIZED_DRIVERS


def plan_caps(profile: Profile, *, use_gpu: bool, host_cpus: int, scratch_possible: bool,
              host_memory: int | None = None) -> tuple[Caps, list[str]]:
    """The caps to apply and, for the user, every way they differ from the profile.
    A host-relative profile (`local`) is sized here, from the host's CPUs and RAM."""
    notes = []
    cpus = host_cpus if profile.cpus is None else profile.cpus
    memory = profile.memory_bytes
    if memory is None:
        memory = int((host_memory or 0) * profile.memory_share) or 256 << 20
    shm = min(profile.shm_bytes, memory)
    if cpus > host_cpus:
        notes.append(f"profile {profile.name} asks for {cpus:g} CPUs; this host has {host_cpus}, so the cap is {host_cpus}")
        cpus = host_cpus
    if profile.has_gpu and not use_gpu and profile.gpu != "host":
        notes.append(f"profile {profile.name}'s GPU ({profile.gpu}) is left out: no NVIDIA container runtime "
                     f"here, so this runtime has the same envelope on CPU only")
    if not scratch_possible and profile.scratch_bytes:
        notes.append(f"scratch is not capped at {format_size(profile.scratch_bytes)}: the storage driver cannot "
                     f"limit a container's disk; `localab status` shows the real free space")
    caps = Caps(
        profile=profile.name,
        memory_bytes=memory,
        memory_swap_bytes=memory,
        nano_cpus=int(round(cpus * 1e9)),
        shm_bytes=shm,
        pids_limit=profile.pids_limit,
        gpus=1 if use_gpu else 0,
        gpu_memory_bytes=profile.gpu_memory_bytes if use_gpu else 0,
        scratch_bytes=profile.scratch_bytes if scratch_possible and profile.scratch_bytes else None,
        lifetime_s=profile.lifetime_s,
        idle_s=profile.idle_s,
    )
    return caps, notes


def run_options(caps: Caps) -> dict:
    """The docker SDK's containers.run() keywords that enforce the caps."""
    options = {
        "mem_limit": caps.memory_bytes,
        "memswap_limit": caps.memory_swap_bytes,
        "nano_cpus": caps.nano_cpus,
        "shm_size": caps.shm_bytes,
        "pids_limit": caps.pids_limit,
    }
    if caps.gpus:
        from docker.types import DeviceRequest

        options["device_requests"] = [DeviceRequest(count=caps.gpus, capabilities=[["gpu", "utility", "compute"]])]
    if caps.scratch_bytes:
        options["storage_opt"] = {"size": str(caps.scratch_bytes)}
    return options


def environment(caps: Caps) -> dict[str, str]:
    """What the entry process reads inside: lifetime, idle timeout, GPU memory cap."""
    env = {
        contract.ENV_PROFILE: caps.profile,
        contract.ENV_LIFETIME_S: str(caps.lifetime_s),
        contract.ENV_IDLE_S: str(caps.idle_s),
    }
    if caps.gpus and caps.gpu_memory_bytes:
        env[contract.ENV_GPU_MEMORY_MB] = str(caps.gpu_memory_bytes >> 20)
    return env


def applied(container: dict) -> dict:
    """The caps as the engine actually applied them to a container (from inspect)."""
    host = container.get("HostConfig", {})
    gpus = sum(request.get("Count") or 0 for request in host.get("DeviceRequests") or [])  # -1: all
    return {
        "memory_bytes": host.get("Memory") or None,
        "memory_swap_bytes": host.get("MemorySwap") or None,
        "nano_cpus": host.get("NanoCpus") or None,
        "shm_bytes": host.get("ShmSize") or None,
        "pids_limit": host.get("PidsLimit") or None,
        "gpus": gpus,
        "scratch_bytes": int((host.get("StorageOpt") or {}).get("size", 0)) or None,
    }
