"""What the host's `localab hub.*` and the hub's image agree on, written once: where
the hub keeps and reads things inside its container, the port it serves, the variables
and labels the host sets."""

PORT = 8000  # JupyterHub inside the hub container (and the host port tried first)
DATA = "/srv/jupyterhub"  # a volume: the database, the cookie secret, the proxy's pid
DATABASE = f"{DATA}/jupyterhub.sqlite"
USERS_DIR = "/srv/localab/users"  # the host's users folder, read-only
USERS_FILE = f"{USERS_DIR}/users.json"
KEYS_DIR = "/srv/localab/keys"  # the API token and auth-state key as read-only files, never in the environment
EXTRA_CONFIG = "/srv/localab/extra_config.py"  # the operator's own additions (OAuth, ...), when the host has one
ENV_SETTINGS = "LOCALAB_HUB_SETTINGS"  # JSON the host makes from the profiles (hub.control.settings)
ENV_KEYS = "LOCALAB_HUB_KEYS"  # where KEYS_DIR is, for the unit tests that run the config on the host
LABEL = "io.localab.hub"  # on the hub, its network and every runtime it spawned


def drive_volume(base: str, entry: dict | None) -> str:
    """A user's drive volume: DockerSpawner's name for it (`base`), or, for someone given a
    removed user's name, that name and the generation their entry records."""
    generation = (entry or {}).get("drive_generation")
    return f"{base}.{generation}" if generation else base
