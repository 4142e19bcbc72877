"""What the page shows about the runtime: time left, the coming stop, GPU memory."""

import os
from datetime import datetime, timezone

from . import contract, lifetime


def gpu_memory() -> dict | None:
    """Memory used on the first GPU and the runtime's cap on it, when there is a GPU."""
    cap_mb = os.environ.get(contract.ENV_GPU_MEMORY_MB)
    gpus = contract.nvidia_smi(("memory.used", "memory.total"), timeout_s=5) if cap_mb else []
    try:
        used_mb, total_mb = float(gpus[0]["memory.used"]), float(gpus[0]["memory.total"])
    except (IndexError, ValueError):
        return None
    return {"used_bytes": int(used_mb * 2**20), "cap_bytes": int(min(float(cap_mb), total_mb) * 2**20)}

def status(environ=os.environ, now: float | None = None) -> dict:
    clock = lifetime.Clock.from_environ(environ)
    now = lifetime.clock_now() if now is None else now
    remaining = clock.remaining(now)
    return {
        "profile": environ.get(contract.ENV_PROFILE),
        "lifetime_s": clock.lifetime_s,
        "started_at": datetime.fromtimestamp(clock.started_at, timezone.utc).isoformat() if clock.started_at else None,
        "expires_at": datetime.fromtimestamp(clock.expires_at, timezone.utc).isoformat() if clock.expires_at else None,
        "remaining_s": remaining,
        "warn_at_s": list(lifetime.WARN_AT_S),
        "stopping": (remaining is not None and remaining <= lifetime.SAVE_AHEAD_S) or os.path.exists(contract.STOP_FLAG),
        "idle_s": float(environ.get(contract.ENV_IDLE_S) or 0),
        "gpu": gpu_memory(),
        "sudo": environ.get(contract.ENV_SUDO) == "1",
    }
