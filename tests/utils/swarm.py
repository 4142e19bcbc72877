"""A real Docker Swarm of several engines on this one machine, for the hub's swarm tests:
each node is a container of the host's engine running Debian's own dockerd (docker.io),
its socket reachable from the host through a folder. This host refuses --privileged (its
capability bounding set lacks CAP_SYS_RESOURCE), so a node gets every capability the host
allows instead, seccomp and AppArmor unconfined, the cgroup fs read-write and its
/var/lib/docker on a volume of its own (overlay2 cannot stack on overlay2)."""

import io
import subprocess
import time
import uuid
from pathlib import Path

NODE_IMAGE = "localab-test-swarm-node:bookworm"
NODE_DOCKERFILE = """\
FROM localab-base:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends docker.io iptables ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
"""
# Linux capability numbers (linux/capability.h) -> the names the engine takes; Debian 12's
# engine (20.10) knows them up to AUDIT_READ, and refuses a container naming PERFMON or later.
CAPABILITIES = [
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
]


def allowed_capabilities() -> list[str]:
    """Every capability in this host's bounding set (all of them but SYS_RESOURCE here)."""
    status = Path("/proc/self/status").read_text()
    bounding = int(next(line.split()[1] for line in status.splitlines() if line.startswith("CapBnd:")), 16)
    return [name for bit, name in enumerate(CAPABILITIES) if bounding >> bit & 1]


def build_node_image(engine) -> str:
    from localab.host.image.base import ensure_base

    if engine.image(NODE_IMAGE) is None:
        ensure_base(engine, "localab-base:bookworm", say=lambda line: None)
        for message in engine._api.build(fileobj=io.BytesIO(NODE_DOCKERFILE.encode()), tag=NODE_IMAGE, rm=True,
                                         forcerm=True, decode=True, pull=False):
            assert "error" not in message, message
    return NODE_IMAGE


class Swarm:
    """Nodes named PREFIX-0 (the manager-to-be), PREFIX-1, ...: started, not yet joined.
    The last one advertises a GPU as a generic resource (it has none: the scheduler only
    counts what a node's dockerd says)."""

    def __init__(self, engine, folder: Path, count: int = 3, manager_port: int | None = None):
        self.engine = engine
        self.prefix = f"localab-test-swarm-{uuid.uuid4().hex[:6]}"
        self.folder = folder
        # what the manager's services publish on `manager_port` is reached at 127.0.0.1 of this host
        self.manager_port = manager_port
        # a folder at the same path on this host and in the manager: the hub's state (users,
        # keys) that `localab hub.up --swarm`, run here, binds into the hub service there
        self.shared = folder / "shared"
        self.names = [f"{self.prefix}-{i}" for i in range(count)]
        self.network = self.prefix

    def socket(self, name: str) -> str:
        return f"unix://{self.folder / name / 'docker.sock'}"

    def docker(self, name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """The docker CLI against a node's engine, as an operator on that host would type it."""
        return subprocess.run(["docker", "-H", self.socket(name), *args], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start(self) -> "Swarm":
        image = build_node_image(self.engine)
        self.engine._api.create_network(self.network, driver="bridge")
        # each node trusts registries on the nodes' own network over plain HTTP, as an operator
        # configures insecure-registries (or a CA) for the swarm's registry
        subnet = self.engine._api.inspect_network(self.network)["IPAM"]["Config"][0]["Subnet"]
        self.shared.mkdir(parents=True, exist_ok=True)
        for name in self.names:
            (self.folder / name).mkdir(parents=True)
            manager = name == self.names[0]
            self.engine.run(
                image, name=name, hostname=name, network=self.network,
                # /proc/sys is read-only in a container that is not --privileged: dockerd sets
                # forwarding and its networks' sysctls there
                entrypoint=["sh", "-c", 'mount -o remount,rw /proc/sys && exec "$@"', "node",
                            "dockerd", "--host", "unix:///run/node/docker.sock", "--host", "unix:///var/run/docker.sock",
                            "--storage-driver", "overlay2", "--cgroup-parent", name, "--insecure-registry", subnet,
                            *(["--node-generic-resource", "NVIDIA-GPU=GPU-test-0"] if name == self.names[-1] else [])],
                cap_add=allowed_capabilities(), security_opt=["seccomp=unconfined", "apparmor=unconfined"],
                volumes={"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"},
                         f"{name}-lib": {"bind": "/var/lib/docker", "mode": "rw"},
                         str(self.folder / name): {"bind": "/run/node", "mode": "rw"},
                         **({str(self.shared): {"bind": str(self.shared), "mode": "rw"}} if manager else {})},
                ports={f"{self.manager_port}/tcp": ("127.0.0.1", self.manager_port)}
                if manager and self.manager_port else {},
                tmpfs={"/run/docker": ""}, labels={"io.localab.test": "swarm-node"})
        deadline = time.monotonic() + 90
        for name in self.names:
            while self.docker(name, "version", "--format", "{{.Server.Version}}", timeout=20).returncode != 0:
                assert time.monotonic() < deadline, f"node {name}'s dockerd did not answer: " + self.logs(name)
                time.sleep(0.5)
        return self

    def load(self, name: str, *refs: str) -> None:
        """Images of the host's engine into a node's, as `docker save | docker load`."""
        loaded = subprocess.run(f"docker save {' '.join(refs)} | docker -H {self.socket(name)} load", shell=True,
                                capture_output=True, text=True, timeout=600, check=False)
        assert loaded.returncode == 0, loaded.stderr

    def logs(self, name: str) -> str:
        return b"".join(self.engine.logs(name, tail=30)).decode(errors="replace")

    def remove(self) -> None:
        """Every node, its volume and the network: whatever of them was made."""
        for name in self.names:
            self.engine.remove(name)
            for parent in Path("/sys/fs/cgroup").glob(f"**/{name}"):  # each node's dockerd's --cgroup-parent
                for folder in sorted((p for p in parent.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                    folder.rmdir()
                parent.rmdir()
            if f"{name}-lib" in self.engine.volumes():
                self.engine.remove_volume(f"{name}-lib")
        if self.engine._api.networks(names=[self.network]):
            self.engine._api.remove_network(self.network)
