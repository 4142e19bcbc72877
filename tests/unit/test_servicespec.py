"""A runtime's run spec said as a swarm service, per engine API version (on a real swarm:
tests/integration/test_swarm.py)."""

import dataclasses

from localab.host import profiles
from localab.host.hub import servicespec
from localab.host.hub.settings import spawned_spec
from localab.host.plan import EngineFacts, plan


def spec_of(name="cpu", gpu=False, scratch=False):
    return spawned_spec(plan(profiles.load().get(name), EngineFacts(cpus=8, gpu_runtime=gpu, scratch_cap=scratch)))


def test_the_envelope_is_a_services_limits_and_shm_a_sized_tmpfs():
    spec = spec_of()
    template, unenforced = servicespec.task_template(spec, "1.41")
    caps, container = spec.caps, template["ContainerSpec"]
    assert template["Resources"] == {"Limits": {"NanoCPUs": caps.nano_cpus, "MemoryBytes": caps.memory_bytes,
                                                "Pids": caps.pids_limit}}
    assert {"Type": "tmpfs", "Target": "/dev/shm", "TmpfsOptions": {"SizeBytes": caps.shm_bytes}} in container["Mounts"]
    assert [m["Target"] for m in container["Mounts"][:-1]] == [m.target for m in spec.mounts]
    assert container["User"] == spec.user and container["CapabilityDrop"] == ["ALL"]
    assert sorted(container["Env"]) == sorted(f"{k}={v}" for k, v in spec.environment.items())
    assert template["RestartPolicy"] == {"Condition": "none"}, "a runtime that ended is not started again elsewhere"
    assert [line.split(" ")[0] for line in unenforced] == ["no-new-privileges", "swap:"]


def test_what_an_older_or_newer_engine_can_enforce_moves_between_the_lists():
    old, old_unenforced = servicespec.task_template(spec_of(), "1.40")
    assert "Pids" not in old["Resources"]["Limits"] and "CapabilityDrop" not in old["ContainerSpec"]
    assert any(line.startswith("pids limit") for line in old_unenforced)
    assert any(line.startswith("dropped capabilities") for line in old_unenforced)
    new, new_unenforced = servicespec.task_template(spec_of(), "1.46")
    assert new["ContainerSpec"]["Privileges"] == {"NoNewPrivileges": True}
    assert not any("no-new-privileges" in line for line in new_unenforced)


def test_a_gpu_runtime_reserves_gpus_and_a_scratch_cap_is_named():
    spec = spec_of("p100", gpu=True, scratch=True)
    template, unenforced = servicespec.task_template(spec, "1.41")
    assert template["Resources"]["Reservations"] == {
        "GenericResources": [{"DiscreteResourceSpec": {"Kind": "NVIDIA-GPU", "Value": 1}}]}
    assert any(line.startswith("scratch size") for line in unenforced)
    cpu_only = dataclasses.replace(spec, caps=dataclasses.replace(spec.caps, gpus=0))
    assert "Reservations" not in servicespec.task_template(cpu_only, "1.41")[0]["Resources"]
