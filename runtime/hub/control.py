"""`invoke hub`: JupyterHub with DockerSpawner, handing each user their own localab
runtime with a profile's caps, security options, lifetime and drive; and the values
for Zero to JupyterHub on Kubernetes, from the same profiles."""

import hashlib
import json
import os
import re
import secrets
from pathlib import Path

from localab_guest import contract
from runtime import ports, profiles
from runtime.engine import Engine
from runtime.errors import LocalabError, UsageError
from runtime.http import request_json, wait_answering
from runtime.image import build as images
from runtime.lifecycle.state import published_port
from runtime.paths import private_dir, state_dir, write_private
from runtime.plan import EngineFacts, plan

# One hub per host by default; LOCALAB_HUB_NAME runs another beside it (tests do).
CONTAINER = os.environ.get("LOCALAB_HUB_NAME", "localab-hub")
NETWORK = CONTAINER
DATA_VOLUME = f"{CONTAINER}-data"
DRIVE_VOLUME = ("localab" if CONTAINER == "localab-hub" else CONTAINER) + "-drive-{username}"
HUB_IMAGE = images.image_ref("hub")
DEFAULT_PORT = 8000
HUB_PORT = 8000  # inside the hub container
ADMIN = "admin"
PBKDF2_ROUNDS = 200_000
_USER = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def hub_dir() -> Path:
    return private_dir(state_dir() / "hub")


def users_file() -> Path:
    # In a folder of its own, mounted into the hub: a mounted single file would keep
    # showing the old copy after each atomic rewrite.
    return hub_dir() / "users" / "users.json"


def api_token_file() -> Path:
    return hub_dir() / "api-token"


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS).hex()
    return f"pbkdf2_sha256${PBKDF2_ROUNDS}${salt.hex()}${digest}"


def read_users() -> dict:
    return json.loads(users_file().read_text()) if users_file().is_file() else {}


def add_user(name: str, *, admin: bool = False) -> str:
    """Create or reset a hub user; returns the new password (shown once, never stored)."""
    if not _USER.fullmatch(name or ""):
        raise UsageError(f"user: '{name}' is not a hub user name; use lowercase letters, digits, '-' or '_' (at most 32)")
    users = read_users()
    password = secrets.token_urlsafe(12)
    users[name] = {"hash": hash_password(password), "admin": admin or users.get(name, {}).get("admin", False)}
    write_private(users_file(), json.dumps(users, indent=2) + "\n")
    return password


