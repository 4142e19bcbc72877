"""The runtime's lifetime, as the entry process, the server and the kernels see it.

The entry process records when it started (LOCALAB_STARTED_AT) and everything it
starts inherits that, so all three count down to the same instant."""

import time
from dataclasses import dataclass

from .contract import CLOCK_AHEAD, DRIVE, ENV_LIFETIME_S, format_duration

WARN_AT_S = (1800, 300)  # 30 and 5 minutes before the end
SAVE_AHEAD_S = 30  # the page saves open documents this long before the stop


def ahead_s(path=CLOCK_AHEAD) -> float:
    """How far the runtime's clock runs ahead of the wall clock: 0 unless root wrote
    contract.CLOCK_AHEAD; never negative (a lifetime can be shortened, not extended)."""
    try:
        with open(path) as handle:
            value = float(handle.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0
    return value if 0 < value < float("inf") else 0.0


def clock_now() -> float:
    """The runtime's clock: the wall clock, plus ahead_s()."""
    return time.time() + ahead_s()


@dataclass(frozen=True)
class Clock:
    started_at: float | None
    lifetime_s: float | None

    @classmethod
    def from_environ(cls, environ) -> "Clock":
        lifetime = float(environ.get(ENV_LIFETIME_S) or 0) or None
        started = float(environ.get("LOCALAB_STARTED_AT") or 0) or None
        return cls(started, lifetime)

    @property
    def expires_at(self) -> float | None:
        if self.started_at is None or self.lifetime_s is None:
            return None
        return self.started_at + self.lifetime_s

    def remaining(self, now: float | None = None) -> float | None:
        expires = self.expires_at
        return None if expires is None else max(0.0, expires - (clock_now() if now is None else now))



def warning(remaining_s: float, lifetime_s: float) -> str:
    minutes = max(1, round(remaining_s / 60))
    return (f"localab: this runtime stops in about {minutes} minute{'s' if minutes != 1 else ''}: its "
            f"{format_duration(lifetime_s)} lifetime ends. Open notebooks are saved just before; {DRIVE} is kept, "
            f"and notebooks and text files left in /content are copied into its localab/rescued/ when the "
            f"runtime is removed.")
