"""Colab's freeze as a lock's input: the parsing, the moves uv's messages call for, the parity."""

import json

import pytest

from localab.host.errors import UsageError
from localab.host.image import colab, colablock, lock, locking, pypi
from localab.host.paths import DOCKER_DIR

FREEZE = DOCKER_DIR / "colab" / "pip-freeze.txt"


def test_colabs_own_freeze_reads_with_every_url_pin_explained():
    pins = {pin.name: pin for pin in colab.read_freeze(FREEZE)}
    assert len(pins) > 600 and pins["tensorflow"].version == "2.20.0"
    assert pins["torch"].version == "2.11.0" and "download.pytorch.org" in pins["torch"].reason
    assert pins["google-colab"].version is None and "stand-in" in pins["google-colab"].reason
    assert pins["jupyter-kernel-gateway"].version is None and "git+" in pins["jupyter-kernel-gateway"].reason


@pytest.mark.parametrize("text, wrong", [
    ("[global]\ncert = /x\n", "'[global]' is not a line of `pip freeze`"),
    ("numpy==2.1.3\npandas>=2\n", "'pandas>=2' is not a line"),
    ("# only a comment\n", "pins 0 distributions"),
    ("\x00\x01binary", "is not a line of `pip freeze`"),
])
def test_a_file_that_is_not_a_freeze_is_refused_with_its_line(tmp_path, text, wrong):
    path = tmp_path / "freeze.txt"
    path.write_text(text)
    with pytest.raises(UsageError, match="colab freeze: ") as caught:
        colab.read_freeze(path)
    assert wrong in str(caught.value)


def test_a_missing_freeze_file_says_what_to_name(tmp_path):
    with pytest.raises(UsageError, match="cannot read .*pip-freeze.txt of googlecolab/backend-info"):
        colab.read_freeze(tmp_path / "nope.txt")


def test_nearest_takes_the_closest_release_below_else_above_and_skips_pre_releases():
    assert pypi.nearest("1.5.0", {"1.2.0", "1.4.9", "1.6.0", "1.5.1rc1"}) == "1.4.9"
    assert pypi.nearest("0.1", {"0.3", "0.2"}) == "0.2"
    assert pypi.nearest("1.0", set()) is None


def test_wheel_tags_for_colabs_python_accept_cp313_and_abi3_but_not_cp311():
    tags = pypi.supported_tags("3.13")
    from packaging.tags import Tag

    assert Tag("cp313", "cp313", "manylinux_2_28_x86_64") in tags
    assert Tag("cp39", "abi3", "manylinux2014_x86_64") in tags
    assert Tag("py3", "none", "any") in tags
    assert Tag("cp311", "cp311", "manylinux_2_28_x86_64") not in tags
    assert Tag("cp313", "cp313", "macosx_11_0_arm64") not in tags


def test_uvs_conflict_moves_the_dependency_not_what_depends_on_it():
    pins = {name: colab.Pin(name, version, version) for name, version in
            (("torch", "2.11.0"), ("nvidia-nccl-cu13", "2.31.2"))}
    message = ("  × No solution found when resolving dependencies:\n  ╰─▶ Because torch==2.11.0 depends on "
               "nvidia-nccl-cu13{sys_platform == 'linux'}==2.28.9 and you require nvidia-nccl-cu13==2.31.2, we can "
               "conclude that your requirements and torch==2.11.0 are incompatible.\n      And because you require "
               "torch==2.11.0, we can conclude that your requirements are unsatisfiable.")
    name, why = colablock._culprit(message, pins)
    assert name == "nvidia-nccl-cu13" and why.startswith("conflicts with the rest (torch==2.11.0 depends on")


def test_when_two_pins_need_different_versions_of_a_third_the_substituted_one_moves():
    pins = {"torch": colab.Pin("torch", "URL", "2.11.0", "Colab installs 2.11.0+cu128 from download.pytorch.org"),
            "cudf-cu12": colab.Pin("cudf-cu12", "26.2.1", "26.2.1"),
            "cuda-toolkit": colab.Pin("cuda-toolkit", "12.8.1", "", "conflicts")}
    message = ("Because cudf-cu12==26.2.1 depends on cuda-toolkit[nvcc]==12.* and torch==2.11.0 depends on "
               "cuda-toolkit[cublas]==13.0.2, we can conclude that cudf-cu12==26.2.1 and torch==2.11.0 are incompatible. "
               "And because you require cudf-cu12==26.2.1 and torch==2.11.0, we can conclude that your requirements "
               "are unsatisfiable.")
    assert colablock._culprit(message, pins)[0] == "torch"


