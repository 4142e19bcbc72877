import shutil
import tarfile
from unittest.mock import MagicMock

import pytest

from localab.host.engine import Engine
from localab.host.errors import BuildFailed, UsageError
from localab.host.image import build as image
from localab.host.image import builders, lock

PEM = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----"


def plan(environ=None, **kwargs):
    return image.plan("tf", environ=environ or {}, pip_cert=lambda: None, **kwargs)


def test_labels_say_what_is_inside():
    built = plan()
    labels = built.labels
    assert labels["io.localab.flavour"] == "tf"
    assert labels["io.localab.tensorflow"] == lock.read_lock("tf").tensorflow_version
    assert labels["io.localab.lock-sha256"] == lock.read_lock("tf").sha256
    assert labels["org.opencontainers.image.created"].endswith("Z")
    assert labels["org.opencontainers.image.version"]
    assert built.buildargs["BASE"] == "localab-base:bookworm" and built.ref == "localab:tf"


def test_proxies_become_build_arguments():
    assert plan({"HTTPS_PROXY": "http://proxy:3128"}).buildargs["HTTPS_PROXY"] == "http://proxy:3128"


def members(built):
    with tarfile.open(fileobj=image.build_context(built)) as archive:
        return {m.name: (archive.extractfile(m).read() if m.isfile() else None) for m in archive.getmembers()}


def test_the_context_holds_only_what_the_dockerfile_copies(tmp_path):
    names = members(plan())
    assert {"Dockerfile", "trust-ca.sh", "lock.txt", "ca"} <= set(names)
    assert {"py/localab/__init__.py", "py/localab/guest/start.py", "py/localab/workloads/__init__.py",
            "py/localab/guest/stand_in/google/colab/__init__.py"} <= set(names)
    assert not [n for n in names if n.startswith(("py/localab/host", "py/localab/cli"))], "the host side stays out"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith("ca/") and n != "ca"]
    assert names["lock.txt"] == lock.lock_path("tf").read_bytes()


def test_a_named_ca_bundle_goes_into_the_context_one_certificate_a_file(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(PEM + b"\n" + PEM)
    names = members(plan({"PIP_CERT": str(bundle)}))
    assert sorted(n for n in names if n.startswith("ca/")) == ["ca/host-000.crt", "ca/host-001.crt"]
    assert names["ca/host-000.crt"].strip() == PEM


def test_a_missing_ca_path_stops_the_build_before_the_engine_is_asked(tmp_path, monkeypatch):
    engine = MagicMock(spec=Engine)
    engine.image.return_value = {"Id": "sha256:base"}  # the base is here
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    builds = []
    monkeypatch.setattr(image.builders, "buildkit", lambda *args, **kwargs: builds.append(args))
    with pytest.raises(UsageError, match="SSL_CERT_FILE"):
        image.build(engine, "tf", base="localab-base:bookworm", say=lambda line: None)
    engine.build.assert_not_called()
    assert builds == []


def test_progress_shows_steps_and_the_failing_step_with_its_last_lines():
    lines = []
    progress = builders.Progress(lines.append)
    progress.feed({"stream": "Step 1/2 : FROM base\n"})
    progress.feed({"stream": " ---> abc\n"})
    progress.feed({"stream": "Step 2/2 : RUN pip install\n"})
    progress.feed({"stream": "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES\n"})
    with pytest.raises(BuildFailed) as error:
        progress.feed({"error": "returned a non-zero code: 1", "errorDetail": {"message": "returned a non-zero code: 1"}})
    assert "Step 2/2 : RUN pip install" in str(error.value)
    assert "DO NOT MATCH THE HASHES" in str(error.value)
    assert lines[0] == "Step 1/2 : FROM base"


def test_ensure_image_builds_only_when_missing_or_built_from_other_sources(monkeypatch):
    engine = MagicMock(spec=Engine)
    current = image.source_digest("tf")
    engine.image.return_value = {"Id": "sha256:abc", "Config": {"Labels": {"io.localab.source-sha256": current}}}
    assert image.ensure_image(engine, "tf", say=lambda _: None)["Id"] == "sha256:abc"
    engine.build.assert_not_called()
    rebuilt = []
    monkeypatch.setattr(image, "build", lambda engine, flavour, say, base=None: rebuilt.append(flavour) or {"Id": "new"})
    engine.image.return_value = {"Id": "sha256:old", "Config": {"Labels": {"io.localab.source-sha256": "0" * 64}}}
    said = []
    assert image.ensure_image(engine, "tf", say=said.append) == {"Id": "new"}
    assert rebuilt == ["tf"] and "other sources" in said[0]


def test_the_source_digest_follows_guest_code_but_not_caches(tmp_path, monkeypatch):
    for part in ("localab/guest", "localab/workloads"):
        shutil.copytree(image.ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(image.ROOT / "localab" / "__init__.py", tmp_path / "localab" / "__init__.py")
    monkeypatch.setattr(image, "source_root", lambda: tmp_path)
    guest = tmp_path / "localab" / "guest"
    digest = image.source_digest("tf")
    assert digest == image.source_digest("tf")
    assert digest != image.source_digest("tf-gpu")
    cache = guest / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "start.cpython-311.pyc").write_bytes(b"compiled")
    assert image.source_digest("tf") == digest, "a bytecode cache is not a source"
    start = guest / "start.py"
    start.write_text(start.read_text() + "\n# an edit\n")
    assert image.source_digest("tf") != digest, "an edit to guest code must rebuild the image"


def test_manifest_diff_lists_changed_added_and_removed():
    old = {"flavour": "cpu", "python": "3.11.2", "distributions": {"numpy": "2.0", "six": "1.0"}}
    new = {"flavour": "cpu", "python": "3.11.2", "distributions": {"numpy": "2.1", "rich": "15"}}
    assert image.manifest_diff(old, new) == ["~ numpy 2.0 -> 2.1", "+ rich 15", "- six 1.0"]
    assert image.manifest_diff(old, old) == []


def test_manifest_of_a_missing_image_says_how_to_build_it():
    engine = MagicMock(spec=Engine)
    engine.image.return_value = None
    with pytest.raises(UsageError, match="localab build"):
        image.manifest(engine, "localab:nope")
