"""One container plan: `localab up`, `localab bench`, the hub, the Helm values and
compose.yaml must give a runtime the same environment and caps for every profile."""

import pytest

from localab.cli import composefile as compose
from localab.guest import contract
from localab.host import caps as capmap
from localab.host import drive as drives
from localab.host import profiles, refs, runspec
from localab.host.bench import containers
from localab.host.drive import IMAGE_USER
from localab.host.hub import helm
from localab.host.hub import settings as hubsettings
from localab.host.lifecycle import verbs
from localab.host.plan import EngineFacts, plan
from tests.utils.fake_engine import INFO, drive_up, fake_engine

BIG_GPU_HOST = {**INFO, "NCPU": 64, "MemTotal": 256 << 30, "Runtimes": {"runc": {}, "nvidia": {}}}
PROFILES = profiles.load(profiles.PROFILES_FILE)
FIXED = [name for name, profile in PROFILES.by_name.items() if not profile.host_relative]  # what files carry


def caps_of(options: dict) -> dict:
    """The caps in the docker SDK's run() keywords."""
    return {"memory": options["mem_limit"], "swap": options["memswap_limit"], "cpus": options["nano_cpus"] / 1e9,
            "shm": options["shm_size"], "pids": options["pids_limit"], "gpus": len(options.get("device_requests") or [])}


def without_token(environment: dict) -> dict:
    return {key: value for key, value in environment.items() if key not in (contract.ENV_TOKEN, contract.ENV_TOKEN_FILE)}


@pytest.fixture(autouse=True)
def packaged_profiles(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))


def seen(*, environment, caps, security, groups, drive_mounts, user) -> dict:
    """What a translation carries of a spec, in one shape for comparing."""
    return {"environment": without_token(environment), "caps": caps, "security": security,
            "groups": [str(g) for g in groups], "drive": [tuple(m) for m in drive_mounts], "user": user}


def of_spec(container: runspec.RunSpec, user: str) -> dict:
    return seen(environment=container.environment, caps=caps_of(container.docker_options()),
                security={"cap_drop": container.security.get("cap_drop", []),
                          "no_new_privileges": "no-new-privileges" in container.security.get("security_opt", [])},
                groups=container.groups, drive_mounts=[(m.target, m.read_only) for m in container.drive_mounts], user=user)


def of_docker_options(options: dict, drive: str) -> dict:
    mounts = [volume.rsplit(":", 2) for volume in options["volumes"] if volume.startswith(drive + ":")]
    return seen(environment=options["environment"], caps=caps_of(options),
                security={"cap_drop": options.get("cap_drop", []),
                          "no_new_privileges": "no-new-privileges" in options.get("security_opt", [])},
                groups=options["group_add"], drive_mounts=[(target, mode == "ro") for _, target, mode in mounts],
                user=options["user"])


