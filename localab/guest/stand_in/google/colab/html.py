"""google.colab.html: page elements driven from Python, and content the kernel serves.

Element renders as an HTML element in the cell; once shown, its attributes, properties,
methods and listeners act on the element in the page through output.eval_js, and Python
listeners are called through output.register_callback, as on Colab. create_resource
serves content from the kernel on a loopback port, reached through the runtime's own
port (Jupyter Server's proxy), as serve_kernel_port_as_iframe does."""

import html as _html
import json
import mimetypes
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from IPython import get_ipython

from . import output

_SETUP = """<script>(() => {
  const config = __CONFIG__, el = document.getElementById(config.guid);
  for (const [name, value] of Object.entries(config.properties)) el[name] = value;
  window.google = window.google || {}; google.colab = google.colab || {};
  const listeners = (google.colab._localabListeners = google.colab._localabListeners || new Map());
  const copy = (google.colab._localabCopy = (event) => { const found = {}; for (const key in event) { try {
    if (typeof event[key] !== 'function') found[key] = JSON.parse(JSON.stringify(event[key])); } catch (e) {} }
    return found; });
  const add = (type, key, fn) => { listeners.set(key, fn); el.addEventListener(type, fn); };
  for (const [type, sources] of Object.entries(config.js)) sources.forEach(s => add(type, s, new Function('event', s)));
  for (const [type, names] of Object.entries(config.py)) names.forEach(n =>
    add(type, n, (event) => google.colab.kernel.invokeFunction(n, [copy(event)], {})));
})();</script>"""


def _as_html(child) -> str:
    formatter = get_ipython().display_formatter.formatters["text/html"] if get_ipython() else None
    if formatter is not None:
        try:
            return formatter.lookup(child)(child)
        except KeyError:
            pass
    found = child._repr_html_() if hasattr(child, "_repr_html_") else None
    if found:
        return found
    if not isinstance(child, str):
        try:
            child = json.dumps(child)
        except TypeError:
            child = str(child)
    return _html.escape(child)


class Element:
    """<tag> in the cell's output, with attributes, properties, children and listeners."""

    def __init__(self, tag, attributes=None, properties=None, src=None):
        if src and not any(key in src for key in ("script", "module", "html")):
            raise ValueError("Must provide a valid src: a dict with a 'script', 'module' or 'html' URL.")
        if attributes and not isinstance(attributes, dict):
            raise ValueError("attributes must be a dict.")
        if properties and not isinstance(properties, dict):
            raise ValueError("properties must be a dict.")
        self._tag, self._src, self._guid = tag, src, str(uuid.uuid4())
        self._attributes, self._properties = dict(attributes or {}), dict(properties or {})
        self._children, self._parent, self._shown = [], None, False
        self._js_listeners: dict[str, list[str]] = {}
        self._py_listeners: dict[str, dict] = {}  # event -> {callback: its registered name}

    def _in_page(self, call: str, *args):
        """Run `el.<call>` on the element in the page; None when it is not shown (any more)."""
        script = (f"(() => {{ const el = document.getElementById({json.dumps(self._guid)}); if (!el) return null; "
                  f"return (function() {{ {call} }}).apply(el, {json.dumps(list(args))}); }})()")
        return output.eval_js(script)

    def _live(self) -> bool:
        return self._shown and bool(self._in_page("return true;"))

    def get_attribute(self, name):
        return self._in_page("return this.getAttribute(arguments[0]);", name) if self._live() \
            else self._attributes.get(name)

    def set_attribute(self, name, value):
        if not isinstance(value, str):
            raise ValueError("Attribute value must be a string")
        self._attributes[name] = value
        if self._live():
            self._in_page("this.setAttribute(arguments[0], arguments[1]);", name, value)

    def get_property(self, name):
        return self._in_page("return this[arguments[0]];", name) if self._live() else self._properties.get(name)

    def set_property(self, name, value):
        self._properties[name] = value
        if self._live():
            self._in_page("this[arguments[0]] = arguments[1];", name, value)

    def call(self, method, *args):
        if not self._live():
            raise ValueError("Cannot call method on undisplayed element.")
        return self._in_page("const [m, a] = arguments; return this[m](...a);", method, list(args))

    def add_event_listener(self, name, callback):
        if isinstance(callback, str):
            if callback in self._js_listeners.get(name, []):
                raise ValueError("Callback is already added.")
            self._js_listeners.setdefault(name, []).append(callback)
            listen = "const f = new Function('event', arguments[1]);"
            key = callback
        elif callable(callback):
            if callback in self._py_listeners.get(name, {}):
                raise ValueError("Callback is already added.")
            key = f"localab-html-{uuid.uuid4().hex}"
            output.register_callback(key, callback)
            self._py_listeners.setdefault(name, {})[callback] = key
            listen = ("const n = arguments[1], "
                      "f = (e) => google.colab.kernel.invokeFunction(n, [google.colab._localabCopy(e)], {});")
        else:
            raise ValueError("callback must be a js string or callable python")
        if self._live():
            self._in_page(listen + " google.colab._localabListeners.set(arguments[1], f); "
                                   "this.addEventListener(arguments[0], f);", name, key)

    def remove_event_listener(self, name, callback):
        listeners = self._js_listeners if isinstance(callback, str) else self._py_listeners
        if callback not in listeners.get(name, ()):
            raise ValueError("listener does not exist")
        if isinstance(callback, str):
            listeners[name].remove(callback)
            key = callback
        else:
            key = listeners[name].pop(callback)
            output.unregister_callback(key)
        if not listeners[name]:
            del listeners[name]
        if self._live():
            self._in_page("const m = google.colab._localabListeners, f = m && m.get(arguments[1]); "
                          "if (f) this.removeEventListener(arguments[0], f);", name, key)

    def append_child(self, child):
        """A child: another Element, anything with HTML, or text (escaped)."""
        if isinstance(child, Element):
            child.remove()
            child._parent = self
        self._children.append(child)

    def remove_child(self, child):
        if isinstance(child, Element):
            if child._parent is not self:
                raise ValueError("Child parent must match.")
            child._parent = None
        self._children = [c for c in self._children if c is not child]

    def remove(self):
        if self._parent is not None:
            self._parent.remove_child(self)

    def _repr_html_(self):
        self._shown = True
        deps = ""
        if self._src:
            deps = (f'<script src="{_html.escape(self._src["script"])}"></script>' if "script" in self._src else
                    f'<script type="module">import {json.dumps(self._src["module"])};</script>' if "module" in self._src
                    else f'<link rel="import" href="{_html.escape(self._src["html"])}" />')
        attributes = "".join(f' {_html.escape(k)}="{_html.escape(v)}"' for k, v in self._attributes.items())
        children = "".join(_as_html(child) for child in self._children)
        config = {"guid": self._guid, "properties": self._properties, "js": self._js_listeners,
                  "py": {name: list(found.values()) for name, found in self._py_listeners.items()}}
        return (f'{deps}<{self._tag} id="{self._guid}"{attributes}>{children}</{self._tag}>'
                + _SETUP.replace("__CONFIG__", json.dumps(config).replace("</", "<\\/")))


