import yaml

from localab.cli import composefile as compose
from localab.host import caps, profiles


def test_the_committed_compose_file_is_generated_from_the_profiles_file():
    assert compose.COMPOSE_FILE.read_text() == compose.render(), "run `localab compose` after editing localab/host/profiles.toml"


def test_compose_applies_the_default_profiles_caps_like_invoke_up():
    profile = profiles.load().get(None)
    service = yaml.safe_load(compose.COMPOSE_FILE.read_text())["services"]["runtime"]
    planned, _ = caps.plan_caps(profile, use_gpu=False, host_cpus=64, scratch_possible=False)
    options = caps.run_options(planned)
    assert service["mem_limit"] == options["mem_limit"] == profile.memory_bytes
    assert service["memswap_limit"] == options["memswap_limit"]
    assert service["cpus"] * 1e9 == options["nano_cpus"]
    assert service["shm_size"] == options["shm_size"] and service["pids_limit"] == options["pids_limit"]
    assert service["cap_drop"] == ["ALL"] and service["security_opt"] == ["no-new-privileges"]
    assert service["ports"] == ["127.0.0.1:${LOCALAB_PORT:-8888}:8888"]
    assert service["environment"]["LOCALAB_LIFETIME_S"] == str(profile.lifetime_s)


def test_the_gpu_service_asks_for_one_gpu_and_caps_its_memory():
    gpu = yaml.safe_load(compose.COMPOSE_FILE.read_text())["services"]["runtime-gpu"]
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["count"] == 1
    assert gpu["environment"]["LOCALAB_GPU_MEMORY_MB"] == str(profiles.load().get(None).gpu_memory_bytes >> 20)
    assert gpu["profiles"] == ["gpu"] and gpu["image"] == "localab:colab-gpu"
