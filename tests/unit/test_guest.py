"""The in-container code, exercised on the host where it needs no container."""

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from localab.guest import cgroup, env, start
from localab.host.paths import ROOT


def write(root: Path, files: dict) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_cgroup_v2_limits(tmp_path):
    root = write(tmp_path, {"memory.max": "17179869184\n", "memory.current": "1024\n", "cpu.max": "150000 100000\n"})
    assert cgroup.memory_limit(root) == 16 << 30
    assert cgroup.memory_usage(root) == 1024
    assert cgroup.cpu_limit(root) == 1.5


def test_cgroup_v2_unlimited(tmp_path):
    root = write(tmp_path, {"memory.max": "max\n", "cpu.max": "max 100000\n"})
    assert cgroup.memory_limit(root) is None and cgroup.cpu_limit(root) is None


def test_cgroup_v1_limits(tmp_path):
    root = write(tmp_path, {"memory/memory.limit_in_bytes": "13636440064\n", "memory/memory.usage_in_bytes": "5\n",
                            "cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"})
    assert cgroup.memory_limit(root) == 13636440064 and cgroup.cpu_limit(root) == 2.0


def test_cgroup_v1_unlimited(tmp_path):
    root = write(tmp_path, {"memory/memory.limit_in_bytes": "9223372036854771712\n",
                            "cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"})
    assert cgroup.memory_limit(root) is None and cgroup.cpu_limit(root) is None


def test_thread_pools_follow_the_quota_rounded_up(tmp_path):
    root = write(tmp_path, {"cpu.max": "50000 100000\n"})
    assert cgroup.usable_cpus(root) == 1


def test_runtime_environment(tmp_path):
    drive = tmp_path / "MyDrive"
    drive.mkdir()
    marker = tmp_path / "ca-bundle"
    marker.write_text("/etc/ssl/certs/ca-certificates.crt\n")
    result = env.runtime_environment({"OMP_NUM_THREADS": "7"}, cpus=2, drive=drive, ca_marker=marker)
    assert result["OMP_NUM_THREADS"] == "7", "what the user set stays"
    assert result["TF_NUM_INTRAOP_THREADS"] == "2" and result["TF_NUM_INTEROP_THREADS"] == "2"
    assert result["KERAS_HOME"] == str(drive / "localab" / "cache" / "keras")
    assert result["PIP_CERT"] == result["REQUESTS_CA_BUNDLE"] == "/etc/ssl/certs/ca-certificates.crt"


def test_tcmalloc_is_preloaded_where_the_image_has_it_unless_the_user_said_otherwise(tmp_path):
    library = tmp_path / "libtcmalloc_minimal.so.4"
    library.write_bytes(b"")
    result = env.runtime_environment({}, cpus=2, drive=tmp_path / "none", ca_marker=tmp_path / "none",
                                     allocators=(str(tmp_path / "missing.so"), str(library)))
    assert result["LD_PRELOAD"] == str(library) and int(result["TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD"]) >= 16 << 30
    kept = env.runtime_environment({"LD_PRELOAD": ""}, cpus=2, drive=tmp_path / "none", ca_marker=tmp_path / "none",
                                   allocators=(str(library),))
    assert kept["LD_PRELOAD"] == "", "an explicit empty LD_PRELOAD keeps glibc's malloc"
    none = env.runtime_environment({}, cpus=2, drive=tmp_path / "none", ca_marker=tmp_path / "none",
                                   allocators=(str(tmp_path / "missing.so"),))
    assert "LD_PRELOAD" not in none


def test_no_ca_named_at_build_changes_nothing(tmp_path):
    result = env.runtime_environment({}, cpus=1, drive=tmp_path / "none", ca_marker=tmp_path / "none")
    assert not set(env.CA_VARS) & set(result) and "KERAS_HOME" not in result


def test_idle_time_from_jupyter_status():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert start.idle_for({"last_activity": "2026-01-01T11:58:00.000000Z"}, now) == 120
    assert start.idle_for(None, now) == 0


FAKE_TF = '''
calls = []
class LogicalDeviceConfiguration:
    def __init__(self, memory_limit):
        self.memory_limit = memory_limit
class config:
    @staticmethod
    def list_physical_devices(kind):
        return ["GPU:0", "GPU:1"] if kind == "GPU" else []
    @staticmethod
    def set_logical_device_configuration(device, configs):
        calls.append((device, [c.memory_limit for c in configs]))
    LogicalDeviceConfiguration = LogicalDeviceConfiguration
'''


def run_with_hook(tmp_path, megabytes: str) -> str:
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(FAKE_TF)
    code = "import localab.guest.gpucap\nimport tensorflow\nprint(tensorflow.calls)"
    env_vars = {"PYTHONPATH": f"{ROOT}:{tmp_path}", "LOCALAB_GPU_MEMORY_MB": megabytes, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], env=env_vars, capture_output=True, text=True, check=True).stdout


def test_the_gpu_memory_cap_is_applied_the_moment_tensorflow_is_imported(tmp_path):
    assert run_with_hook(tmp_path, "16384").strip() == "[('GPU:0', [16384]), ('GPU:1', [16384])]"


def test_no_cap_without_the_variable(tmp_path):
    assert run_with_hook(tmp_path, "").strip() == "[]"


def test_a_cache_that_cannot_be_made_is_dropped_not_fatal(tmp_path, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    environment = {"KERAS_HOME": str(blocked / "keras"), "PIP_CACHE_DIR": str(tmp_path / "pip")}
    env.make_cache_dirs(environment)
    assert "KERAS_HOME" not in environment and (tmp_path / "pip").is_dir()
    assert "KERAS_HOME stays at its default" in capsys.readouterr().out


def test_a_uid_without_a_passwd_entry_gets_one_through_nss_wrapper_not_etc_passwd(tmp_path, monkeypatch):
    from localab.guest import start

    library = tmp_path / "libnss_wrapper.so"
    library.write_bytes(b"")
    monkeypatch.setattr(start, "NSS_WRAPPER", (str(library),))
    before = open("/etc/passwd").read()
    environ = {"LD_PRELOAD": "/other.so"}
    start.user_identity(environ, uid=4242, gid=100, folder=str(tmp_path))
    assert environ["LD_PRELOAD"] == f"/other.so {library}"
    assert "colab-4242:x:4242:100:" in open(environ["NSS_WRAPPER_PASSWD"]).read()
    assert open(environ["NSS_WRAPPER_GROUP"]).read() == open("/etc/group").read()
    assert open("/etc/passwd").read() == before, "/etc/passwd is never written"
    known = {}
    start.user_identity(known, uid=0, gid=0)
    assert known == {}, "a uid with an entry needs nothing"


def test_the_entry_process_ends_an_idle_server_only_without_kernels_or_activity():
    from datetime import datetime, timezone

    from localab.guest import start

    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    quiet = {"kernels": 0, "last_activity": "2026-01-01T11:59:30.000000Z"}
    assert start.idle_over(quiet, now, 20) is True
    assert start.idle_over({**quiet, "kernels": 1}, now, 20) is False, "a kernel is activity"
    assert start.idle_over(quiet, now, 60) is False, "not idle long enough"
    assert start.idle_over(None, now, 20) is False, "no answer from the server: not idle"
