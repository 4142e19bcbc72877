"""Exit codes of the entry process, read by the host to say why a runtime stopped."""

STOPPED = 0  # asked to stop (docker stop, invoke down)
EXPIRED = 75  # the profile's maximum lifetime ran out
IDLE = 76  # Jupyter Server shut itself down after the profile's idle timeout
SERVER_FAILED = 77  # Jupyter Server exited on its own with an error

REASONS = {
    STOPPED: "stopped",
    EXPIRED: "expired",
    IDLE: "idle",
    SERVER_FAILED: "failed",
}
