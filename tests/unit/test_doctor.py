from unittest.mock import MagicMock

from localab.cli import health as doctor
from localab.host.engine import Engine

INFO = {"NCPU": 2, "MemTotal": 24 << 30, "MemoryLimit": True, "SwapLimit": True, "CpuCfsQuota": True,
        "PidsLimit": True, "CgroupVersion": "1", "CgroupDriver": "cgroupfs", "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"]], "Runtimes": {"runc": {}}, "DockerRootDir": "/"}


def checks(**info):
    engine = MagicMock(spec=Engine)
    engine.info.return_value = {**INFO, **info}
    engine.version.return_value = {"Version": "20.10.24", "ApiVersion": "1.41"}
    engine.image.return_value = None
    return {check.item: check for check in doctor.engine_checks(engine)}


def test_a_good_host():
    found = checks()
    assert found["engine"].level == "ok" and "20.10.24" in found["engine"].detail
    assert found["caps"].level == "ok"
    assert found["scratch"].level == "warn" and "pquota" in found["scratch"].fix
    assert found["gpu"].level == "warn" and "NVIDIA Container Toolkit" in found["gpu"].fix


def test_caps_that_cannot_be_enforced_fail_with_the_fix():
    found = checks(SwapLimit=False, PidsLimit=False)
    assert found["caps"].level == "fail" and "swap, pids" in found["caps"].detail
    assert "cgroup_enable=memory" in found["caps"].fix


def test_a_gpu_host():
    assert checks(Runtimes={"runc": {}, "nvidia": {}})["gpu"].level == "ok"


def test_a_bad_ca_variable_is_a_failure(monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    found = {check.item: check for check in doctor.host_checks(None)}
    assert found["proxy/CA"].level == "fail" and "does not exist" in found["proxy/CA"].detail


def test_lines_show_the_fix():
    line = doctor.Check("fail", "engine", "no engine", "run `localab engine`").line()
    assert line.startswith("[FAIL] engine: no engine") and "fix: run `localab engine`" in line
