"""The gpu flavour: it builds on any host (no GPU needed); running it needs one."""

import pytest

from runtime.image import build as image
from runtime.image import lock
from tests.conftest import build_image


@pytest.fixture(scope="module")
def gpu_image(engine):
    return build_image(engine, "gpu")


def test_the_gpu_image_carries_tensorflows_cuda_wheels(engine, gpu_image):
    labels = gpu_image["Config"]["Labels"]
    assert labels["io.localab.flavour"] == "gpu"
    assert labels["io.localab.tensorflow"] == lock.read_lock("cpu").tensorflow_version, "same TF as the cpu image"
    manifest = image.manifest(engine, "localab:gpu")
    dists = manifest["distributions"]
    assert dists["tensorflow"] == labels["io.localab.tensorflow"] and "tensorflow-cpu" not in dists
    for wheel in ("nvidia-cudnn-cu12", "nvidia-cublas-cu12", "nvidia-cuda-runtime-cu12", "nvidia-nccl-cu12"):
        assert wheel in dists, wheel
    for name, version in lock.read_lock("gpu").pins.items():
        assert dists.get(name) == version, name


@pytest.mark.gpu
def test_tensorflow_sees_one_gpu_capped_at_the_profiles_memory(engine, gpu_image):
    if "nvidia" not in (engine.info().get("Runtimes") or {}):
        pytest.skip("no NVIDIA container runtime on this host: the GPU run needs one (see `invoke doctor`)")
    from docker.types import DeviceRequest

    script = ("import tensorflow as tf; gpus = tf.config.list_logical_devices('GPU'); "
              "print(len(gpus)); print(tf.config.experimental.get_memory_info('GPU:0')['current'] >= 0)")
    output = engine._client.containers.run(
        "localab:gpu", ["python", "-c", script], entrypoint=[], remove=True,
        environment={"LOCALAB_GPU_MEMORY_MB": "1024"},
        device_requests=[DeviceRequest(count=1, capabilities=[["gpu", "utility", "compute"]])],
    ).decode()
    assert output.split()[:2] == ["1", "True"]
