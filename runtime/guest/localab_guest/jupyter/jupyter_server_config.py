# Jupyter Server settings for the localab runtime, filled from the profile through the
# LOCALAB_* variables the host sets. Loaded through JUPYTER_CONFIG_PATH.
import os

c = get_config()  # noqa: F821 (provided by traitlets when this file is loaded)

c.ServerApp.ip = "0.0.0.0"  # inside the container; the host publishes on 127.0.0.1 only
c.ServerApp.port = 8888
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.root_dir = "/content"
c.ServerApp.allow_remote_access = True  # the host's published port decides who can reach it
c.ServerApp.disable_check_xsrf = False
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash", "-l"]}

idle = int(float(os.environ.get("LOCALAB_IDLE_S") or 0))
if idle > 0:
    c.MappingKernelManager.cull_idle_timeout = idle
    c.MappingKernelManager.cull_interval = max(1, min(60, idle // 4))
    c.MappingKernelManager.cull_connected = True
    c.MappingKernelManager.cull_busy = False
    c.ServerApp.shutdown_no_activity_timeout = idle
