"""The gpu flavour: it builds on any host (no GPU needed); running it needs one."""

import pytest

from localab.host.image import build as image
from localab.host.image import lock
from tests.utils.runtime import build_image


@pytest.fixture(scope="module")
def gpu_image(engine):
    return build_image(engine, "tf-gpu")


def test_the_gpu_image_carries_tensorflows_cuda_wheels(engine, gpu_image):
    labels = gpu_image["Config"]["Labels"]
    assert labels["io.localab.flavour"] == "tf-gpu"
    assert labels["io.localab.tensorflow"] == lock.read_lock("tf").tensorflow_version, "same TF as the cpu image"
    manifest = image.manifest(engine, "localab:tf-gpu")
    dists = manifest["distributions"]
    assert dists["tensorflow"] == labels["io.localab.tensorflow"] and "tensorflow-cpu" not in dists
    for wheel in ("nvidia-cudnn-cu12", "nvidia-cublas-cu12", "nvidia-cuda-runtime-cu12", "nvidia-nccl-cu12"):
        assert wheel in dists, wheel
    for name, version in lock.read_lock("tf-gpu").pins.items():
        assert dists.get(name) == version, name


@pytest.mark.gpu
def test_tensorflow_sees_one_gpu_capped_at_the_profiles_memory(engine, gpu_image):
    if "nvidia" not in (engine.info().get("Runtimes") or {}):
        pytest.skip("no NVIDIA container runtime on this host: the GPU run needs one (see `localab doctor`)")
    from docker.types import DeviceRequest

    from localab.host import profiles
    from localab.host.plan import EngineFacts, plan

    profile = profiles.load().get("free")  # a T4 profile: its gpu_memory is the cap under test
    container_plan = plan(profile, EngineFacts.of(engine.info()), require_gpu=True)
    cap_mb = profile.gpu_memory_bytes >> 20
    script = ("import tensorflow as tf\n"
              "print(len(tf.config.list_logical_devices('GPU')))\n"
              "configs = tf.config.get_logical_device_configuration(tf.config.list_physical_devices('GPU')[0])\n"
              "print(configs[0].memory_limit if configs else 'uncapped')\n")
    output = engine._client.containers.run(
        "localab:tf-gpu", ["python", "-c", script], entrypoint=[], remove=True,
        environment=container_plan.environment,  # what `localab up` hands the runtime, the GPU cap included
        device_requests=[DeviceRequest(count=1, capabilities=[["gpu", "utility", "compute"]])],
    ).decode()
    assert output.split()[-2:] == ["1", str(cap_mb)], output
