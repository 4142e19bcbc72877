"""One container plan: `localab up`, `localab bench`, the hub, the Helm values and
compose.yaml must give a runtime the same environment and caps for every profile."""

import pytest

from localab.cli import composefile as compose
from localab.guest import contract
from localab.host import profiles
from localab.host.hub import control, helm
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


def expected(profile) -> tuple[dict, dict]:
    wanted = plan(profile, EngineFacts.of(BIG_GPU_HOST))
    return wanted.environment, caps_of(wanted.run_options())


def without_token(environment: dict) -> dict:
    return {key: value for key, value in environment.items() if key not in (contract.ENV_TOKEN, contract.ENV_TOKEN_FILE)}


@pytest.fixture(autouse=True)
def packaged_profiles(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))


@pytest.mark.parametrize("name", list(PROFILES.by_name))
def test_up_applies_the_plan(name, tmp_path, monkeypatch):
    profile = PROFILES.get(name)
    options = drive_up(fake_engine(BIG_GPU_HOST), verbs.UpRequest(profile=name, drive=str(tmp_path / "d")), monkeypatch)
    assert (without_token(options["environment"]), caps_of(options)) == expected(profile)
    assert options["environment"][contract.ENV_KEYMAP] == profile.keymap


@pytest.mark.parametrize("name", FIXED)
def test_compose_applies_the_plan(name):
    profile = PROFILES.get(name)
    spec = compose.service(profile, gpu=profile.has_gpu)
    caps = {"memory": spec["mem_limit"], "swap": spec["memswap_limit"], "cpus": spec["cpus"], "shm": spec["shm_size"],
            "pids": spec["pids_limit"],
            "gpus": len(spec.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", []))}
    assert (without_token(spec["environment"]), caps) == expected(profile)


@pytest.mark.parametrize("name", list(PROFILES.by_name))
def test_the_hub_applies_the_plan(name, monkeypatch):
    offered = control.settings(PROFILES, None, BIG_GPU_HOST)["profiles"][name]
    host_config = offered["host_config"]
    caps = caps_of({**host_config, "device_requests": host_config.get("device_requests")})
    assert (offered["environment"], caps) == expected(PROFILES.get(name))


@pytest.mark.parametrize("name", FIXED)
def test_helm_applies_the_plan(name):
    entry = next(e for e in helm.values(PROFILES)["singleuser"]["profileList"] if e["slug"] == name)
    override = entry["kubespawner_override"]
    environment, caps = expected(PROFILES.get(name))
    assert override["environment"] == environment
    assert (override["mem_limit"], override["cpu_limit"]) == (caps["memory"], caps["cpus"])
    assert len(override.get("extra_resource_limits", {})) == caps["gpus"]


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
    assert on_cpu.flavour == "cpu" and on_cpu.notes == (), "no GPU on the host: nothing to apologise for"
    assert "local" not in [entry["slug"] for entry in helm.values(PROFILES)["singleuser"]["profileList"]]
    assert PROFILES.default == "p100", "the tutorial's machine stays the default"


@pytest.mark.parametrize("name", FIXED)
def test_every_path_mounts_the_drive_writable_and_read_only_alike(name, tmp_path, monkeypatch):
    profile = PROFILES.get(name)
    drive = str(tmp_path / "d")
    wanted = plan(profile, EngineFacts.of(BIG_GPU_HOST)).drive_mounts(drive)
    options = drive_up(fake_engine(BIG_GPU_HOST), verbs.UpRequest(profile=name, drive=drive), monkeypatch)
    up_mounts = [tuple(volume.rsplit(":", 2)) for volume in options["volumes"] if volume.startswith(drive + ":")]
    assert up_mounts == [(source, target, "ro" if ro else "rw") for source, target, ro in wanted]
    composed = compose.service(profile, gpu=profile.has_gpu)["volumes"]
    assert [v.endswith(":ro") for v in composed] == [ro for _, _, ro in wanted]
    assert [v.split(":")[-2] if v.endswith(":ro") else v.split(":")[-1] for v in composed] == [t for _, t, _ in wanted]
    hub = control.settings(PROFILES, None, BIG_GPU_HOST)["drive_mounts"]
    assert hub == [[target, ro] for _, target, ro in wanted]
    entry = next(e for e in helm.values(PROFILES)["singleuser"]["profileList"] if e["slug"] == name)
    helm_mounts = [(m["mountPath"], m.get("readOnly", False)) for m in entry["kubespawner_override"]["volume_mounts"]
                   if m["name"] == "drive"]
    assert helm_mounts == [(target, ro) for _, target, ro in wanted]


@pytest.mark.parametrize("flavour, host, image", [
    ("cpu", INFO, "localab:cpu"), ("colab", INFO, "localab:colab"),
    ("colab", BIG_GPU_HOST, "localab:colab-gpu"), ("cpu", BIG_GPU_HOST, "localab:gpu"),
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


def test_only_a_sudo_runtime_starts_as_root_keeps_capabilities_and_drops_to_the_user(tmp_path, monkeypatch):
    plain = drive_up(fake_engine(INFO), verbs.UpRequest(profile="cpu", drive=str(tmp_path / "d")), monkeypatch)
    assert plain["user"] != "0:0" and plain["cap_drop"] == ["ALL"] and plain["security_opt"] == ["no-new-privileges"]
    assert contract.ENV_SUDO not in plain["environment"] and contract.ENV_RUN_AS not in plain["environment"]
    sudo = drive_up(fake_engine(INFO), verbs.UpRequest(profile="cpu", sudo=True, drive=str(tmp_path / "e")), monkeypatch)
    assert sudo["user"] == "0:0" and "cap_drop" not in sudo and "security_opt" not in sudo
    assert sudo["environment"][contract.ENV_SUDO] == "1"
    assert sudo["environment"][contract.ENV_RUN_AS] == plain["user"], "the entry process drops to the usual user"
    assert sudo["labels"]["io.localab.runtime.sudo"] == "1" and plain["labels"]["io.localab.runtime.sudo"] == "0"


def test_a_profile_with_an_unknown_flavour_is_refused_when_used(tmp_path, monkeypatch):
    mine = tmp_path / "profiles.toml"
    mine.write_text('[profiles.cpu]\nflavour = "tpu"\n')
    monkeypatch.setenv("LOCALAB_PROFILES", str(mine))
    with pytest.raises(Exception, match=r"profiles.cpu.flavour: 'tpu' is not a runtime image; use one of: colab, cpu"):
        drive_up(fake_engine(INFO), verbs.UpRequest(profile="cpu", drive=str(tmp_path / "d")), monkeypatch)
