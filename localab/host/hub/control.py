"""`localab hub.*`: JupyterHub with DockerSpawner, handing each user their own localab
runtime with a profile's caps, security options, lifetime and drive; and the values
for Zero to JupyterHub on Kubernetes, from the same profiles."""

import fcntl
import json
import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

from localab.host import ports, profiles, refs
from localab.host.drive import IMAGE_USER
from localab.host.engine import Engine
from localab.host.errors import LocalabError, UsageError
from localab.host.http import request_json, wait_answering
from localab.host.image import build as images
from localab.host.lifecycle.state import published_port
from localab.host.paths import private_dir, state_dir, write_private
from localab.host.plan import EngineFacts, plan
from localab.host.runspec import RunSpec, run_spec
from localab.hubserver import contract as hub
from localab.hubserver.passwords import hash_password

# One hub per host by default; LOCALAB_HUB_NAME runs another beside it (tests do).
CONTAINER = os.environ.get("LOCALAB_HUB_NAME", "localab-hub")
NETWORK = CONTAINER
DATA_VOLUME = f"{CONTAINER}-data"
DRIVE_VOLUME = ("localab" if CONTAINER == "localab-hub" else CONTAINER) + "-drive-{username}"
HUB_IMAGE = refs.image_ref("hub")
ADMIN = "admin"
_USER = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def hub_dir() -> Path:
    return private_dir(state_dir() / "hub")


def users_file() -> Path:
    # In a folder of its own, mounted into the hub: a mounted single file would keep
    # showing the old copy after each atomic rewrite.
    return hub_dir() / "users" / "users.json"


def keys_dir() -> Path:
    return hub_dir() / "keys"


def api_token_file() -> Path:
    return keys_dir() / "api-token"


def crypt_key_file() -> Path:
    return keys_dir() / "crypt-key"


@contextmanager
def hub_lock():
    """One `hub up` or `hub user` at a time: concurrent calls lost updates and printed two
    admin passwords of which one worked."""
    fd = os.open(hub_dir(), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_users() -> dict:
    return json.loads(users_file().read_text()) if users_file().is_file() else {}


def _write_users(users: dict) -> None:
    write_private(users_file(), json.dumps(users, indent=2) + "\n")


def validate_user(name: str) -> str:
    if not _USER.fullmatch(name or ""):
        raise UsageError(f"user: '{name}' is not a hub user name; use lowercase letters, digits, '-' or '_' (at most 32)")
    return name


def add_user(name: str, *, admin: bool | None = None) -> str:
    """Create a hub user or reset one's password (which ends their logins and tokens);
    returns the new password (shown once, never stored). `admin`: None keeps it."""
    validate_user(name)
    with hub_lock():
        users = read_users()
        before = users.get(name, {})
        password = secrets.token_urlsafe(12)
        users[name] = {"hash": hash_password(password), "admin": before.get("admin", False) if admin is None else admin,
                       "epoch": before.get("epoch", 0) + 1}
        _write_users(users)
    return password


def set_admin(name: str, admin: bool) -> None:
    """Promote or demote; a demotion ends the user's logins and tokens."""
    with hub_lock():
        users = read_users()
        if validate_user(name) not in users:
            raise UsageError(f"user: no hub user '{name}'; add one with `localab hub.user --name {name}`")
        users[name] = {**users[name], "admin": admin, "epoch": users[name].get("epoch", 0) + (0 if admin else 1)}
        _write_users(users)


def remove_user(name: str) -> bool:
    """Remove a user: their logins and tokens end; their drive volume is kept."""
    with hub_lock():
        users = read_users()
        if users.pop(validate_user(name), None) is None:
            return False
        _write_users(users)
    return True


def settings(profile_file: profiles.Profiles, default: str, info: dict) -> dict:
    """What the hub's jupyterhub_config.py needs, made from the profiles: each profile's
    run spec (the same as `localab up`'s), said the way DockerSpawner takes it."""
    facts = EngineFacts.of(info)
    offered, drive_mounts = {}, []
    for name, profile in profile_file.by_name.items():
        container_plan = plan(profile, facts)
        container = spawned_spec(container_plan)
        options = container.docker_options()
        host_config = {key: options[key] for key in HOST_CONFIG if key in options}
        if "device_requests" in host_config:
            host_config["device_requests"] = [dict(r) for r in host_config["device_requests"]]
        offered[name] = {
            "description": profile.description + ("" if container_plan.uses_gpu or not profile.has_gpu
                                                  else " (no GPU on this host)"),
            "image": container.image,
            "flavour": container_plan.flavour,
            "user": container.user,
            "host_config": host_config,
            "environment": dict(container.environment),
        }
        drive_mounts = [[m.target, m.read_only] for m in container.drive_mounts]
    chosen = profile_file.get(default)
    return {
        "profiles": offered,
        "default_profile": chosen.name,
        "network": NETWORK,
        "hub_host": CONTAINER,
        "drive_volume": DRIVE_VOLUME,
        "drive_mounts": drive_mounts,
        "admins": sorted(n for n, u in read_users().items() if u.get("admin")),
        # No max age: each runtime's entry process ends it at its own profile's lifetime (with
        # the page's warnings and a save); one hub-wide age would cut the longer profiles short.
        "culler": {"timeout_s": chosen.idle_s or 86400, "every_s": max(5, min(60, (chosen.idle_s or 240) // 4)),
                   "max_age_s": 0},
    }


# What a spawned runtime takes from its spec as the engine's host config (DockerSpawner's
# extra_host_config); image, user, environment and the drive are its own settings.
HOST_CONFIG = ("mem_limit", "memswap_limit", "nano_cpus", "shm_size", "pids_limit", "device_requests", "storage_opt",
               "cap_drop", "security_opt", "group_add")


def spawned_spec(container_plan) -> RunSpec:
    """A user's runtime under the hub: the plan's spec, on the pinned image, as the image's
    user, the drive a per-user volume (DockerSpawner names it from DRIVE_VOLUME)."""
    return run_spec(container_plan, user=f"{IMAGE_USER[0]}:{IMAGE_USER[1]}", drive=DRIVE_VOLUME,
                    image=refs.versioned_ref(container_plan.flavour))


def _flavours_needed(config: dict) -> set[str]:
    """The flavours behind the offered images."""
    return {spec["flavour"] for spec in config["profiles"].values()}


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
        _write_users({ADMIN: {"hash": hash_password(password), "admin": True, "epoch": 1}})
    for key in (api_token_file(), crypt_key_file()):
        if not key.is_file():
            write_private(key, secrets.token_hex(32) + "\n")
    info = engine.info()
    config = settings(profile_file, profile, info)
    for flavour in sorted(_flavours_needed(config) | {"hub"}):
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
