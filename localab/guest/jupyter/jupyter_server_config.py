# Jupyter Server settings for the localab runtime, filled from the profile through the
# LOCALAB_* variables the host sets. Loaded through JUPYTER_CONFIG_PATH.
import os

from localab.guest import contract, servertoken

c = get_config()  # noqa: F821 (provided by traitlets when this file is loaded)

token = servertoken.for_server(os.environ)  # read, and gone from what kernels inherit
if token:
    c.IdentityProvider.token = token

c.ServerApp.ip = "0.0.0.0"  # inside the container; the host publishes on 127.0.0.1 only
c.ServerApp.port = contract.PORT
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.root_dir = str(contract.CONTENT)
# The file browser and the launcher open in the drive, so a new notebook is saved there
# and outlives the runtime; /content (scratch, sample_data) is one click up. Kernels
# still start in /content (localab.guest.colab_kernel).
c.FileContentsManager.preferred_dir = str(contract.DRIVE.relative_to(contract.CONTENT))
c.ServerApp.allow_remote_access = True  # the host's published port decides who can reach it
c.ServerApp.disable_check_xsrf = False
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash", "-l"]}
# `localab up --colab-frontend`: Colab's own page ("Connect to a local runtime") may call
# this server from its origin, with credentials, over HTTP and websockets; no other origin.
if os.environ.get(contract.ENV_COLAB_FRONTEND) == "1":
    c.ServerApp.allow_origin = contract.COLAB_ORIGIN
    c.ServerApp.allow_credentials = True
# google.colab.files.upload() stages files in /content/.localab-uploads through the contents API.
c.ContentsManager.allow_hidden = True

idle = int(float(os.environ.get(contract.ENV_IDLE_S) or 0))
if idle > 0:
    c.MappingKernelManager.cull_idle_timeout = idle
    c.MappingKernelManager.cull_interval = max(1, min(60, idle // 4))
    c.MappingKernelManager.cull_connected = True
    c.MappingKernelManager.cull_busy = False
    c.ServerApp.shutdown_no_activity_timeout = idle

# GET /localab/status for the page: time left, the coming stop, GPU memory.
c.ServerApp.jpserver_extensions.update({"localab.guest.serverext": True})
# Server extensions that Colab's packages enable on install and a Colab user never meets
# (Colab's page is not Jupyter's): panel's preview server, ipyparallel's clusters tab,
# the classic notebook UI. Loading them cost the colab image 2.5 s of every start; the
# packages themselves still import and work in notebooks. ipyparallel's page side, which
# asks its server side for clusters at once, is off too (labconfig/page_config.json).
c.ServerApp.jpserver_extensions.update({name: False for name in (
    "panel.io.jupyter_server_extension", "ipyparallel", "nbclassic")})

# window.jupyterapp in the page, for google.colab.files.view (opening a file in a tab):
# output JavaScript the page already trusts could reach the app through the DOM anyway.
c.LabApp.expose_app_in_browser = True

# Unknown kernel names in notebooks written elsewhere ("tensorflow", "conda-env-...")
# start the default Python kernel instead of failing.
c.ServerApp.kernel_spec_manager_class = "localab.guest.kernelspecs.FallbackKernelSpecManager"

# The status bar's resource indicators (jupyter-resource-usage), from the runtime's own
# cgroup rather than the host: RAM used / the cap, CPU, and disk in /content.
from localab.guest import cgroup  # noqa: E402

c.ResourceUseDisplay.mem_limit = cgroup.memory_limit() or 0
c.ResourceUseDisplay.cpu_limit = 100.0 * (cgroup.cpu_limit() or 0.0)  # percent, as it compares them
c.ResourceUseDisplay.track_cpu_percent = True
c.ResourceUseDisplay.track_disk_usage = True
c.ResourceUseDisplay.disk_path = str(contract.CONTENT)
c.ResourceUseDisplay.show_host_usage = False
c.ResourceUseDisplay.enable_prometheus_metrics = False
