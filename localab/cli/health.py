"""`localab doctor`: one line per thing localab needs from the host, with the fix."""

import shutil
from dataclasses import dataclass

from localab.guest import contract
from localab.host import caps, ports
from localab.host.errors import LocalabError
from localab.host.image import certs, footprint
from localab.host.image.base import BASE_IMAGE
from localab.host.image.lock import flavours, lock_names
from localab.host.plan import NVIDIA_HELP, EngineFacts
from localab.host.refs import DEFAULT_FLAVOUR, gpu_flavour, image_ref


@dataclass
class Check:
    level: str  # ok | warn | fail
    item: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[self.level]
        return f"[{mark}] {self.item}: {self.detail}" + (f"\n         fix: {self.fix}" if self.fix else "")


def engine_checks(engine) -> list[Check]:
    info, version = engine.info(), engine.version()
    checks = [Check("ok", "engine", f"Docker {version['Version']} (API {version['ApiVersion']}), {info.get('NCPU')} CPUs, "
                                    f"{info.get('MemTotal', 0) / (1 << 30):.1f} GiB")]
    enforced = {"memory": info.get("MemoryLimit"), "swap": info.get("SwapLimit"),
                "CPU quota": info.get("CpuCfsQuota"), "pids": info.get("PidsLimit")}
    missing = [name for name, ok in enforced.items() if not ok]
    cgroup = f"cgroup v{info.get('CgroupVersion', '?')} ({info.get('CgroupDriver', '?')})"
    if missing:
        checks.append(Check("fail", "caps", f"{cgroup}: the engine cannot enforce {', '.join(missing)} limits",
                            "enable the memory/cpu/pids cgroup controllers (kernel command line: cgroup_enable=memory swapaccount=1)"))
    else:
        checks.append(Check("ok", "caps", f"{cgroup}: memory (no extra swap), CPU quota and pids limits are enforced"))
    driver = info.get("Driver", "?")
    backing = dict(info.get("DriverStatus") or []).get("Backing Filesystem", "?")
    if caps.scratch_cap_possible(info):
        checks.append(Check("ok", "scratch", f"{driver} on {backing}: scratch size can be capped"))
    else:
        checks.append(Check("warn", "scratch", f"{driver} on {backing}: scratch size cannot be capped; status shows real free space",
                            "for a hard cap, put /var/lib/docker on xfs mounted with pquota"))
    if EngineFacts.of(info).gpu_runtime:
        gpus = _nvidia_gpus()
        checks.append(Check("ok", "gpu", f"NVIDIA container runtime present; GPUs: {gpus or 'none listed by nvidia-smi'}"))
    else:
        checks.append(Check("warn", "gpu", "no NVIDIA container runtime: GPU profiles run on CPU, --gpu fails", NVIDIA_HELP))
    checks.append(disk_check(footprint.engine_disk(engine), {name: engine.image(image_ref(name)) is not None
                                                             for name in lock_names()}))
    present = [ref for ref in (BASE_IMAGE, *(image_ref(name) for name in lock_names())) if engine.image(ref)]
    checks.append(Check("ok", "images", ", ".join(present) if present else "none built yet; `localab up` builds what it needs"))
    return checks


def disk_check(disk: footprint.EngineDisk, built: dict[str, bool]) -> Check:
    """The engine's free space against each runtime image's first build (built ones cost nothing
    more); a failure when the default image is missing and would not fit."""
    if disk.free_bytes is None:
        return Check("warn", "disk", f"the engine keeps images in {disk.path}, not on this machine: free space unknown")
    known = flavours()
    families = [name for name, row in known.items() if row.is_runtime and gpu_flavour(name) in known]
    rows = {name: known[name] for family in families for name in (family, gpu_flavour(family))
            if known[name].footprint}
    short = sorted(name for name, row in rows.items() if not built.get(name) and row.footprint.need_bytes > disk.free_bytes)
    detail = f"{footprint.gb(disk.free_bytes)} free under {disk.path}"
    made = [name for name in sorted(rows) if built.get(name)]
    if made:
        detail += f"; built: {', '.join(made)}"
    if len(made) < len(rows):
        detail += "; a first build of " + ", ".join(f"{name} needs {footprint.gb(row.footprint.need_bytes)}"
                                                  for name, row in sorted(rows.items()) if not built.get(name))
    if not short:
        return Check("ok", "disk", detail)
    fix = f"free space under {disk.path} (`docker image prune`, `docker builder prune`) for {', '.join(short)}"
    if "tf" not in short:
        fix += "; or start the smaller image that fits (`localab up --flavour tf`)"
    return Check("fail" if DEFAULT_FLAVOUR in short else "warn", "disk", detail, fix)


def _nvidia_gpus() -> str:
    return "; ".join(gpu["name"] for gpu in contract.nvidia_smi(("name",), timeout_s=20))


def host_checks(port: int | None) -> list[Check]:
    checks = []
    try:
        bundle = certs.find_ca_bundle()
        proxies = certs.proxy_settings()
        detail = f"CA bundle {bundle.path} ({bundle.source}, {len(bundle.certificates)} certificates)" if bundle else "no CA bundle named"
        if proxies:
            detail += "; proxies: " + ", ".join(sorted(proxies))
        checks.append(Check("ok", "proxy/CA", detail + " (builds and runtimes will trust it)" if bundle else detail))
    except LocalabError as exc:
        checks.append(Check("fail", "proxy/CA", str(exc), "fix or unset the variable it names"))
    checks.append(Check("ok", "sudo runtimes", "bindfs is installed (`up --sudo` sees its drive through it)")
                  if shutil.which("bindfs") else
                  Check("warn", "sudo runtimes", "bindfs is not installed: `localab up --sudo` is refused",
                        "sudo apt-get install bindfs"))
    if port:
        free = ports.is_free(port)
        checks.append(Check("ok" if free else "fail", "port", f"{port} on 127.0.0.1 is {'free' if free else 'in use'}",
                            "" if free else "pick another with `localab up --port N`"))
    else:
        try:
            chosen = ports.choose(None, say=lambda _: None)
            checks.append(Check("ok", "port", f"{chosen} on 127.0.0.1 is free"))
        except LocalabError as exc:
            checks.append(Check("fail", "port", str(exc)))
    return checks


def run(port: int | None = None) -> list[Check]:
    from localab.host.engine import connect

    try:
        checks = engine_checks(connect(timeout=10))
    except LocalabError as exc:
        checks = [Check("fail", "engine", str(exc).split(";")[0],
                        "run `localab engine` (installs and starts Debian's docker.io as root)")]
    return checks + host_checks(port)
