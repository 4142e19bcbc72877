"""Images reaching every node of a swarm (`localab hub.push`): through the operator's own
registry (--registry HOST:PORT), or through one localab runs as a swarm service from the
hub's image (Debian's docker-registry: no image comes from the internet), pinned to the
manager with its storage on a volume there. Images go under their immutable version tags
and are referred to by digest, so every node runs the very same image."""

import time

from localab.host import refs
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.hub import swarm
from localab.host.hub.names import CONTAINER
from localab.host.image import build as images
from localab.hubserver import contract as hub

PORT = 5001  # published in host mode on the manager (the routing mesh needs IPVS, which some kernels lack)
SERVICE = f"{CONTAINER}-registry"
VOLUME = f"{CONTAINER}-registry-data"
STORAGE = "/var/lib/docker-registry"  # Debian's package: its config's filesystem root, owned by its user
# a service's Command replaces the image's entrypoint (the hub); the config is localab's
COMMAND = ["/usr/bin/tini", "--", "docker-registry", "serve", "/opt/localab/py/localab/hubserver/registry.yml"]
INSIDE_PORT = 5000  # its config listens here
SECOND = 1_000_000_000  # the engine's durations are nanoseconds
# the hub image's own health check asks for the hub; this one asks the registry, so the task
# is "running" only once the registry answers
HEALTH = {"Test": ["CMD", "curl", "-fsS", "-m", "2", "-o", "/dev/null", f"http://127.0.0.1:{INSIDE_PORT}/v2/"],
          "Interval": SECOND, "Timeout": 3 * SECOND, "Retries": 30}


def task_state(engine: Engine, service: str) -> tuple[str, str]:
    """(state, error) of the service's newest task; ("", "") before it has one."""
    tasks = sorted(engine.tasks(service), key=lambda t: t.get("CreatedAt", ""))
    if not tasks:
        return "", ""
    status = tasks[-1].get("Status") or {}
    return status.get("State", ""), status.get("Err", "")


def ensure_registry(engine: Engine, say=print, timeout_s: float = 120) -> str:
    """localab's registry on this manager, started if needed; HOST:PORT as the nodes reach it."""
    swarm.require_manager(engine, "hub.push")
    here = engine.swarm()
    if engine.service(SERVICE) is None:
        images.ensure_image(engine, "hub", say=say)
        template = {
            "ContainerSpec": {"Image": refs.versioned_ref("hub"), "Command": COMMAND, "User": "docker-registry",
                              "HealthCheck": HEALTH, "Mounts": [{"Type": "volume", "Source": VOLUME, "Target": STORAGE}]},
            "Placement": {"Constraints": [f"node.id=={here['NodeID']}"]},
            "RestartPolicy": {"Condition": "any"},
        }
        endpoint = {"Ports": [{"Protocol": "tcp", "TargetPort": INSIDE_PORT, "PublishedPort": PORT,
                               "PublishMode": "host"}]}
        engine.create_service(SERVICE, template, labels={hub.LABEL: SERVICE}, endpoint_spec=endpoint)
        say(f"started the swarm's registry ({SERVICE}, on this manager, port {PORT}, its storage the volume {VOLUME})")
    deadline = time.monotonic() + timeout_s
    while (state := task_state(engine, SERVICE))[0] != "running":
        if time.monotonic() > deadline or state[0] in ("failed", "rejected"):
            engine.remove_service(SERVICE)
            raise LocalabError(f"the swarm's registry did not start ({state[0] or 'no task'}: {state[1] or 'no error'})"
                               f"; nothing of it is left running. Is port {PORT} free on this manager?")
        time.sleep(0.5)
    return f"{here['NodeAddr']}:{PORT}"


def push(engine: Engine, flavours: list[str], registry: str | None = None, say=print) -> dict[str, str]:
    """Each flavour's image in the registry (ours unless `registry`): flavour -> the
    digest-pinned reference the nodes pull."""
    if registry is not None and (":" not in registry or "/" in registry):
        raise UsageError(f"--registry: '{registry}' is not HOST:PORT (e.g. registry.lab:5000)")
    # the push goes from this engine; ours answers on its own loopback (trusted over plain HTTP)
    pulled_from = registry or ensure_registry(engine, say=say)
    pushed_to = registry or f"127.0.0.1:{PORT}"
    pinned = {}
    for flavour in flavours:
        image = images.ensure_image(engine, flavour, say=say)
        tag = refs.version_tag(flavour)
        target = f"{pushed_to}/{refs.REPOSITORY}:{tag}"
        engine.tag(image["Id"], target)
        try:
            digest = engine.push(target)
        except LocalabError as exc:
            raise LocalabError(f"{exc}; check that {pulled_from} answers and that this engine trusts it "
                               f"(TLS, or insecure-registries in its daemon.json)") from None
        finally:
            engine.remove_image(target)  # the push's tag only; the image stays
        pinned[flavour] = f"{pulled_from}/{refs.REPOSITORY}:{tag}@{digest}"
        say(f"{refs.versioned_ref(flavour)} -> {pinned[flavour]}")
    return pinned

