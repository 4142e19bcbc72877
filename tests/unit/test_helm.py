"""The Zero to JupyterHub values, loaded into a real KubeSpawner (no cluster needed):
the pod each profile would get carries its caps, image, security context and drive; and
checked against the chart's own values schema (vendored from the chart, over its defaults)."""

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


LEAN_PROFILES = """
default = "lean"
[profiles.lean]
description = "the tf image, no idle culling, no lifetime"
flavour = "tf"
memory = "4G"
cpus = 1
shm = "1G"
scratch = "none"
pids = 1024
gpu = ""
gpu_memory = "0"
lifetime = "0"
idle = "0"
"""


def test_the_values_pass_the_charts_own_schema_with_localabs_profiles_and_a_users(values, tmp_path):
    assert helm.problems(values) == []
    assert len(values["singleuser"]["profileList"]) >= 4, "every profile of localab's own file was checked"
    own = tmp_path / "profiles.toml"
    own.write_text(LEAN_PROFILES)
    lean = yaml.safe_load(helm.render(profiles.load(own)))
    assert lean["singleuser"]["image"]["tag"].endswith("-tf") and helm.problems(lean) == []


def test_each_value_the_schema_refuses_is_named_with_its_place(values):
    edited = {**values, "singleuser": {**values["singleuser"], "imagee": {"name": "typo"}},
              "cull": {**values["cull"], "timeout": "soon"}}
    assert helm.problems(edited) == ["cull.timeout: 'soon' is not of type 'integer', 'null'",
                                     "singleuser: Additional properties are not allowed ('imagee' was unexpected)"]
    assert helm.problems({"hub": {"config": "not a map"}}) == ["hub.config: 'not a map' is not of type 'object'"]


def test_values_go_over_the_charts_defaults_as_helm_merges_them():
    defaults = {"singleuser": {"cmd": "jupyterhub-singleuser", "uid": 1000, "image": {"name": "x", "tag": "1"}}}
    ours = {"singleuser": {"cmd": None, "image": {"tag": "2"}, "profileList": [{"slug": "a"}]}}
    assert helm.coalesce(defaults, ours) == {"singleuser": {"uid": 1000, "image": {"name": "x", "tag": "2"},
                                                            "profileList": [{"slug": "a"}]}}


def test_check_says_whether_the_chart_takes_a_users_values_file(tmp_path, capsys):
    from tests.unit.test_cli import run_localab

    made = tmp_path / "values.yaml"
    assert run_localab(capsys, "hub.helm-values", "--output", str(made))[0] == 0
    code, out, err = run_localab(capsys, "hub.helm-values", "--check", str(made))
    assert (code, out.strip()) == (0, f"{made}: valid for Zero to JupyterHub {helm.CHART_VERSION} "
                                      "(its values schema, over the chart's defaults)"), err
    made.write_text(made.read_text().replace("  defaultUrl: /lab", "  defaultUrl: /lab\n  storag: {type: none}"))
    code, out, err = run_localab(capsys, "hub.helm-values", "--check", str(made))
    assert code == 1 and err == (f"localab: {made}: Zero to JupyterHub {helm.CHART_VERSION} would refuse 1 value(s):\n"
                                 "  singleuser: Additional properties are not allowed ('storag' was unexpected)\n")
    made.write_text("singleuser: [unclosed\n")
    code, out, err = run_localab(capsys, "hub.helm-values", "--check", str(made))
    assert code == 2 and err.startswith(f"localab: {made} is not YAML at line 2") and err.count("\n") == 1, err
    made.write_text("- a list\n")
    code, out, err = run_localab(capsys, "hub.helm-values", "--check", str(made))
    assert code == 2 and "not a map of values" in err, err
    code, out, err = run_localab(capsys, "hub.helm-values", "--check", str(tmp_path / "missing.yaml"))
    assert code == 2 and "No such file or directory" in err, err
