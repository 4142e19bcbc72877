"""Every public name of Colab's own `google.colab` (docs/colab-inventory.json, read from
googlecolab/colabtools by tools/colab_inventory.py) is in localab's stand-in with Colab's
parameters, or is listed in NOT_YET with what it waits for. Removing a name from the
stand-in fails here; so does adding one without taking it off NOT_YET."""

import ast
import importlib
import inspect
import json

import pytest

from localab.host.paths import ROOT
from tests.utils.guest import guest_module

INVENTORY = json.loads((ROOT / "docs" / "colab-inventory.json").read_text())

# Colab's names the stand-in lacks, each with what it waits for: {module: {name: why}}. Empty since
# issue 29; a name Colab adds later goes here until the stand-in has it.
NOT_YET: dict[str, dict[str, str]] = {}


def parameters(signature: str) -> list[tuple[str, str, bool]]:
    """Colab's signature as written -> (name, kind, has a default) per parameter."""
    args = ast.parse(f"def f{signature}: pass").body[0].args
    positional = args.posonlyargs + args.args
    found = [(a.arg, "POSITIONAL_ONLY" if a in args.posonlyargs else "POSITIONAL_OR_KEYWORD",
              i >= len(positional) - len(args.defaults)) for i, a in enumerate(positional)]
    if args.vararg:
        found.append((args.vararg.arg, "VAR_POSITIONAL", False))
    found += [(a.arg, "KEYWORD_ONLY", d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        found.append((args.kwarg.arg, "VAR_KEYWORD", False))
    return found


def ours(function) -> list[tuple[str, str, bool]]:
    found = inspect.signature(function).parameters.values()
    return [(p.name, p.kind.name, p.default is not inspect.Parameter.empty) for p in found]


def names():
    for module, entries in sorted(INVENTORY["modules"].items()):
        for name, entry in sorted(entries.items()):
            yield module, name, entry
            for method, signature in sorted(entry.get("methods", {}).items()):
                yield module, f"{name}.{method}", {"kind": "function", "signature": signature}


def waiting(module: str, name: str) -> bool:
    return name in NOT_YET.get(module, {}) or name.split(".")[0] in NOT_YET.get(module, {}) \
        or "" in NOT_YET.get(module, {}) or (module.rsplit(".", 1)[0] == "google.colab" and
                                             module.rsplit(".", 1)[1] in NOT_YET.get("google.colab", {}))


@pytest.mark.parametrize("module, name, entry", list(names()), ids=lambda v: v if isinstance(v, str) else "")
def test_colabs_name_is_in_the_stand_in_with_colabs_parameters(monkeypatch, tmp_path, module, name, entry):
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path))
    try:
        found = guest_module(monkeypatch, module)
        if entry["kind"] == "module":
            found = importlib.import_module(f"{module}.{name}")
        else:
            for part in name.split("."):
                found = getattr(found, part)
    except ModuleNotFoundError as missing:
        if not (missing.name or "").startswith("google"):  # data_table's itables: in the image, not here
            pytest.skip(f"{module} needs {missing.name}, which the image has and the test's venv does not")
        assert waiting(module, name), f"{module}.{name} is missing from the stand-in"
        return
    except (ImportError, AttributeError):
        assert waiting(module, name), f"{module}.{name} is missing from the stand-in"
        return
    assert not waiting(module, name), f"{module}.{name} is in the stand-in now: take it off NOT_YET"
    signature = entry.get("signature")
    if entry["kind"] == "function" and signature is not None:
        wanted, have = parameters(signature), ours(found)
        if "." in name:  # a method, read off its class: the inventory writes it without self
            have = have[1:] if have and have[0][0] in ("self", "cls") else have
        assert have == wanted, f"{module}.{name}{inspect.signature(found)} is not Colab's {signature}"
    elif entry["kind"] == "class" and signature is not None:
        assert ours(found) == parameters(signature), f"{module}.{name}: not Colab's {signature}"


def test_the_inventory_names_the_commit_it_was_read_from():
    assert INVENTORY["source"] == "googlecolab/colabtools" and len(INVENTORY["commit"]) == 40
    assert {"google.colab.ai", "google.colab.output", "google.colab.widgets"} <= set(INVENTORY["modules"])


def test_every_magic_colab_registers_is_registered_here():
    from IPython.core.interactiveshell import InteractiveShell

    from localab.guest import colab_magics

    shell = InteractiveShell.instance()
    try:
        colab_magics.register(shell)  # what the runtime's kernels load at start (colab_kernel)
        registered = shell.magics_manager.magics
        missing = {kind: [name for name in names if name not in registered[kind]]
                   for kind, names in INVENTORY["magics"].items()}
        assert missing == {"line": [], "cell": []}, f"Colab's magics missing here: {missing}"
    finally:
        InteractiveShell.clear_instance()
