"""`localab hub.*`: the hub itself, JupyterHub with DockerSpawner in a container of its
own, handing each user their own localab runtime: starting it, asking its API, its
status, stopping it with every runtime it spawned."""

import json
import secrets

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
    crypt_key_file,
    hub_dir,
    hub_lock,
    is_drive_of,
    keys_dir,
    users_file,
)
from localab.host.hub.settings import flavours_needed, settings
from localab.host.hub.users import ADMIN, active_users, write_users
from localab.host.image import build as images
from localab.host.lifecycle.state import published_port
from localab.host.paths import write_private
from localab.hubserver import contract as hub
from localab.hubserver.passwords import hash_password


def hub_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/hub/"


def api(port: int, method: str, path: str, body=None, token: str | None = None) -> tuple[int, object]:
    token = token or api_token_file().read_text().strip()
    return request_json(f"http://127.0.0.1:{port}/hub/api{path}", method=method, body=body,
                        headers={"Authorization": f"token {token}"})


def up(engine: Engine, *, port=None, profile: str | None = None, say=print) -> str:
    profile_file = profiles.load()
    profile_file.get(profile)
    with hub_lock():
        return _up(engine, port, profile_file, profile, say)


def _up(engine: Engine, port, profile_file: profiles.Profiles, profile: str | None, say) -> str:
    existing = engine.container(CONTAINER)
    if existing and existing["State"].get("Running"):
        published = published_port(existing, hub.PORT)
        say("the hub is already up; `localab hub.down` first to change it")
        return hub_url(published[1])
    chosen_port = ports.choose(port, default=hub.PORT, say=say)
    password = None
    if not users_file().is_file():  # first run: the admin, written under the lock already held
        password = secrets.token_urlsafe(12)
        write_users({ADMIN: {"hash": hash_password(password), "admin": True, "epoch": 1}})
    for key in (api_token_file(), crypt_key_file()):
        if not key.is_file():
            write_private(key, secrets.token_hex(32) + "\n")
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
    if password:
        say(f"first run: created the hub's admin user '{ADMIN}' with password {password}  (shown once; "
            f"`localab hub.user --name {ADMIN}` makes a new one)")
    return hub_url(chosen_port)


def wait_healthy(engine: Engine, port: int, timeout_s: float = 180) -> None:
    probe = f"http://127.0.0.1:{port}/hub/health"
    if wait_answering(engine, CONTAINER, probe, timeout_s=timeout_s, interval_s=0.5, what="the hub") is None:
        raise LocalabError(f"the hub did not answer within {timeout_s:.0f} s; see `docker logs {CONTAINER}`")


def revoke(engine: Engine, name: str) -> int:
    """End a user's API tokens now, through the running hub's API (a reset, demotion or
    removal); their browser logins end at the next refresh. Returns how many."""
    container = engine.container(CONTAINER)
    if container is None or not container["State"].get("Running"):
        return 0
    port = published_port(container, hub.PORT)[1]
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
    container = engine.container(CONTAINER)
    if container is None or not container["State"].get("Running"):
        return False
    code, answer = api(published_port(container, hub.PORT)[1], "DELETE", f"/users/{name}")
    if code not in (204, 404):
        raise LocalabError(f"the hub did not delete user '{name}' ({code}: {answer}); their tokens are ended at the "
                           f"hub's next start")
    return True


def purge_drives(engine: Engine, name: str) -> list[str]:
    """Delete every drive volume a removed user `name` had; the volumes deleted."""
    if name in active_users():
        raise UsageError(f"purge: '{name}' is a hub user; remove them first (`localab hub.user --name {name} --remove "
                         f"--purge`)")
    volumes = [volume for volume in engine.volumes() if is_drive_of(volume, name)]
    for volume in volumes:
        engine.remove_volume(volume)
    return volumes


def status_data(engine: Engine) -> dict:
    """The hub's state, its URL, and each user with their servers (what `hub.status --json` prints)."""
    container = engine.container(CONTAINER)
    if container is None or not container["State"].get("Running"):
        return {"state": "absent" if container is None else "stopped", "url": None, "users": []}
    port = published_port(container, hub.PORT)[1]
    code, users = api(port, "GET", "/users")
    if code != 200:
        return {"state": "running", "url": hub_url(port), "users": [], "error": f"the hub's API answered {code}: {users}"}
    return {"state": "running", "url": hub_url(port), "users": [
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
    for user in data["users"]:
        state = ", ".join(f"{name} {'ready' if s['ready'] else 'starting'} (profile {s['profile'] or '-'})"
                          for name, s in user["servers"].items())
        lines.append(f"  {user['name']}{' (admin)' if user['admin'] else ''}: {state or 'no server'}")
    return lines


def down(engine: Engine, say=print) -> None:
    """Stop the hub and every runtime it spawned, with the same grace as `localab down`
    (each runtime's entry process saves and stops its server); drives (volumes) and the
    hub's data stay."""
    for container in engine.containers(f"{hub.LABEL}={CONTAINER}"):
        if container.get("State") == "running":
            engine.stop(container["Id"], timeout=30)
        engine.remove(container["Id"])
    say("the hub and its users' runtimes are down; each user's drive volume and the hub's data are kept")
