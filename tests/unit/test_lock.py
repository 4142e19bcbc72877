import pytest

from localab.host.errors import UsageError
from localab.host.image import lock, uvcompile

BODY = """absl-py==2.5.1 \\
    --hash=sha256:{a} \\
    --hash=sha256:{b}
    # via keras
tensorflow-cpu==2.21.0 \\
    --hash=sha256:{a}
    # via -r -
""".format(a="a" * 64, b="b" * 64)


def parse(text):
    return lock.parse(text, flavour_name="tf", path=lock.lock_path("tf"))


def test_a_rendered_lock_parses_into_exact_pins():
    parsed = parse(lock.render("tf", BODY))
    assert parsed.pins == {"absl-py": "2.5.1", "tensorflow-cpu": "2.21.0"}
    assert parsed.tensorflow_version == "2.21.0"
    assert len(parsed.sha256) == 64


def test_an_edited_pin_is_caught_before_any_build():
    text = lock.render("tf", BODY).replace("absl-py==2.5.1", "absl-py==2.5.0")
    with pytest.raises(UsageError, match="edited after `localab lock`.*run `localab lock`"):
        parse(text)


def test_a_tampered_hash_is_caught_too():
    text = lock.render("tf", BODY).replace("b" * 64, "c" * 64)
    with pytest.raises(UsageError, match="edited after"):
        parse(text)


@pytest.mark.parametrize("body, message", [
    ("absl-py>=2 \\\n    --hash=sha256:" + "a" * 64 + "\n", "is not an exact pin"),
    ("absl-py==2.5.1\n", "has no sha256 hash"),
    ("# nothing\n", "pins nothing"),
])
def test_a_malformed_body_is_refused_even_with_a_matching_digest(body, message):
    with pytest.raises(UsageError, match=message):
        parse(lock.render("tf", body))


def test_a_file_that_is_not_a_lock():
    with pytest.raises(UsageError, match="not a localab lock file"):
        parse("numpy==1.0\n")


@pytest.mark.parametrize("flavour", ["tf", "tf-gpu"])
def test_the_committed_locks_are_valid_and_pin_the_same_tensorflow(flavour):
    parsed = lock.read_lock(flavour)
    assert parsed.tensorflow_version == lock.flavours()["tf"].tensorflow_version
    for name in ("jupyterlab", "jupyter-resource-usage", "ipywidgets", "numpy", "pandas", "matplotlib",
                 "scikit-learn", "pillow", "nbclient", "nbconvert", "tensorboard", "keras"):
        assert name in parsed.pins, name
    assert parsed.pins["keras"].startswith("3.")


def test_the_gpu_lock_carries_the_cuda_wheels_and_the_cpu_lock_does_not():
    assert any(name.startswith("nvidia-cudnn") for name in lock.read_lock("tf-gpu").pins)
    assert not any(name.startswith("nvidia-") for name in lock.read_lock("tf").pins)


def test_unknown_flavour_lists_the_known_ones():
    with pytest.raises(UsageError, match="'tpu' is not an image flavour; use one of: colab, colab-gpu, hub, plain, tf, tf-gpu"):
        lock.flavour("tpu")


def test_the_compile_command_targets_the_images_python():
    command = uvcompile.compile_command(["requirements.in", "-"], lock.lock_path("tf-gpu"), lock.flavour("tf-gpu"))
    assert command[0].endswith("uv") and command[1:3] == ["pip", "compile"] and "--generate-hashes" in command
    assert "rfc3987-syntax" in command, "the slow optional IRI check stays out of the image"
    assert "libclang" in command, "TensorFlow's build-time bindings stay out of the image"
    assert command[command.index("--python-version") + 1] == "3.11"
    colab = uvcompile.compile_command(["colab-requirements.in", "-"], lock.lock_path("colab"), lock.flavour("colab"))
    assert colab[colab.index("--python-version") + 1] == "3.13", "Colab's Python, trixie's python3"


def test_an_intact_lock_is_kept_as_uvs_preference_and_a_tampered_one_is_not(tmp_path):
    good = tmp_path / "lock-tf.txt"
    good.write_text(lock.render("tf", "six==1.16.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"))
    assert lock.locked_body(good).startswith("six==1.16.0")
    good.write_text(good.read_text().replace("1.16.0", "1.17.0"))
    assert lock.locked_body(good) is None
    assert lock.locked_body(tmp_path / "missing.txt") is None
