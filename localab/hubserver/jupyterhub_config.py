# JupyterHub for localab (`localab hub.up`): DockerSpawner starts each user's own
# localab runtime with a profile's caps, security options, lifetime and drive; the
# idle culler stops idle servers. Everything profile-specific arrives from the host in
# contract.ENV_SETTINGS (JSON made from the profiles by localab/host/hub/control.py).
import asyncio
import html
import json
import logging
import os
import sys

import docker.errors
from docker.types import Mount
from dockerspawner import DockerSpawner

from localab.hubserver import contract, roster
from localab.hubserver.auth import LocalabAuthenticator
from localab.hubserver.swarmspawner import spawner_settings

c = get_config()  # noqa: F821
settings = json.loads(os.environ[contract.ENV_SETTINGS])
profiles = settings["profiles"]

c.JupyterHub.bind_url = f"http://0.0.0.0:{contract.PORT}"
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_connect_ip = settings["hub_host"]
c.JupyterHub.db_url = f"sqlite:///{contract.DATABASE}"
c.JupyterHub.cookie_secret_file = f"{contract.DATA}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = f"{contract.DATA}/jupyterhub-proxy.pid"

c.JupyterHub.authenticator_class = LocalabAuthenticator
c.LocalabAuthenticator.users_file = contract.USERS_FILE
# Before JupyterHub opens its database: what changed in the users file while it was down.
roster.apply(contract.DATABASE, contract.USERS_FILE, logging.getLogger("localab.roster"))
# Set on localab's own authenticator only: an OAuth authenticator loaded from
# extra_config.py keeps its own allow list (allowed_groups ...) and its own admins.
c.LocalabAuthenticator.admin_users = set(settings["admins"])
c.LocalabAuthenticator.allow_all = True  # the users file is the allow list: only its users can log in
# Each login remembers the user's epoch from the users file; a reset, demotion or
# removal on the host ends it (and its tokens) at the next refresh.
c.LocalabAuthenticator.enable_auth_state = True
c.LocalabAuthenticator.auth_refresh_age = 30
KEYS = os.environ.get(contract.ENV_KEYS, contract.KEYS_DIR)  # read-only files from the host, not environment
c.CryptKeeper.keys = [bytes.fromhex(open(f"{KEYS}/crypt-key").read().strip())]



class LocalabSpawner(DockerSpawner):
    """DockerSpawner whose removal waits until the container is gone. With `remove`, the
    engine removes a stopped container itself (AutoRemove) and DockerSpawner's own remove
    returns at once ("already in progress"); the name stays taken for about a second, so a
    server started again at once failed with a 409 name conflict (HTTP 500 to the user)."""

    async def remove_object(self):
        await super().remove_object()
        for _ in range(150):  # 30 s at most
            try:
                await self.docker("inspect_container", self.object_id)
            except docker.errors.NotFound:
                return
            await asyncio.sleep(0.2)
        self.log.warning("container %s is still there 30 s after its removal", self.object_id[:7])


c.JupyterHub.spawner_class = LocalabSpawner
swarm = settings.get("swarm")  # `localab hub.up --swarm`: each runtime a service on a worker
if swarm:
    spawner_settings(c, settings)
c.DockerSpawner.network_name = settings["network"]
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True
c.DockerSpawner.prefix = settings["hub_host"]
c.DockerSpawner.name_template = "{prefix}-{username}"
c.DockerSpawner.image = profiles[settings["default_profile"]]["image"]
c.DockerSpawner.allowed_images = sorted({spec["image"] for spec in profiles.values()})
# The drive: writable through DockerSpawner's volumes, its read-only view (the same volume
# again) as a mount, both named per user in apply_profile (DockerSpawner keys binds by volume).
c.DockerSpawner.extra_create_kwargs = {"labels": {contract.LABEL: settings["hub_host"]}}
c.DockerSpawner.http_timeout = 120
c.DockerSpawner.start_timeout = 180
c.Spawner.default_url = "/lab"

# Colab's "change runtime type": the profiles file becomes the spawn form.
options = "".join(
    f'<option value="{html.escape(name)}"{" selected" if name == settings["default_profile"] else ""}>'
    f'{html.escape(name)}: {html.escape(spec["description"])}</option>' for name, spec in profiles.items())
c.DockerSpawner.options_form = f'<label for="profile">Runtime profile</label><select name="profile" class="form-control">{options}</select>'
if swarm:  # what a service cannot enforce on this swarm, said where the profile is chosen
    loose = sorted({item for service in swarm["services"].values() for item in service["unenforced"]})
    c.DockerSpawner.options_form += ('<p class="help-block">Not enforced on this swarm:</p><ul class="help-block">'
                                     + "".join(f"<li>{html.escape(item)}</li>" for item in loose) + "</ul>")


def options_from_form(formdata):
    name = formdata.get("profile", [settings["default_profile"]])[0]
    return {"profile": name}


c.DockerSpawner.options_from_form = options_from_form


def users_entry(name: str) -> dict | None:
    try:
        with open(contract.USERS_FILE) as handle:
            return json.load(handle).get(name)
    except (OSError, ValueError):
        return None  # an OAuth setup, say: no users file


def apply_profile(spawner):
    """The chosen profile's image, caps, security options and lifetime, exactly as `localab up`."""
    name = (spawner.user_options or {}).get("profile") or settings["default_profile"]
    if name not in profiles:
        raise ValueError(f"profile '{name}' is not offered here; choose one of: {', '.join(profiles)}")
    spec = profiles[name]
    spawner.image = spec["image"]
    volume = contract.drive_volume(spawner.format_volume_name(settings["drive_volume"], spawner),
                                   users_entry(spawner.user.name))
    spawner.environment.update(spec["environment"])
    spawner.log.info("starting %s's runtime with profile %s", spawner.user.name, name)
    if swarm:  # the whole service comes from the host: caps, user, drive mounts
        spawner.template = swarm["services"][name]["template"]
        spawner.cmd = spec["cmd"]
        spawner.drive = volume
        return
    spawner.extra_create_kwargs = {**spawner.extra_create_kwargs, "user": spec["user"]}
    # The caps come whole from host_config (the same mapping as `localab up`); DockerSpawner's
    # own cpu_limit would add a CPU period that the engine refuses beside NanoCpus.
    spawner.cpu_limit = None
    spawner.mem_limit = None
    spawner.extra_host_config = dict(spec["host_config"])
    spawner.volumes = {volume: target for target, ro in settings["drive_mounts"] if not ro}
    spawner.extra_host_config["mounts"] = [Mount(target=target, source=volume, type="volume", read_only=True)
                                           for target, ro in settings["drive_mounts"] if ro]


c.Spawner.pre_spawn_hook = apply_profile

culler = settings["culler"]
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={culler['timeout_s']}",
                f"--cull-every={culler['every_s']}", *([f"--max-age={culler['max_age_s']}"] if culler["max_age_s"] else [])],
}, {
    "name": "localab",
    "api_token": open(f"{KEYS}/api-token").read().strip(),
}]
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    {"name": "localab-host", "services": ["localab"], "scopes": ["admin:users", "admin:servers", "list:users", "tokens"]},
]

# Your own additions (an OAuth login, say): `localab hub.up` mounts
# <localab state>/hub/extra_config.py here when it exists. See docs/hub.md.
if os.path.exists(contract.EXTRA_CONFIG):
    load_subconfig(contract.EXTRA_CONFIG)  # noqa: F821