class _Resource:
    def __init__(self, body, headers, extension, route):
        if not isinstance(headers, dict):
            raise ValueError("headers must be a dict")
        if route and extension:
            raise ValueError("Should only provide one of route or extension.")
        self._body, self.headers = body, headers
        self.guid = route.lstrip("/") if route else uuid.uuid4().hex + (f".{extension}" if extension else "")

    def content(self) -> bytes:
        found = self._body()
        return found.encode() if isinstance(found, str) else found

    @property
    def url(self) -> str:
        """Where the page fetches it: through the runtime's own port (under a hub, the user's prefix)."""
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/").rstrip("/")
        return prefix + output.proxy_path(_server().server_port, self.guid)


_resources: dict[str, _Resource] = {}
_served: list = []


class _Serve(BaseHTTPRequestHandler):
    def do_GET(self):
        resource = _resources.get(self.path.lstrip("/").split("?")[0])
        if resource is None:
            self.send_error(404, "no such resource in this kernel")
            return
        body = resource.content()
        self.send_response(200)
        headers = {"Content-Type": mimetypes.guess_type(resource.guid)[0] or "application/octet-stream",
                   **resource.headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _server() -> ThreadingHTTPServer:
    if not _served:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Serve)  # loopback: reached only through Jupyter's proxy
        threading.Thread(target=server.serve_forever, daemon=True, name="google.colab.html").start()
        _served.append(server)
    return _served[0]


def create_resource(content=None, filepath=None, handler=None, headers=None, extension=None, route=None):
    """Serve `content` (text or bytes), a file's contents or what `handler()` returns at the
    resource's .url, for the page (an Element's src, an <img>, a fetch)."""
    if sum(map(bool, (content, filepath, handler))) != 1:
        raise ValueError("Must provide exactly one of content, filepath, or handler")
    if filepath:
        def body():
            with open(filepath, "rb") as file:
                return file.read()
    else:
        body = handler or (lambda: content)
    resource = _Resource(body, headers or {}, extension, route)
    _resources[resource.guid] = resource
    _server()
    return resource
