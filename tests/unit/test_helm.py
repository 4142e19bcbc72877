"""The Zero to JupyterHub values, loaded into a real KubeSpawner (no cluster needed):
the pod each profile would get carries its caps, image, security context and drive."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import Mock

import pytest
import yaml
from jupyterhub.objects import Hub, Server
from traitlets.config import Config

from localab import __version__
from localab.host import profiles
from localab.host.hub import helm


class User(Mock):
    name = "ada"
    server = Server()

    @property
    def escaped_name(self):
        return self.name

    @property
    def url(self):
        return self.server.url


def field(item, camel: str):
    """KubeSpawner keeps some objects as the profile gave them (dicts), others as models."""
    if isinstance(item, dict):
        return item[camel]
    return getattr(item, re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel))


class OrmSpawner(Mock):
    name = ""  # the user's default server
    server = None


def pod_for(values: dict, slug: str):
    from kubespawner import KubeSpawner

    config = Config()
    for key, value in values["hub"]["config"]["KubeSpawner"].items():
        setattr(config.KubeSpawner, key, value)
    config.KubeSpawner.profile_list = values["singleuser"]["profileList"]
    config.KubeSpawner.uid = values["singleuser"]["uid"]
    config.KubeSpawner.fs_gid = values["singleuser"]["fsGid"]
    async def manifest():
        spawner = KubeSpawner(hub=Hub(), config=config, user=User(), orm_spawner=OrmSpawner(), _mock=True)
        spawner.user_options = {"profile": slug}
        await spawner.load_user_options()
        return spawner, await spawner.get_pod_manifest()

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in
    # the main thread for the whole session.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, manifest()).result()


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: unused}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: localab}}]
current-context: none
"""


@pytest.fixture(autouse=True)
def no_cluster(tmp_path, monkeypatch):
    """KubeSpawner reads a kube config when it is made; this one names no real cluster,
    and building a pod manifest never contacts one."""
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(path))


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load(helm.render(profiles.load()))


@pytest.mark.parametrize("name", [n for n, p in profiles.load().by_name.items() if not p.host_relative])
def test_each_profile_becomes_a_pod_with_its_caps_image_security_and_drive(values, name):
    profile = profiles.load().get(name)
    spawner, pod = pod_for(values, name)
    [container] = pod.spec.containers
    assert container.image == f"localab:{__version__}-{'colab-gpu' if profile.has_gpu else 'colab'}", "an immutable tag"
    limits, requests = container.resources.limits, container.resources.requests
    assert int(limits["memory"]) == int(requests["memory"]) == profile.memory_bytes
    assert float(limits["cpu"]) == float(requests["cpu"]) == profile.cpus
    assert (limits.get("nvidia.com/gpu") == "1") == profile.has_gpu
    security = container.security_context  # KubeSpawner keeps extra_container_config as given
    assert security["runAsUser"] == 1000 and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"] and security["runAsNonRoot"] is True
    mounts = {field(m, "mountPath"): field(m, "name") for m in container.volume_mounts}
    assert mounts["/content/drive/MyDrive"] == "drive" and mounts["/dev/shm"] == "shm"
    assert mounts["/run/localab/drive-readonly"] == "drive"
    assert [field(m, "readOnly") for m in container.volume_mounts if field(m, "mountPath") == "/run/localab/drive-readonly"] == [True]
    volumes = {field(v, "name"): v for v in pod.spec.volumes}  # as the profile gave them, {username} expanded
    assert field(field(volumes["drive"], "persistentVolumeClaim"), "claimName") == "localab-drive-ada"
    shm = field(volumes["shm"], "emptyDir")
    assert (field(shm, "medium"), field(shm, "sizeLimit")) == ("Memory", str(profile.shm_bytes))
    env = {e.name: e.value for e in container.env}
    assert env["LOCALAB_PROFILE"] == name and env["LOCALAB_LIFETIME_S"] == str(profile.lifetime_s)
    assert spawner.storage_pvc_ensure and spawner.pvc_name_template == "localab-drive-{username}"


def test_culling_follows_the_default_profile(values):
    default = profiles.load().get(None)
    # A hub-wide max age cut high-ram (24 h) at the default's 12 h: each runtime ends itself instead.
    assert values["cull"] == {"enabled": True, "timeout": default.idle_s, "every": 60, "maxAge": 0}
    for entry in values["singleuser"]["profileList"]:
        context = entry["kubespawner_override"]["extra_container_config"]["securityContext"]
        assert context["seccompProfile"] == {"type": "RuntimeDefault"} and context["allowPrivilegeEscalation"] is False
    assert [p["slug"] for p in values["singleuser"]["profileList"] if p["default"]] == [default.name]
