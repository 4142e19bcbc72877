"""Jupyter Server extension: GET /localab/status, what the page's status bar and
lifetime warnings read (see pagestatus)."""

import json

from jupyter_server.base.handlers import APIHandler
from tornado import web

from .pagestatus import status


class StatusHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.finish(json.dumps(status()))


def _jupyter_server_extension_points():
    return [{"module": "localab.guest.serverext"}]


def _load_jupyter_server_extension(serverapp):
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [(f"{base.rstrip('/')}/localab/status", StatusHandler)])
