"""The whole `docker run` of a localab container, made once from a container plan: the
image, who it runs as, its mounts, environment, labels, caps and security options.
`localab up`, the bench's containers, compose.yaml, the hub's spawner and the Helm
values each translate this one spec into their own form (docker SDK keywords, compose
YAML, DockerSpawner or KubeSpawner settings) and add nothing of their own to it."""

from dataclasses import dataclass, field

from localab.guest import contract
from localab.host import caps as capmap
from localab.host.plan import ContainerPlan
from localab.host.refs import image_ref


@dataclass(frozen=True)
class Mount:
    source: str  # a host path, a volume name, or a placeholder a file fills in
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class RunSpec:
    image: str
    user: str  # "uid:gid"; "0:0" for a sudo runtime, whose entry process drops to ENV_RUN_AS
    groups: tuple[str, ...]
    mounts: tuple[Mount, ...]
    environment: dict
    labels: dict
    caps: capmap.Caps
    security: dict = field(default_factory=dict)  # cap_drop, security_opt
    port: int | None = None  # the container port its server listens on, for a caller to publish

    @property
    def drive_mounts(self) -> tuple[Mount, ...]:
        return tuple(m for m in self.mounts if m.target in (str(contract.DRIVE), str(contract.DRIVE_READONLY)))

    def docker_options(self) -> dict:
        """The docker SDK's containers.run() keywords (all but the image, a name and the
        host side of a published port)."""
        return {
            "user": self.user,
            "group_add": list(self.groups),
            "volumes": [f"{m.source}:{m.target}:{'ro' if m.read_only else 'rw'}" for m in self.mounts],
            "environment": dict(self.environment),
            "labels": dict(self.labels),
            **capmap.run_options(self.caps),
            **{key: list(value) for key, value in self.security.items()},
        }


def run_spec(container_plan: ContainerPlan, *, user: str, drive: str, image: str | None = None,
             mounts: tuple[Mount, ...] = (), environment: dict | None = None, labels: dict | None = None,
             serves: bool = True) -> RunSpec:
    """A runtime's (or a workload's) container from its plan. `user`: the drive owner's
    "uid:gid" the notebook runs as; `drive`: what is mounted at the drive (a host path, a
    volume, a placeholder), writable and as the read-only view; `image`: a pinned reference
    instead of the moving `localab:<flavour>`; `environment`: added to the plan's (a token
    file); `serves`: Jupyter's port is published (not for a batch workload)."""
    env = {**container_plan.environment, **(environment or {})}
    if container_plan.sudo:
        env[contract.ENV_RUN_AS] = user
    drive_mounts = tuple(Mount(source, target, read_only) for source, target, read_only
                         in container_plan.drive_mounts(drive))
    return RunSpec(
        image=image or image_ref(container_plan.flavour),
        user="0:0" if container_plan.sudo else user,
        groups=(str(contract.IMAGE_GID),),
        mounts=drive_mounts + tuple(mounts),
        environment=env,
        labels=dict(labels or {}),
        caps=container_plan.caps,
        security=dict(capmap.SUDO_SECURITY if container_plan.sudo else capmap.SECURITY),
        port=contract.PORT if serves else None,
    )
