"""Property tests: whatever a user types, it is refused with a UsageError or becomes
well-formed engine arguments; nothing unvalidated reaches the engine."""

import ipaddress
import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localab.guest import contract
from localab.host import profiles
from localab.host.bench import runner as bench
from localab.host.errors import UsageError
from localab.host.lifecycle import verbs
from tests.utils.fake_engine import drive_up, fake_engine

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


@given(name=st.one_of(text, st.sampled_from(["default", "lab-2", "x.y"])),
       port=st.one_of(st.none(), text, st.integers(-5, 70000).map(str), st.sampled_from(["²", "８８８８", "18888", " 1"])),
       profile=st.one_of(st.none(), text, st.sampled_from(["cpu", "free", "p100"])),
       keymap=st.one_of(st.none(), text, st.sampled_from(["colab", "jupyterlab"])),
       listen=st.one_of(text, st.sampled_from(["127.0.0.1", "::1", "0.0.0.0", "", "localhost", "::", "1.2.3"])),
       drive=st.one_of(st.none(), text))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_up_input_is_refused_or_becomes_well_formed_engine_arguments(tmp_path, monkeypatch, name, port, profile,
                                                                    keymap, listen, drive):
    monkeypatch.setenv("LOCALAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(verbs.drives, "prepare_drive", lambda path: None)  # nothing is created on the host
    engine = fake_engine()
    request = verbs.UpRequest(name=name, port=port, profile=profile, keymap=keymap, listen=listen,
                                  drive=str(tmp_path / "drives" / drive) if drive else None)
    try:
        options = drive_up(engine, request, monkeypatch)
    except UsageError:
        engine.run.assert_not_called()
        return
    OUTCOMES["started"] += 1
    assert re.fullmatch(r"localab-[a-z0-9][a-z0-9_.-]{0,40}", options["name"])
    [(address, host_port)] = options["ports"].values()
    assert ipaddress.ip_address(address) and 1 <= host_port <= 65535
    targets = (str(contract.DRIVE), str(contract.DRIVE_READONLY), str(contract.SECRETS_MOUNT), str(contract.TOKEN_MOUNT))
    for volume in options["volumes"]:
        source, target, mode = volume.split(":")
        assert source.startswith("/") and target in targets and mode in ("ro", "rw"), volume
    assert options["cap_drop"] == ["ALL"] and options["mem_limit"] == options["memswap_limit"] > 0
    assert options["labels"]["io.localab.runtime.keymap"] in profiles.KEYMAPS


OUTCOMES = {"started": 0}


def test_the_up_property_reached_the_engine():
    """The property above proves nothing if every example was refused."""
    assert OUTCOMES["started"] > 0


@given(workload=text, scale=text, runs=st.one_of(st.none(), text), pipeline=text)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_bench_input_is_refused_or_names_known_things(tmp_path, workload, scale, runs, pipeline):
    try:
        request = bench.BenchRequest(workload=workload, scale=scale, runs=bench.parse_runs(runs), pipeline=pipeline,
                                     drive=str(tmp_path / "drive"))
        workloads, _ = bench.validate(request)
    except UsageError:
        return
    from localab.host.bench import registry

    assert workloads and {w.name for w in workloads} <= set(registry.REGISTRY) and scale in bench.SCALES
    assert pipeline in bench.PIPELINES and all(registry.get(w.name) is w for w in workloads)
