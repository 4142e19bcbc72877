"""Property tests: whatever a user types, it is refused with a UsageError or becomes
well-formed engine arguments; nothing unvalidated reaches the engine."""

import re
import string
from unittest.mock import MagicMock

from hypothesis import HealthCheck, given, settings, strategies as st

from runtime import bench, lifecycle, profiles
from runtime.engine import Engine
from runtime.errors import UsageError

INFO = {"NCPU": 2, "Runtimes": {"runc": {}}, "Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]}
text = st.text(alphabet=string.printable + "é/\\0", max_size=40)
FIELDS = {
    "description": st.text(max_size=10),
    "memory": st.one_of(text, st.integers(-10, 1 << 40), st.sampled_from(["16G", "12.7GB", "512M"])),
    "cpus": st.one_of(st.floats(allow_nan=True), st.integers(-5, 5000), text, st.booleans()),
    "shm": st.one_of(text, st.sampled_from(["64M", "8G"])),
    "scratch": st.one_of(text, st.sampled_from(["100G"])),
    "pids": st.one_of(st.integers(-10, 100000), text, st.booleans()),
    "gpu": st.one_of(text, st.integers()),
    "gpu_memory": st.one_of(text, st.sampled_from(["0", "16G"])),
    "lifetime": st.one_of(text, st.sampled_from(["12h", "90m", "0"])),
    "idle": st.one_of(text, st.sampled_from(["90m", "0"])),
    "keymap": st.one_of(text, st.sampled_from(["colab", "jupyterlab"])),
}


@given(st.fixed_dictionaries({}, optional=FIELDS))
@settings(max_examples=300, deadline=None)
def test_any_profile_is_refused_or_sane(spec):
    try:
        profile = profiles.parse_profile("fuzz", spec)
    except UsageError as error:
        assert str(error).startswith("profiles: profiles.fuzz"), str(error)
        return
    assert profile.memory_bytes >= 256 << 20 and 0 < profile.cpus <= 1024 and profile.pids_limit >= 64
    assert profile.shm_bytes >= 0 and profile.lifetime_s >= 0 and profile.idle_s >= 0
    assert profile.keymap in profiles.KEYMAPS


@given(name=st.one_of(text, st.just("default")), port=st.one_of(st.none(), text, st.integers(-5, 70000).map(str)),
       profile=st.one_of(st.none(), text, st.sampled_from(["cpu", "free", "p100"])),
       keymap=st.one_of(st.none(), text, st.just("colab")), listen=st.sampled_from(["127.0.0.1"]))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_up_input_is_refused_or_becomes_well_formed_engine_arguments(tmp_path, monkeypatch, name, port, profile, keymap, listen):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(lifecycle.ports, "is_free", lambda p, a: True)
    engine = MagicMock(spec=Engine)
    engine.info.return_value = INFO
    request = lifecycle.UpRequest(name=name, port=port, profile=profile, keymap=keymap, listen=listen,
                                  drive=str(tmp_path / "drive"))
    try:
        lifecycle.validate_name(request.name)
        lifecycle.validate_keymap(request.keymap)
        plan = lifecycle.plan_run(request, engine, say=lambda _: None)
    except UsageError:
        engine.run.assert_not_called()
        return
    options = plan["options"]
    assert re.fullmatch(r"localab-[a-z0-9][a-z0-9_.-]{0,40}", options["name"])
    [(address, host_port)] = options["ports"].values()
    assert address == "127.0.0.1" and 1 <= host_port <= 65535
    assert all(v["bind"] in (lifecycle.DRIVE_TARGET, "/run/localab/secrets") for v in options["volumes"].values())
    assert options["cap_drop"] == ["ALL"] and options["mem_limit"] == options["memswap_limit"] > 0
    assert options["labels"]["io.localab.runtime.keymap"] in profiles.KEYMAPS
    engine.run.assert_not_called()


@given(workload=text, scale=text, runs=st.one_of(st.none(), text), pipeline=text)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_bench_input_is_refused_or_names_known_things(tmp_path, workload, scale, runs, pipeline):
    try:
        request = bench.BenchRequest(workload=workload, scale=scale, runs=bench.parse_runs(runs), pipeline=pipeline,
                                     drive=str(tmp_path / "drive"))
        workloads, _ = bench.validate(request)
    except UsageError:
        return
    assert set(workloads) <= set(bench.WORKLOADS) and scale in bench.SCALES and pipeline in bench.PIPELINES
