"""google.colab.output's tags and areas.

Tags are kept in the kernel, so any Jupyter page shows them. Colab's page strips tagged
outputs itself (its clear_output carries the tags; JupyterLab would clear the whole cell).
Here every output made inside use_tags is a display with an id: rich displays get one
from a display-publisher hook, and print()s go to a display the captured stream keeps
updating. clear(output_tags=...) empties those displays, in the running cell's outputs
only, as on Colab, where tags belong to one output area.

Areas (redirect_to_element, to_header_area, ...) need the page: outputs made inside carry
the target's selector in their metadata (`localab_area`), and localab's JupyterLab
extension shows them there; other pages show them in place."""

import contextlib
import sys
import uuid
import warnings

from IPython import display as _display

_active: list[str] = []  # the tags outputs get now, in the order they were added
_area: list[str | None] = [None]  # the selector outputs are shown in now (None: where they are made)
_tagged: list[tuple[str, frozenset]] = []  # (display id, its tags) for the running cell
_used: set[str] = set()  # every tag this cell used, for the "never used" warning
_installed = False
_EMPTY = {"text/plain": ""}
AREA_KEY = "localab_area"  # the page extension reads it (labextension/src/areas.js)
HEADER, FOOTER = "#output-header", "#output-footer"  # Colab's names for the cell's top and bottom


def _as_tags(tags, what: str) -> list[str]:
    found = [tags] if isinstance(tags, str) else tags
    try:
        found = list(found)
    except TypeError:
        raise TypeError(f"{what} must be a string or an iterable of strings, not {type(tags).__name__}") from None
    wrong = [tag for tag in found if not isinstance(tag, str)]
    if wrong:
        raise TypeError(f"{what} must be strings; {wrong[0]!r} is {type(wrong[0]).__name__}")
    return found


def _shell():
    from IPython import get_ipython

    shell = get_ipython()
    return shell if shell is not None and hasattr(shell.display_pub, "register_hook") else None


def _install() -> None:
    global _installed
    shell = _shell()
    if _installed or shell is None:
        return
    shell.display_pub.register_hook(_tag_display)
    shell.events.register("pre_run_cell", _new_cell)
    _installed = True


def _new_cell(*_) -> None:
    _tagged.clear()
    _used.clear()


def _tag_display(msg):
    kind = msg["header"]["msg_type"]
    if _active and kind == "display_data":
        transient = msg["content"].setdefault("transient", {})
        transient.setdefault("display_id", uuid.uuid4().hex)
        _tagged.append((transient["display_id"], frozenset(_active)))
    if _area[0] and kind in ("display_data", "update_display_data"):
        msg["content"].setdefault("metadata", {})[AREA_KEY] = _area[0]
    return msg


class _TaggedStream:
    """stdout or stderr while tags are active: the text goes into one display per run of
    writes under the same tags (stderr keeps its look in JupyterLab by its mime type)."""

    def __init__(self, original, mime: str):
        self.original, self.mime = original, mime
        self.display_id, self.text = None, ""

    def write(self, text: str) -> int:
        if not text:
            return 0
        self.text += text
        data = {self.mime: self.text}
        if self.display_id is None:
            self.display_id = uuid.uuid4().hex
            _display.display(data, raw=True, display_id=self.display_id)
        else:
            _display.update_display(data, raw=True, display_id=self.display_id)
        return len(text)

    def end(self) -> None:
        self.display_id, self.text = None, ""

    def flush(self) -> None:
        self.original.flush()

    def __getattr__(self, name):
        return getattr(self.original, name)


def _set(tags: list[str], area: str | None = None) -> None:
    """Make `tags` the active ones and `area` the place outputs go; prints after this open
    new displays."""
    if _shell() is None:
        _active[:], _area[0] = tags, area
        return
    _install()
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, _TaggedStream):
            stream.end()
        else:
            stream.flush()
    _active[:], _area[0] = tags, area
    _used.update(tags)
    captured = bool(tags or area)
    if captured and not isinstance(sys.stdout, _TaggedStream):
        sys.stdout = _TaggedStream(sys.stdout, "text/plain")
        sys.stderr = _TaggedStream(sys.stderr, "application/vnd.jupyter.stderr")
    elif not captured and isinstance(sys.stdout, _TaggedStream):
        sys.stdout, sys.stderr = sys.stdout.original, sys.stderr.original


def get_active_tags() -> set[str]:
    return set(_active)


@contextlib.contextmanager
def use_tags(tags, append=True):
    """Outputs made inside carry `tags` (a string or several) besides the active ones, or
    instead of them with append=False; clear(output_tags=...) removes them later."""
    tags = _as_tags(tags, "use_tags' tags")
    before = list(_active)
    _set((before + [t for t in tags if t not in before]) if append else list(dict.fromkeys(tags)), _area[0])
    try:
        yield get_active_tags()
    finally:
        _set(before, _area[0])


def clear(wait=False, output_tags=()):
    """Without tags, clear the cell's output (IPython's clear_output). With tags, remove
    this cell's outputs that carry all of them, at once (wait has no effect then)."""
    if not isinstance(wait, bool):
        raise ValueError("wait must be a boolean value")
    tags = set(_as_tags(output_tags, "output_tags"))
    if not tags:
        _display.clear_output(wait=wait)
        return
    unused = sorted(tags - _used)
    if unused:
        warnings.warn(f"output.clear: no output of this cell was tagged {', '.join(map(repr, unused))}; nothing "
                      f"to clear (tags used in this cell: {', '.join(map(repr, sorted(_used))) or 'none'})",
                      stacklevel=2)
        return
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, _TaggedStream) and tags <= set(_active):
            stream.end()  # its display is cleared below; later prints start a new one
    cleared = [display_id for display_id, carried in _tagged if tags <= carried]
    for display_id in cleared:
        _display.update_display(_EMPTY, raw=True, display_id=display_id)
    _tagged[:] = [entry for entry in _tagged if entry[0] not in cleared]


@contextlib.contextmanager
def temporary():
    """Outputs made inside are removed when the block ends (kept if it raised, as on Colab)."""
    tag = f"temporary-{uuid.uuid4().hex}"
    with use_tags(tag):
        yield tag
    clear(output_tags=tag)


@contextlib.contextmanager
def _in_area(selector: str | None):
    before = _area[0]
    _set(list(_active), selector)
    try:
        yield
    finally:
        _set(list(_active), before)


def redirect_to_element(selector):
    """Show what is made inside in the page element `selector` matches (a CSS selector;
    looked up in the cell's output first, then the page). JupyterLab with localab's
    extension moves it there; a page without it shows it in place."""
    if not isinstance(selector, str) or not selector.strip():
        raise TypeError(f"redirect_to_element takes a CSS selector such as '#my-div', not {selector!r}")
    return _in_area(selector)


def to_header_area():
    """Outputs made inside go above the cell's other outputs."""
    return _in_area(HEADER)


def to_footer_area():
    """Outputs made inside go below the cell's other outputs, and stay below later ones."""
    return _in_area(FOOTER)


def to_default_area():
    """Outputs made inside go where outputs go, even inside another area's block."""
    return _in_area(None)
