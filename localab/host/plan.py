"""One container plan: a profile, the engine's facts and the user's options turned into
what every path that starts a runtime container applies (`localab up`, `localab bench`,
the hub, the Helm values, compose.yaml): caps, the image flavour, the environment the
entry process reads, and the notes that say how the caps differ from the profile.
A test holds all five to the same plan for every profile."""

import math
import os
from dataclasses import dataclass

from localab.guest import contract
from localab.host import caps as capmap
from localab.host import profiles
from localab.host.errors import UsageError
from localab.host.profiles import Profile
from localab.host.refs import gpu_flavour

NVIDIA_HELP = (
    "install the NVIDIA Container Toolkit (https://docs.nvidia.com/datacenter/cloud-native/"
    "container-toolkit/latest/install-guide.html), run `nvidia-ctk runtime configure --runtime=docker`, "
    "restart the engine, then check with `localab doctor`"
)


@dataclass(frozen=True)
class EngineFacts:
    """What the engine can give a container."""

    cpus: int
    gpu_runtime: bool  # the NVIDIA container runtime is there
    scratch_cap: bool  # the storage driver can limit a container's writable layer
    memory_bytes: int = 0  # the engine's RAM (sizes a host-relative profile)

    @classmethod
    def of(cls, info: dict) -> "EngineFacts":
        runtimes = info.get("Runtimes") or {}
        return cls(cpus=info.get("NCPU") or 1,
                   gpu_runtime="nvidia" in runtimes or info.get("DefaultRuntime") == "nvidia",
                   scratch_cap=capmap.scratch_cap_possible(info), memory_bytes=info.get("MemTotal") or 0)

    @classmethod
    def assumed_for(cls, profile: Profile, *, gpu: bool | None = None, scratch_cap: bool = False) -> "EngineFacts":
        """For a file written ahead of time (compose.yaml, Helm values): a host with the
        profile's own CPUs and, unless told otherwise, its GPU (this machine's size, for a
        host-relative profile)."""
        cpus = os.cpu_count() or 1 if profile.cpus is None else math.ceil(profile.cpus)
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return cls(cpus=cpus, gpu_runtime=profile.has_gpu if gpu is None else gpu, scratch_cap=scratch_cap,
                   memory_bytes=memory)


@dataclass(frozen=True)
class ContainerPlan:
    profile: Profile
    caps: capmap.Caps
    notes: tuple[str, ...]
    flavour: str  # the image: colab | colab-gpu | tf | tf-gpu
    keymap: str
    environment: dict  # what the entry process reads; the token is added by whoever starts it
    sudo: bool = False  # the notebook user may sudo (a privileged runtime)

    @property
    def uses_gpu(self) -> bool:
        return self.caps.gpus > 0

    @staticmethod
    def drive_mounts(source: str) -> list[tuple[str, str, bool]]:
        """(source, target, read-only) of the drive: writable where notebooks keep it, and a
        read-only view for google.colab.drive.mount(..., readonly=True)."""
        return [(source, str(contract.DRIVE), False), (source, str(contract.DRIVE_READONLY), True)]


def plan(profile: Profile, facts: EngineFacts, *, require_gpu: bool = False, keymap: str | None = None,
         colab_frontend: bool = False, flavour: str | None = None, sudo: bool = False) -> ContainerPlan:
    """`flavour`: colab or tf (default: the profile's); on a GPU its -gpu image."""
    if require_gpu and not facts.gpu_runtime:
        raise UsageError(f"gpu: --gpu asked for, but the engine has no NVIDIA container runtime; {NVIDIA_HELP}")
    use_gpu = facts.gpu_runtime and (require_gpu or profile.has_gpu)
    caps, notes = capmap.plan_caps(profile, use_gpu=use_gpu, host_cpus=facts.cpus, scratch_possible=facts.scratch_cap,
                                   host_memory=facts.memory_bytes)
    chosen_keymap = profiles.validate_keymap(keymap or profile.keymap)
    environment = {**capmap.environment(caps), contract.ENV_KEYMAP: chosen_keymap}
    if colab_frontend:
        environment[contract.ENV_COLAB_FRONTEND] = "1"
    privileged = sudo or profile.sudo
    if privileged:
        environment[contract.ENV_SUDO] = "1"
    family = flavour or profile.flavour
    image = gpu_flavour(family) if use_gpu else family
    return ContainerPlan(profile=profile, caps=caps, notes=tuple(notes), flavour=image,
                         keymap=chosen_keymap, environment=environment, sudo=privileged)