def test_a_source_that_does_not_build_and_a_version_without_wheels_are_named():
    pins = {"cyipopt": colab.Pin("cyipopt", "1.5.0", "1.5.0"), "foo": colab.Pin("foo", "1", "1")}
    assert colablock._culprit("error: Failed to build `cyipopt==1.5.0`\n  cause: ...", pins) == \
        ("cyipopt", "its source does not build here")
    assert colablock._culprit("Because foo==1 has no usable wheels and you require foo==1, ...", pins)[0] == "foo"
    assert colablock._culprit("error: something else entirely", pins) == (None, "")
    # a pin already free to take any version (""), whose every release lacks a usable wheel
    pins["libcugraph-cu12"] = colab.Pin("libcugraph-cu12", "26.2.0", "", wheel_only=True)
    message = ("Because raft-dask-cu12==26.2.0 depends on libraft-cu12==26.2.* and libcugraph-cu12>=26.10.0 depends "
               "on libraft-cu12==26.10.*, we can conclude that libcugraph-cu12>=26.10.0 and raft-dask-cu12==26.2.0 are "
               "incompatible. And because libcugraph-cu12<=26.8.0 has no usable wheels, we can conclude that all "
               "versions of libcugraph-cu12 and raft-dask-cu12==26.2.0 are incompatible.")
    assert colablock._culprit(message, pins) == ("libcugraph-cu12", "uv cannot use that version here")


def test_parity_counts_same_other_missing_with_reasons():
    pins = [colab.Pin("a", "1.0", "1.0"), colab.Pin("b", "2.0", "2.1", "no wheel"), colab.Pin("c", "3", None, "gone"),
            colab.Pin("lark", "1.3.1", "1.3.1")]
    rows = colab.parity(pins, {"a": "1.0", "b": "2.1"}, left_out={"lark": "slow import"})
    assert colab.summary(rows) == {"same": 1, "other": 1, "missing": 2}
    assert rows["b"]["reason"] == "no wheel" and rows["lark"]["reason"] == "slow import"
    report = {"flavour": "colab", "freeze": "f", "source": "s", "python": "3.13", "packages": rows}
    text = colab.render(report)
    assert "at Colab's version: 1" in text and "  b 2.0 -> 2.1: no wheel" in text and "  c 3: gone" in text
    # an image is judged by what it holds, not by what the lock meant to put in it
    checked = colab.against_image(report, {"a": "1.0", "b": "2.1", "c": "3"})
    assert colab.summary(checked["packages"]) == {"same": 2, "other": 1, "missing": 1}


def test_the_committed_parity_matches_the_committed_lock():
    report = json.loads(lock.parity_path("colab").read_text())
    pins = lock.read_lock("colab").pins
    for name, row in report["packages"].items():
        assert row["image"] == pins.get(name), f"{name}: parity and lock disagree; run `localab lock --flavour colab`"
    assert report["python"] == "3.13" and colab.summary(report["packages"])["same"] > 600


def test_colab_freeze_for_a_flavour_without_one_is_refused_before_anything_is_written(tmp_path):
    before = lock.lock_path("tf").read_text()
    with pytest.raises(UsageError, match="colab-freeze: the 'tf' flavour is not built from Colab's freeze; use one "
                                         "of: colab, colab-gpu"):
        locking.write_lock("tf", colab_freeze=FREEZE)
    assert lock.lock_path("tf").read_text() == before


def test_user_names_a_runtime_flavour_and_gets_its_gpu_sibling_from_the_plan():
    assert lock.runtime_flavour("colab") == "colab"
    with pytest.raises(UsageError, match="'hub' is not a runtime image; use one of: colab, tf"):
        lock.runtime_flavour("hub")
    with pytest.raises(UsageError, match="GPU image follows from --gpu"):
        lock.runtime_flavour("colab-gpu")


def _sdist(tmp_path, name: str, files: dict[str, str], suffix=".tar.gz") -> str:
    import io
    import tarfile
    import zipfile

    path = tmp_path / f"{name}{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            for member, text in files.items():
                archive.writestr(f"{name}/{member}", text)
    else:
        with tarfile.open(path, "w:gz") as archive:
            for member, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(f"{name}/{member}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path.as_uri()


def test_a_source_the_image_cannot_build_is_named_with_its_reason(tmp_path):
    pure = _sdist(tmp_path, "pure-1.0", {"pyproject.toml": "[build-system]\nbuild-backend = 'hatchling.build'\n",
                                         "pure/__init__.py": ""})
    assert pypi.cannot_build(pure) is None
    cython = _sdist(tmp_path, "fast-1.0", {"setup.py": "from setuptools import setup\nsetup()\n",
                                           "fast/_speed.pyx": "def f(): pass\n"})
    assert pypi.cannot_build(cython) == pypi.NATIVE
    extension = _sdist(tmp_path, "ext-1.0", {"setup.py": "setup(ext_modules=[Extension('x', ['x.c'])])\n"},
                       suffix=".zip")
    assert pypi.cannot_build(extension) == pypi.NATIVE
    # NVIDIA's RAPIDS placeholders on PyPI (pylibcugraph-cu12 26.2.0's whole source)
    stub = _sdist(tmp_path, "pylibcugraph_cu12-26.2.0", {
        "PKG-INFO": "Name: pylibcugraph-cu12\n",
        "pyproject.toml": '[build-system]\nrequires = ["wheel-stub"]\nbuild-backend = "wheel_stub.buildapi"\n'
                          '[tool.wheel_stub]\nindex_url = "https://pypi.nvidia.com/"\n'})
    assert pypi.cannot_build(stub) == pypi.STUB