def of_compose(service: dict) -> dict:
    caps = {"memory": service["mem_limit"], "swap": service["memswap_limit"], "cpus": service["cpus"],
            "shm": service["shm_size"], "pids": service["pids_limit"],
            "gpus": len(service.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", []))}
    mounts = [(v.removesuffix(":ro").rsplit(":", 1)[1], v.endswith(":ro")) for v in service["volumes"]
              if isinstance(v, str) and v.startswith("${LOCALAB_DRIVE")]
    return seen(environment=service["environment"], caps=caps,
                security={"cap_drop": service.get("cap_drop", []),
                          "no_new_privileges": "no-new-privileges" in service.get("security_opt", [])},
                groups=service["group_add"], drive_mounts=mounts, user=service["user"])


def of_hub(offered: dict, drive_mounts: list) -> dict:
    host_config = offered["host_config"]
    return seen(environment=offered["environment"], caps=caps_of(host_config),
                security={"cap_drop": host_config.get("cap_drop", []),
                          "no_new_privileges": "no-new-privileges" in host_config.get("security_opt", [])},
                groups=host_config["group_add"], drive_mounts=[tuple(m) for m in drive_mounts], user=offered["user"])


def of_helm(override: dict) -> dict:
    context = override["extra_container_config"]["securityContext"]
    caps = {"memory": override["mem_limit"], "swap": override["mem_limit"], "cpus": override["cpu_limit"],
            "shm": int(next(v for v in override["volumes"] if v["name"] == "shm")["emptyDir"]["sizeLimit"]),
            "pids": None, "gpus": int(override.get("extra_resource_limits", {}).get("nvidia.com/gpu", 0))}
    mounts = [(m["mountPath"], m.get("readOnly", False)) for m in override["volume_mounts"] if m["name"] == "drive"]
    return seen(environment=override["environment"], caps=caps,
                security={"cap_drop": context.get("capabilities", {}).get("drop", []),
                          "no_new_privileges": context["allowPrivilegeEscalation"] is False},
                groups=[context["runAsGroup"]], drive_mounts=mounts, user=f"{context['runAsUser']}:{context['runAsGroup']}")


@pytest.mark.parametrize("name", FIXED)
def test_up_bench_compose_the_hub_and_helm_translate_one_run_spec(name, tmp_path, monkeypatch):
    """Each translation carries the spec's environment, caps, security options, groups,
    drive mounts and user (each path's own user: the drive's owner, compose's variables
    defaulting to the image's user, the image's user under a hub)."""
    profile = PROFILES.get(name)
    facts = EngineFacts.of(BIG_GPU_HOST)
    container_plan = plan(profile, facts)
    drive = str(tmp_path / "d")
    image_user = f"{IMAGE_USER[0]}:{IMAGE_USER[1]}"
    spec = runspec.run_spec(container_plan, user=drives.container_user(), drive=drive)

    up = drive_up(fake_engine(BIG_GPU_HOST), verbs.UpRequest(profile=name, drive=drive), monkeypatch)
    assert of_docker_options(up, drive) == of_spec(spec, drives.container_user())
    assert up["image"] == spec.image and up["ports"] == {f"{contract.PORT}/tcp": ("127.0.0.1", contract.PORT)}

    bench = containers.workload_spec(container_plan, tmp_path / "d", "matmul").docker_options()
    assert of_docker_options(bench, drive) == of_spec(spec, drives.container_user())

    composed = compose.service(profile, gpu=profile.has_gpu)
    wanted = of_spec(spec, f"${{LOCALAB_UID:-{IMAGE_USER[0]}}}:${{LOCALAB_GID:-{IMAGE_USER[1]}}}")
    assert of_compose(composed) == wanted
    assert composed["image"] == spec.image
    token = next(v for v in composed["volumes"] if isinstance(v, dict))
    assert token["target"] == str(contract.TOKEN_MOUNT) and token["bind"] == {"create_host_path": False}
    assert contract.ENV_TOKEN not in composed["environment"], "compose hands the token as a file, as up does"

    hub_settings = hubsettings.settings(PROFILES, None, BIG_GPU_HOST)
    offered = hub_settings["profiles"][name]
    assert of_hub(offered, hub_settings["drive_mounts"]) == of_spec(spec, image_user)
    assert offered["image"] == refs.versioned_ref(container_plan.flavour)

    entry = next(e for e in helm.values(PROFILES)["singleuser"]["profileList"] if e["slug"] == name)
    from_helm = of_helm(entry["kubespawner_override"])
    assert from_helm == {**of_spec(spec, image_user), "caps": {**of_spec(spec, "")["caps"], "pids": None}}
    assert entry["kubespawner_override"]["image"] == refs.versioned_ref(container_plan.flavour)


def test_the_translations_check_sees_a_translation_that_drops_a_security_option(tmp_path, monkeypatch):
    """The comparison above proves nothing unless it notices a path that adds or drops something."""
    profile = PROFILES.get("cpu")
    spec = runspec.run_spec(plan(profile, EngineFacts.of(BIG_GPU_HOST)), user="1:1", drive="/d")
    broken = {**spec.docker_options(), "security_opt": []}
    assert of_docker_options(broken, "/d") != of_spec(spec, "1:1")
    extra = {**spec.docker_options(), "environment": {**spec.environment, "EXTRA": "1"}}
    assert of_docker_options(extra, "/d") != of_spec(spec, "1:1")


@pytest.mark.parametrize("name", list(PROFILES.by_name))
def test_up_applies_the_plan_for_every_profile_the_host_relative_one_too(name, tmp_path, monkeypatch):
    profile = PROFILES.get(name)
    options = drive_up(fake_engine(BIG_GPU_HOST), verbs.UpRequest(profile=name, drive=str(tmp_path / "d")), monkeypatch)
    wanted = plan(profile, EngineFacts.of(BIG_GPU_HOST))
    assert without_token(options["environment"]) == wanted.environment
    assert caps_of(options) == caps_of(capmap.run_options(wanted.caps))
    assert options["environment"][contract.ENV_KEYMAP] == profile.keymap


def test_a_keymap_set_in_a_profile_reaches_every_path(tmp_path, monkeypatch):
    mine = tmp_path / "profiles.toml"
    mine.write_text('[profiles.cpu]\nkeymap = "colab"\n')
    monkeypatch.setenv("LOCALAB_PROFILES", str(mine))
    profile = profiles.load().get("cpu")
    assert compose.service(profile, gpu=False)["environment"][contract.ENV_KEYMAP] == "colab"
    options = drive_up(fake_engine(BIG_GPU_HOST), verbs.UpRequest(profile="cpu", drive=str(tmp_path / "d")), monkeypatch)
    assert options["environment"][contract.ENV_KEYMAP] == "colab"


def test_the_local_profile_is_the_whole_host_and_no_file_carries_it(tmp_path, monkeypatch):
    options = drive_up(fake_engine(BIG_GPU_HOST), verbs.UpRequest(profile="local", drive=str(tmp_path / "d")),
                       monkeypatch)
    assert options["nano_cpus"] == 64e9 and options["mem_limit"] == int(0.9 * (256 << 30))
    assert options["device_requests"][0]["Count"] == 1 and "LOCALAB_GPU_MEMORY_MB" not in options["environment"]
    assert options["environment"]["LOCALAB_LIFETIME_S"] == "0" and options["environment"]["LOCALAB_IDLE_S"] == "0"
    assert "storage_opt" not in options
    on_cpu = plan(PROFILES.get("local"), EngineFacts.of({**BIG_GPU_HOST, "Runtimes": {"runc": {}}}))
    assert on_cpu.flavour == "colab" and on_cpu.notes == (), "no GPU on the host: nothing to apologise for"
    assert "local" not in [entry["slug"] for entry in helm.values(PROFILES)["singleuser"]["profileList"]]
    assert PROFILES.default == "p100", "the tutorial's machine stays the default"


@pytest.mark.parametrize("flavour, host, image", [
    ("tf", INFO, "localab:tf"), ("colab", INFO, "localab:colab"),
    ("colab", BIG_GPU_HOST, "localab:colab-gpu"), ("tf", BIG_GPU_HOST, "localab:tf-gpu"),
])
def test_the_flavour_from_a_profile_or_the_command_line_picks_the_image(flavour, host, image, tmp_path, monkeypatch):
    mine = tmp_path / "profiles.toml"
    mine.write_text(f'[profiles.p100]\nflavour = "{flavour}"\n')
    monkeypatch.setenv("LOCALAB_PROFILES", str(mine))
    from_profile = drive_up(fake_engine(host), verbs.UpRequest(profile="p100", drive=str(tmp_path / "d")), monkeypatch)
    monkeypatch.delenv("LOCALAB_PROFILES")
    from_option = drive_up(fake_engine(host), verbs.UpRequest(profile="p100", flavour=flavour,
                                                              drive=str(tmp_path / "e")), monkeypatch)
    assert from_profile["image"] == from_option["image"] == image
    assert from_option["labels"]["io.localab.runtime.flavour"] == image.split(":")[1]


def test_only_a_sudo_runtime_starts_as_root_keeps_apts_capabilities_and_drops_to_the_user(tmp_path, monkeypatch):
    plain = drive_up(fake_engine(INFO), verbs.UpRequest(profile="cpu", drive=str(tmp_path / "d")), monkeypatch)
    assert plain["user"] != "0:0" and plain["cap_drop"] == ["ALL"] and plain["security_opt"] == ["no-new-privileges"]
    assert contract.ENV_SUDO not in plain["environment"] and contract.ENV_RUN_AS not in plain["environment"]
    sudo = drive_up(fake_engine(INFO), verbs.UpRequest(profile="cpu", sudo=True, drive=str(tmp_path / "e")), monkeypatch)
    assert sudo["user"] == "0:0" and sudo["cap_drop"] == ["MKNOD", "NET_RAW"] and "security_opt" not in sudo
    assert sudo["environment"][contract.ENV_SUDO] == "1"
    assert f"/view-of/e:{contract.DRIVE}:rw" in sudo["volumes"], "root in it writes the drive through its bindfs view"
    assert f"{tmp_path / 'd'}:{contract.DRIVE}:rw" in plain["volumes"], "any other runtime binds the folder itself"
    assert sudo["environment"][contract.ENV_RUN_AS] == plain["user"], "the entry process drops to the usual user"
    assert sudo["labels"]["io.localab.runtime.sudo"] == "1" and plain["labels"]["io.localab.runtime.sudo"] == "0"


def test_a_profile_with_an_unknown_flavour_is_refused_when_used(tmp_path, monkeypatch):
    mine = tmp_path / "profiles.toml"
    mine.write_text('[profiles.cpu]\nflavour = "tpu"\n')
    monkeypatch.setenv("LOCALAB_PROFILES", str(mine))
    with pytest.raises(Exception, match=r"profiles.cpu.flavour: 'tpu' is not a runtime image; use one of: colab, tf"):
        drive_up(fake_engine(INFO), verbs.UpRequest(profile="cpu", drive=str(tmp_path / "d")), monkeypatch)


def test_last_releases_image_names_are_accepted_once_with_a_notice(tmp_path, monkeypatch, capsys):
    from localab.host import refs
    from localab.host.image import lock

    monkeypatch.setattr(refs, "_noted", set())
    assert lock.runtime_flavour("cpu") == "tf" and lock.runtime_flavour("tf") == "tf"
    assert lock.flavour("gpu").name == "tf-gpu" and lock.lock_path("cpu") == lock.lock_path("tf")
    mine = tmp_path / "profiles.toml"
    mine.write_text('[profiles.p100]\nflavour = "cpu"\n')
    monkeypatch.setenv("LOCALAB_PROFILES", str(mine))
    assert profiles.load().get("p100").flavour == "tf"
    notices = capsys.readouterr().err.splitlines()
    assert notices == ["localab: note: the 'cpu' image is now called 'tf' (TensorFlow only); the old name is accepted "
                       "until the next release",
                       "localab: note: the 'gpu' image is now called 'tf-gpu' (TensorFlow only); the old name is "
                       "accepted until the next release"], "one line per old name, once"
    monkeypatch.delenv("LOCALAB_PROFILES")
    assert profiles.load().get("p100").flavour == "colab", "Colab's environment is the default"
