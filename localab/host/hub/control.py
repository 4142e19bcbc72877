"""`localab hub.*`: the hub itself, JupyterHub with DockerSpawner in a container of its
own, handing each user their own localab runtime: starting it, asking its API, its
status, stopping it with every runtime it spawned."""

import json

from localab.host import ports, profiles
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.http import request_json, wait_answering
from localab.host.hub.names import (
    CONTAINER,
    DATA_VOLUME,
    HUB_IMAGE,
    NETWORK,
    api_token_file,
    hub_dir,
    hub_lock,
    is_drive_of,
    keys_dir,
    users_file,
)
from localab.host.hub.settings import flavours_needed, settings
from localab.host.hub.users import active_users, first_run_files, say_first_admin
from localab.host.image import build as images
from localab.host.lifecycle.state import published_port
from localab.hubserver import contract as hub


def hub_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/hub/"


def api(port: int, method: str, path: str, body=None, token: str | None = None) -> tuple[int, object]:
    token = token or api_token_file().read_text().strip()
    return request_json(f"http://127.0.0.1:{port}/hub/api{path}", method=method, body=body,
                        headers={"Authorization": f"token {token}"})


def up(engine: Engine, *, port=None, profile: str | None = None, swarm: bool = False, registry: str | None = None,
       drive_nfs: str | None = None, gpu_label: str | None = None, say=print) -> str:
    profile_file = profiles.load()
    profile_file.get(profile)
    if registry and not swarm:
        raise UsageError("registry: --registry is where a swarm's nodes pull from; give it with --swarm")
    from localab.host.hub import swarmhub
    from localab.hubserver import nfsdrives

    if gpu_label is not None and not swarm:
        raise UsageError("gpu-label: --gpu-label marks a swarm's GPU nodes; give it with --swarm (one host uses its "
                         "own GPUs)")
    if drive_nfs is not None:
        if not swarm:
            raise UsageError("drive-nfs: --drive-nfs puts a swarm's drives on NFS; give it with --swarm (one host "
                             "keeps drives in its own volumes)")
        try:
            drive_nfs = nfsdrives.parse(drive_nfs)
        except ValueError as exc:
            raise UsageError(f"drive-nfs: {exc}") from None

    with hub_lock():
        on_swarm = swarmhub.running_port(engine)
        if on_swarm is not None:
            say("the hub is already up on this swarm; `localab hub.down --swarm` first to change it")
            return hub_url(on_swarm)
        if not swarm:
            return _up(engine, port, profile_file, profile, say)
        if engine.container(CONTAINER) is not None:
            raise UsageError("swarm: a hub already runs on this host as a container; `localab hub.down` first")
        password, chosen = swarmhub.up(engine, port=ports.validate(port) if port else None, profile_file=profile_file,
                                       profile=profile, registry_address=registry, drive_nfs=drive_nfs,
                                       gpu_label=gpu_label, say=say)
        say_first_admin(password, say)
        return hub_url(chosen)


def _up(engine: Engine, port, profile_file: profiles.Profiles, profile: str | None, say) -> str:
    existing = engine.container(CONTAINER)
    if existing and existing["State"].get("Running"):
        published = published_port(existing, hub.PORT)
        say("the hub is already up; `localab hub.down` first to change it")
        return hub_url(published[1])
    chosen_port = ports.choose(port, default=hub.PORT, say=say)
    password = first_run_files()
    info = engine.info()
    config = settings(profile_file, profile, info)
    for flavour in sorted(flavours_needed(config) | {"hub"}):
        images.ensure_image(engine, flavour, say=say)
    if existing:
        engine.remove(CONTAINER)
    engine.ensure_network(NETWORK)
    extra = hub_dir() / "extra_config.py"
    extra_mount = {str(extra): {"bind": hub.EXTRA_CONFIG, "mode": "ro"}} if extra.is_file() else {}
    engine.run(
        HUB_IMAGE, name=CONTAINER, network=NETWORK, ports={f"{hub.PORT}/tcp": (ports.LOOPBACK, chosen_port)},
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"},
                 DATA_VOLUME: {"bind": hub.DATA, "mode": "rw"},
                 str(users_file().parent): {"bind": hub.USERS_DIR, "mode": "ro"},
                 str(keys_dir()): {"bind": hub.KEYS_DIR, "mode": "ro"}, **extra_mount},
        environment={hub.ENV_SETTINGS: json.dumps(config)},
        labels={hub.LABEL: CONTAINER, f"{hub.LABEL}.port": str(chosen_port)},
        security_opt=["no-new-privileges"],
    )
    wait_healthy(engine, chosen_port)
    say_first_admin(password, say)
    return hub_url(chosen_port)


def wait_healthy(engine: Engine, port: int, timeout_s: float = 180) -> None:
    probe = f"http://127.0.0.1:{port}/hub/health"
    if wait_answering(engine, CONTAINER, probe, timeout_s=timeout_s, interval_s=0.5, what="the hub") is None:
        raise LocalabError(f"the hub did not answer within {timeout_s:.0f} s; see `docker logs {CONTAINER}`")