def settings(profile_file: profiles.Profiles, default: str, info: dict) -> dict:
    """What the hub's jupyterhub_config.py needs, made from the profiles: the same caps
    mapping as `invoke up` (caps.run_options), per profile."""
    facts = EngineFacts.of(info)
    offered = {}
    for name, profile in profile_file.by_name.items():
        container_plan = plan(profile, facts)
        host_config = container_plan.run_options()
        host_config["device_requests"] = [dict(r) for r in host_config.get("device_requests", [])] or None
        offered[name] = {
            "description": profile.description + ("" if container_plan.uses_gpu or not profile.has_gpu
                                                  else " (no GPU on this host)"),
            "image": images.image_ref(container_plan.flavour),
            "host_config": {k: v for k, v in host_config.items() if v is not None},
            "environment": dict(container_plan.environment),
        }
    chosen = profile_file.get(default)
    return {
        "profiles": offered,
        "default_profile": chosen.name,
        "network": NETWORK,
        "hub_host": CONTAINER,
        "drive_volume": DRIVE_VOLUME,
        "drive_target": str(contract.DRIVE),
        "admins": sorted(n for n, u in read_users().items() if u.get("admin")),
        # No max age: each runtime's entry process ends it at its own profile's lifetime (with
        # the page's warnings and a save); one hub-wide age would cut the longer profiles short.
        "culler": {"timeout_s": chosen.idle_s or 86400, "every_s": max(5, min(60, (chosen.idle_s or 240) // 4)),
                   "max_age_s": 0},
    }


def _flavours_needed(config: dict) -> set[str]:
    return {spec["image"].split(":")[1] for spec in config["profiles"].values()}


def hub_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/hub/"


def api(port: int, method: str, path: str, body=None, token: str | None = None) -> tuple[int, object]:
    token = token or api_token_file().read_text().strip()
    return request_json(f"http://127.0.0.1:{port}/hub/api{path}", method=method, body=body,
                        headers={"Authorization": f"token {token}"})


def up(engine: Engine, *, port=None, profile: str | None = None, say=print) -> str:
    profile_file = profiles.load()
    profile_file.get(profile)
    existing = engine.container(CONTAINER)
    if existing and existing["State"].get("Running"):
        published = published_port(existing, HUB_PORT)
        say("the hub is already up; `invoke hub down` first to change it")
        return hub_url(published[1])
    chosen_port = ports.choose(port, default=DEFAULT_PORT, say=say)
    first_run = not users_file().is_file()
    password = add_user(ADMIN, admin=True) if first_run else None
    if not api_token_file().is_file():
        write_private(api_token_file(), secrets.token_hex(32) + "\n")
    info = engine.info()
    config = settings(profile_file, profile, info)
    for flavour in sorted(_flavours_needed(config) | {"hub"}):
        images.ensure_image(engine, flavour, say=say)
    if existing:
        engine.remove(CONTAINER)
    engine.ensure_network(NETWORK)
    extra = hub_dir() / "extra_config.py"
    extra_mount = {str(extra): {"bind": "/srv/localab/extra_config.py", "mode": "ro"}} if extra.is_file() else {}
    engine.run(
        HUB_IMAGE, name=CONTAINER, network=NETWORK, ports={f"{HUB_PORT}/tcp": (ports.LOOPBACK, chosen_port)},
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"},
                 DATA_VOLUME: {"bind": "/srv/jupyterhub", "mode": "rw"},
                 str(users_file().parent): {"bind": "/srv/localab/users", "mode": "ro"}, **extra_mount},
        environment={"LOCALAB_HUB_SETTINGS": json.dumps(config),
                     "LOCALAB_HUB_API_TOKEN": api_token_file().read_text().strip()},
        labels={"io.localab.hub": CONTAINER, "io.localab.hub.port": str(chosen_port)},
        security_opt=["no-new-privileges"],
    )
    wait_healthy(engine, chosen_port)
    if password:
        say(f"first run: created the hub's admin user '{ADMIN}' with password {password}  (shown once; "
            f"`invoke hub user {ADMIN}` makes a new one)")
    return hub_url(chosen_port)


def wait_healthy(engine: Engine, port: int, timeout_s: float = 180) -> None:
    probe = f"http://127.0.0.1:{port}/hub/health"
    if wait_answering(engine, CONTAINER, probe, timeout_s=timeout_s, interval_s=0.5, what="the hub") is None:
        raise LocalabError(f"the hub did not answer within {timeout_s:.0f} s; see `docker logs {CONTAINER}`")


def status(engine: Engine) -> list[str]:
    container = engine.container(CONTAINER)
    if container is None or not container["State"].get("Running"):
        return ["hub: not up; start it with `invoke hub up`"]
    port = published_port(container, HUB_PORT)[1]
    lines = [f"hub: running at {hub_url(port)}"]
    code, users = api(port, "GET", "/users")
    if code != 200:
        return lines + [f"  the hub's API answered {code}: {users}"]
    for user in users:
        servers = user.get("servers") or {}
        state = ", ".join(f"{name or 'default'} {'ready' if s.get('ready') else 'starting'} "
                          f"(profile {s.get('user_options', {}).get('profile', '-')})" for name, s in servers.items())
        lines.append(f"  {user['name']}{' (admin)' if user.get('admin') else ''}: {state or 'no server'}")
    return lines


def down(engine: Engine, say=print) -> None:
    """Stop the hub and every runtime it spawned; drives (volumes) and the hub's data stay."""
    for container in engine.containers(f"io.localab.hub={CONTAINER}"):
        engine.remove(container["Id"])
    say("the hub and its users' runtimes are down; each user's drive volume and the hub's data are kept")
