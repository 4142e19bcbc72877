"""What runs inside the hub's image: JupyterHub's configuration (jupyterhub_config.py),
localab's authenticator and its password hashing. The image carries this package with
localab/__init__.py as /opt/localab/py/localab; the host imports its contract (and the
password hashing, to write the users file) under the same names. Standard library and
the hub image's own packages only: nothing of the host side."""