def running_port(engine: Engine) -> int | None:
    """The port of the hub running on this engine, as a container or as a swarm service."""
    container = engine.container(CONTAINER)
    if container is not None:
        return published_port(container, hub.PORT)[1] if container["State"].get("Running") else None
    from localab.host.hub import swarmhub

    return swarmhub.running_port(engine)


def revoke(engine: Engine, name: str) -> int:
    """End a user's API tokens now, through the running hub's API (a reset, demotion or
    removal); their browser logins end at the next refresh. Returns how many."""
    port = running_port(engine)
    if port is None:
        return 0
    code, tokens = api(port, "GET", f"/users/{name}/tokens")
    if code != 200:
        return 0
    listed = tokens.get("api_tokens", []) if isinstance(tokens, dict) else tokens or []
    for token in listed:
        api(port, "DELETE", f"/users/{name}/tokens/{token['id']}")
    return len(listed)


def delete_user(engine: Engine, name: str) -> bool:
    """Remove a user from the running hub now: their server stops, their tokens and
    record go. False when no hub is running (it deletes them at its next start)."""
    port = running_port(engine)
    if port is None:
        return False
    code, answer = api(port, "DELETE", f"/users/{name}")
    if code not in (204, 404):
        raise LocalabError(f"the hub did not delete user '{name}' ({code}: {answer}); their tokens are ended at the "
                           f"hub's next start")
    return True


def purge_drives(engine: Engine, name: str) -> list[str]:
    """Delete every drive volume a removed user `name` had; the volumes deleted (on a
    swarm, on every node: 'NODE: VOLUME')."""
    if name in active_users():
        raise UsageError(f"purge: '{name}' is a hub user; remove them first (`localab hub.user --name {name} --remove "
                         f"--purge`)")
    from localab.host.hub import swarm, swarmpurge

    if swarm.is_manager(engine):  # the drives are on the nodes that ran the servers
        return swarmpurge.purge(engine, name)
    volumes = [volume for volume in engine.volumes() if is_drive_of(volume, name)]
    for volume in volumes:
        engine.remove_volume(volume)
    return volumes


def status_data(engine: Engine) -> dict:
    """The hub's state, its URL, and each user with their servers (what `hub.status --json` prints)."""
    port = running_port(engine)
    if port is None:
        state = "absent" if engine.container(CONTAINER) is None and engine.service(CONTAINER) is None else "stopped"
        return {"state": state, "url": None, "users": []}
    from localab.host.hub import swarmhub

    code, users = api(port, "GET", "/users")
    if code != 200:
        return {"state": "running", "url": hub_url(port), "users": [], "error": f"the hub's API answered {code}: {users}"}
    on_swarm = swarmhub.swarm_config(engine) if engine.container(CONTAINER) is None else {}
    loose = {name: s["unenforced"] for name, s in on_swarm.get("services", {}).items()}
    nfs = on_swarm.get("drive_nfs")
    return {"state": "running", "url": hub_url(port), **({"unenforced": loose} if loose else {}),
            **({"drives": f"NFS {nfs['server']}:{nfs['export']}"} if nfs else {}), "users": [
        {"name": user["name"], "admin": bool(user.get("admin")),
         "servers": {name or "default": {"ready": bool(s.get("ready")),
                                         "profile": (s.get("user_options") or {}).get("profile")}
                     for name, s in (user.get("servers") or {}).items()}} for user in users]}


def status(engine: Engine) -> list[str]:
    data = status_data(engine)
    if data["state"] != "running":
        return ["hub: not up; start it with `localab hub.up`"]
    lines = [f"hub: running at {data['url']}"]
    if data.get("error"):
        return lines + [f"  {data['error']}"]
    if data.get("drives"):
        lines.append(f"  drives: folders of {data['drives']}, mounted by whichever worker runs a server")
    for profile, items in data.get("unenforced", {}).items():
        lines.append(f"  profile {profile}, not enforced on this swarm: {'; '.join(items)}")
    for user in data["users"]:
        state = ", ".join(f"{name} {'ready' if s['ready'] else 'starting'} (profile {s['profile'] or '-'})"
                          for name, s in user["servers"].items())
        lines.append(f"  {user['name']}{' (admin)' if user['admin'] else ''}: {state or 'no server'}")
    return lines


def down(engine: Engine, say=print) -> None:
    """Stop the hub and every runtime it spawned, with the same grace as `localab down`
    (each runtime's entry process saves and stops its server); drives (volumes) and the
    hub's data stay."""
    if engine.service(CONTAINER) is not None:  # its tasks' containers carry the label too
        raise UsageError("the hub runs as a service on this swarm; `localab hub.down --swarm` removes it")
    for container in engine.containers(f"{hub.LABEL}={CONTAINER}"):
        if container.get("State") == "running":
            engine.stop(container["Id"], timeout=30)
        engine.remove(container["Id"])
    say("the hub and its users' runtimes are down; each user's drive volume and the hub's data are kept")
