"""Installs in the drive: where pip is pointed; and the GPU caps of PyTorch and JAX."""

import json
import sys

from localab.guest import gpucap, userpkgs


def test_the_folder_is_keyed_by_the_images_flavour_and_lock(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"flavour": "colab", "lock_sha256": "ab" * 32}))
    assert userpkgs.folder(manifest, tmp_path / "drive") == tmp_path / "drive" / "localab" / "pip" / "colab-abababababab"
    assert userpkgs.folder(tmp_path / "missing.json") is None, "outside a localab image: nothing"


def test_pip_and_the_user_site_point_into_the_drive(tmp_path):
    env = {"PATH": "/usr/bin"}
    target = tmp_path / "pip" / "colab-1"
    userpkgs.environment(env, target)
    assert env["PYTHONUSERBASE"] == str(target) and env["PIP_USER"] == "1"
    assert env["PATH"].startswith(f"{target}/bin:")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert (target / "lib" / version / "site-packages").is_dir(), "made at start: an install imports at once"


def test_a_drive_that_cannot_hold_them_leaves_pip_alone(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {}
    userpkgs.environment(env, blocker / "pip")
    assert "PYTHONUSERBASE" not in env and "pip installs stay in scratch" in capsys.readouterr().out


def test_jax_gets_the_cap_as_a_fraction_of_the_smallest_gpu():
    assert gpucap.jax_fraction(16384, [81920]) == "0.2000"
    assert gpucap.jax_fraction(16384, [81920, 40960]) == "0.4000"
    assert gpucap.jax_fraction(16384, [8192]) == "1.0000", "a cap above the card is the whole card"
    assert gpucap.jax_fraction(16384, []) is None


def test_torch_gets_its_cap_at_cudas_lazy_initialisation_not_at_import():
    queued, applied = [], []

    class Cuda:  # torch.cuda's three calls the cap makes, as a GPU-less stand-in
        _lazy_call = staticmethod(queued.append)
        device_count = staticmethod(lambda: 2)
        get_device_properties = staticmethod(lambda index: type("P", (), {"total_memory": 80 * 2**30})())
        set_per_process_memory_fraction = staticmethod(lambda fraction, index: applied.append((round(fraction, 3), index)))

    torch = type("Torch", (), {"cuda": Cuda})
    gpucap.torch_limit(torch, 16 * 1024)
    assert applied == [] and len(queued) == 1, "nothing touches CUDA at import"
    queued[0]()
    assert applied == [(0.2, 0), (0.2, 1)]
