"""Human-readable lines for status and profiles."""

from localab.guest import contract
from localab.host.lifecycle.status import Status
from localab.host.profiles import Profiles
from localab.host.units import format_duration, format_size


def status_lines(status: Status, *, show_token: bool = False) -> list[str]:
    detail = status.reason or (f"health: {status.health}" if status.health else "")
    lines = [f"runtime '{status.name}': {status.state}" + (f" ({detail})" if detail else "")]
    if status.state == "absent":
        return lines
    caps = status.caps
    cpus = f"{caps['nano_cpus'] / 1e9:g} CPUs" if caps.get("nano_cpus") else "CPUs uncapped"
    swap = "no swap" if caps.get("memory_swap_bytes") == caps.get("memory_bytes") else f"swap to {format_size(caps.get('memory_swap_bytes'))}"
    scratch = format_size(caps["scratch_bytes"]) if caps.get("scratch_bytes") else "not capped"
    rows = [
        ("url", status.login_url if show_token else
                (f"{status.url}  (the token: `localab status --show-token`)" if status.url else None)),
        ("IDE", f"VS Code / PyCharm: connect to the existing Jupyter server {status.server} with the same token; "
                f"it stays the same across up, down and reset (`localab up --new-token` changes it)"
         if status.server else None),
        ("container", f"{status.container} (image {status.image})"),
        ("profile", status.profile),
        ("privileged", "yes: started with --sudo, the notebook user may sudo (root in the container)"
         if status.privileged else None),
        ("caps", f"RAM {format_size(caps.get('memory_bytes'))} ({swap}), {cpus}, shm {format_size(caps.get('shm_bytes'))}, "
                 f"pids {caps.get('pids_limit')}, GPUs {caps.get('gpus') or 0}, scratch {scratch}"),
    ]
    if status.memory_used_bytes is not None or status.scratch_free_bytes is not None:
        used = f"RAM {format_size(status.memory_used_bytes)} of {format_size(caps.get('memory_bytes'))}"
        cpu = f", CPU {status.cpu_percent:.1f} %" if status.cpu_percent is not None else ""
        free = f", scratch free {format_size(status.scratch_free_bytes)}" if status.scratch_free_bytes is not None else ""
        rows.append(("usage", used + cpu + free))
    if status.oom_kills:
        rows.append(("memory", f"{status.oom_kills} process(es) killed for exceeding the RAM cap (OOM); "
                               f"the runtime kept serving"))
    if status.scratch_note:
        rows.append(("note", status.scratch_note))
    if status.uptime_s is not None:
        left = f", lifetime left {format_duration(status.remaining_s)} (until {status.expires_at})" if status.expires_at else ""
        rows.append(("uptime", format_duration(status.uptime_s) + left))
    elif status.started_at:
        rows.append(("started", status.started_at))
    rows.append(("drive", f"{status.drive} -> {contract.DRIVE}"))
    lines += [f"  {key:<10} {value}" for key, value in rows if value]
    return lines


def profile_rows(profiles: Profiles) -> tuple[list[str], list[list[str]]]:
    rows = []
    for profile in profiles.by_name.values():
        row = profile.row()
        if profile.name == profiles.default:
            row["profile"] += " (default)"
        rows.append(row)
    header = list(rows[0])
    return header, [[row[key] for key in header] for row in rows]
