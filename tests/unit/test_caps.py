from localab.host import caps, profiles


def seed():
    return profiles.load().get("p100")


def test_caps_follow_the_profile_without_a_gpu_runtime():
    planned, notes = caps.plan_caps(seed(), use_gpu=False, host_cpus=2, scratch_possible=False)
    assert planned.memory_bytes == planned.memory_swap_bytes == 16 << 30
    assert planned.nano_cpus == 2_000_000_000
    assert planned.gpus == 0 and planned.gpu_memory_bytes == 0
    assert planned.scratch_bytes is None
    assert any("GPU (Tesla P100-PCIE-16GB) is left out" in n for n in notes)
    assert any("scratch is not capped" in n for n in notes)


def test_the_gpu_and_its_memory_cap_when_the_host_has_one():
    planned, notes = caps.plan_caps(seed(), use_gpu=True, host_cpus=8, scratch_possible=True)
    assert planned.gpus == 1 and planned.gpu_memory_bytes == 16 << 30
    assert planned.scratch_bytes == 300 << 30 and notes == []
    options = caps.run_options(planned)
    request = options["device_requests"][0]
    assert request["Count"] == 1 and ["gpu", "utility", "compute"] in request["Capabilities"]
    assert options["storage_opt"] == {"size": str(300 << 30)}
    assert caps.environment(planned)["LOCALAB_GPU_MEMORY_MB"] == str(16 * 1024)


def test_cpus_are_clamped_to_the_host_and_said():
    planned, notes = caps.plan_caps(profiles.load().get("high-ram"), use_gpu=False, host_cpus=2, scratch_possible=True)
    assert planned.nano_cpus == 2_000_000_000
    assert any("asks for 8 CPUs; this host has 2" in n for n in notes)


def test_run_options_enforce_memory_without_swap():
    planned, _ = caps.plan_caps(profiles.load().get("cpu"), use_gpu=False, host_cpus=2, scratch_possible=False)
    options = caps.run_options(planned)
    assert options["mem_limit"] == options["memswap_limit"] == planned.memory_bytes
    assert options["shm_size"] == planned.shm_bytes and options["pids_limit"] == 4096
    assert "cap_drop" not in options, "security options belong to the run spec"
    assert "device_requests" not in options and "storage_opt" not in options
    env = caps.environment(planned)
    assert env == {"LOCALAB_PROFILE": "cpu", "LOCALAB_LIFETIME_S": "43200", "LOCALAB_IDLE_S": "5400"}


def test_applied_reads_the_caps_back_from_inspect():
    inspected = {"HostConfig": {"Memory": 100, "MemorySwap": 100, "NanoCpus": 2_000_000_000, "ShmSize": 64,
                                "PidsLimit": 4096, "DeviceRequests": [{"Count": 1, "Capabilities": [["gpu"]]}],
                                "StorageOpt": None}}
    assert caps.applied(inspected) == {"memory_bytes": 100, "memory_swap_bytes": 100, "nano_cpus": 2_000_000_000,
                                       "shm_bytes": 64, "pids_limit": 4096, "gpus": 1, "scratch_bytes": None}


def test_scratch_cap_only_where_the_driver_can():
    assert not caps.scratch_cap_possible({"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]})
    assert caps.scratch_cap_possible({"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "xfs"]]})
    assert caps.scratch_cap_possible({"Driver": "btrfs", "DriverStatus": []})


def test_every_container_but_a_sudo_runtime_is_locked_down():
    from localab.host import runspec
    from localab.host.plan import EngineFacts, plan

    profile = profiles.load().get("cpu")
    facts = EngineFacts(cpus=2, gpu_runtime=False, scratch_cap=False)
    locked = runspec.run_spec(plan(profile, facts), user="1000:100", drive="/d").docker_options()
    assert locked["cap_drop"] == ["ALL"] and locked["security_opt"] == ["no-new-privileges"]
    assert locked["user"] == "1000:100"
    sudo = runspec.run_spec(plan(profile, facts, sudo=True), user="1000:100", drive="/d").docker_options()
    assert sudo["cap_drop"] == ["MKNOD", "NET_RAW"] and "security_opt" not in sudo and sudo["user"] == "0:0"
    assert sudo["environment"]["LOCALAB_RUN_AS"] == "1000:100"
