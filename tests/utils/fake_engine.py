"""A MagicMock engine for unit tests, and `up()` driven through it: the real verb with
only the engine, the image build, the readiness poll and the drive's mounts (driveview) stood in for
(tests/integration and tests/unit/test_driveview.py mount them for real)."""

from pathlib import Path
from unittest.mock import MagicMock

from localab.host.engine import Engine
from localab.host.lifecycle import verbs

INFO = {"NCPU": 2, "Runtimes": {"runc": {}}, "Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]}
GPU_INFO = {**INFO, "Runtimes": {"runc": {}, "nvidia": {}}}


def fake_engine(info: dict = INFO, container: dict | None = None) -> MagicMock:
    engine = MagicMock(spec=Engine)
    engine.info.return_value = info
    engine.container.return_value = container
    engine.changes.return_value = []  # nothing left in /content
    engine.exec.return_value = (0, "")
    return engine


def drive_up(engine: MagicMock, request: verbs.UpRequest, monkeypatch) -> dict | None:
    """Run the real `up()`; returns engine.run's keywords (image first as "image"), or None
    when up() did not start a container."""
    monkeypatch.setattr(verbs.images, "ensure_image", lambda engine, flavour, say=print, base=None, force=False: {"Id": "sha256:x"})
    monkeypatch.setattr(verbs, "wait_ready", lambda *a, **k: 0.0)
    monkeypatch.setattr(verbs.ports, "is_free", lambda port, address: True)
    monkeypatch.setattr(verbs.driveview, "mount",
                        lambda drive, name, owner, sudo: Path("/view-of") / drive.name if sudo else drive)
    verbs.up(engine, request, say=lambda _: None)
    if not engine.run.called:
        return None
    args, kwargs = engine.run.call_args
    return {"image": args[0], **kwargs} if args else dict(kwargs)
