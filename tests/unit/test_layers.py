"""The layering, checked on every module's imports (docs/architecture.md draws it):

- the verbs are on top (runtime/cli/, re-exported by tasks.py); nothing imports tasks.py, and only
  tasks.py and the verbs themselves import runtime.cli.
- the guest (runtime/guest/) and the workloads never import the host package;
  the workloads take only the guest's contract from localab.
- inside runtime/, rooms are layered: bench > hub > lifecycle > image > host > the
  flat shared nouns, which import no room at all. doctor, compose and report sit
  beside the rooms, above them.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ["bench", "hub", "lifecycle", "image", "host"]  # higher first
FRONT = {"cli", "doctor", "compose", "report"}  # the verbs (runtime/cli/) and their helpers: may import any room


def imports(path: Path, package: str | None = None) -> set[str]:
    """Absolute module names a file imports (relative ones resolved in its package)."""
    tree = ast.parse(path.read_text(), str(path))
    package = package or ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def host_files() -> list[Path]:
    return [p for p in python_files("runtime") if "guest" not in p.relative_to(ROOT).parts]


def starts(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def room_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT / "runtime").parts
    return parts[0] if len(parts) > 1 else None


@pytest.mark.parametrize("path", host_files() + python_files("runtime/guest") + python_files("workloads"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_below_tasks_imports_it(path):
    assert not [n for n in imports(path) if starts(n, "tasks")], f"{path} imports tasks.py"


@pytest.mark.parametrize("path", python_files("runtime/guest") + python_files("workloads"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_guest_and_the_workloads_never_import_the_host_package(path):
    host = [n for n in imports(path) if starts(n, "runtime") and not starts(n, "runtime.guest")]
    assert not host, f"{path} imports the host package: {sorted(host)}"


@pytest.mark.parametrize("path", python_files("workloads"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_workloads_take_only_the_contract_from_the_guest(path):
    guest = [n for n in imports(path) if starts(n, "localab_guest") and not starts(n, "localab_guest.contract")
             and n != "localab_guest"]
    assert not guest, f"{path} imports guest internals: {sorted(guest)}"


@pytest.mark.parametrize("path", host_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_rooms_are_layered(path):
    room = room_of(path)
    if (path.stem in FRONT and room is None) or room == "cli":
        return
    allowed_below = ROOMS[ROOMS.index(room) + 1:] if room else []
    for name in imports(path):
        if not starts(name, "runtime") or starts(name, "runtime.guest"):
            continue
        parts = name.split(".")
        target = parts[1] if len(parts) > 1 else None
        if target in ROOMS and target != room:
            assert target in allowed_below, f"{path} ({room or 'a flat noun'}) imports the {target} room: {name}"
        if target in FRONT:
            raise AssertionError(f"{path} imports {name}, which only the verbs (runtime/cli/) may use")


def test_the_check_sees_what_a_file_imports(tmp_path):
    """The checks above prove nothing if `imports` misses what a file imports."""
    found = imports(ROOT / "runtime" / "caps.py")
    assert "runtime.profiles.Profile" in found and "localab_guest.contract" in found
    relative = tmp_path / "x.py"
    relative.write_text("from ..bench import runner\nfrom . import lock\n")
    assert {"runtime.bench", "runtime.bench.runner", "runtime.image.lock"} <= imports(relative, "runtime.image")


@pytest.mark.parametrize("path", host_files() + python_files("runtime/guest") + python_files("workloads"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_tasks_py_imports_the_verbs(path):
    if ROOT / "runtime" / "cli" in path.parents:
        return
    assert not [n for n in imports(path) if starts(n, "runtime.cli")], f"{path} imports runtime.cli"
