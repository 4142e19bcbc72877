# Every IPython kernel in the localab image loads localab's Colab layer at start.
# Installed as {sys.prefix}/etc/ipython/ipython_kernel_config.py by the Dockerfile.
c = get_config()  # noqa: F821
c.InteractiveShellApp.extensions = ["localab.guest.colab_kernel"]
