"""The layering, checked on every module's imports (docs/architecture.md draws it):

- the verbs are on top (localab/cli/, re-exported by tasks.py); nothing imports tasks.py,
  and only tasks.py and the verbs themselves import localab.cli.
- the guest (localab/guest/), the workloads (localab/workloads/) and the hub's server side
  (localab/hubserver/, run inside the hub image) never import the host side; the workloads
  take only the guest's contract, the hub's server side only itself.
- inside localab/host/, rooms are layered: bench > hub > lifecycle > image > machine >
  the flat shared nouns, which import no room at all.
- no import circle anywhere in localab/, function-level imports included.
- the container paths and the bench's result files are named by the guest's contract
  alone: no other module writes "/content" or a result file's name as a literal.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "localab"
ROOMS = ["bench", "hub", "lifecycle", "image", "machine"]  # higher first
HUB_SERVER = PACKAGE / "hubserver"
CONTRACT = PACKAGE / "guest" / "contract.py"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package: str | None = None) -> set[str]:
    """Absolute module names a file imports anywhere in it (relative ones resolved in its
    package), each with the names it takes from them (`a.b` and `a.b.c` for `from a.b import c`)."""
    tree = ast.parse(path.read_text(), str(path))
    if package is None:
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
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


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def host_files() -> list[Path]:
    return python_files(PACKAGE / "host")


def guest_files() -> list[Path]:
    return python_files(PACKAGE / "guest")


def workload_files() -> list[Path]:
    return python_files(PACKAGE / "workloads")


def starts(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def room_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE / "host").parts
    return parts[0] if len(parts) > 1 else None


def ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


ALL = python_files(PACKAGE)


@pytest.mark.parametrize("path", ALL, ids=ids)
def test_nothing_below_tasks_imports_it(path):
    assert not [n for n in imports(path) if starts(n, "tasks")], f"{path} imports tasks.py"


@pytest.mark.parametrize("path", guest_files() + workload_files() + python_files(HUB_SERVER), ids=ids)
def test_the_guest_the_workloads_and_the_hub_server_never_import_the_host_side(path):
    host = [n for n in imports(path) if starts(n, "localab.host") or starts(n, "localab.cli")]
    assert not host, f"{path} imports the host side: {sorted(host)}"


@pytest.mark.parametrize("path", python_files(HUB_SERVER), ids=ids)
def test_the_hub_server_imports_only_itself(path):
    """It runs in the hub image, which carries only that package of localab's."""
    assert not [n for n in imports(path) if starts(n, "localab") and not starts(n, "localab.hubserver")
                and n != "localab"], f"{path} imports more of localab"


@pytest.mark.parametrize("path", workload_files(), ids=ids)
def test_the_workloads_take_only_the_contract_from_the_guest(path):
    guest = [n for n in imports(path) if starts(n, "localab.guest") and not starts(n, "localab.guest.contract")
             and n != "localab.guest"]
    assert not guest, f"{path} imports guest internals: {sorted(guest)}"


@pytest.mark.parametrize("path", host_files(), ids=ids)
def test_rooms_are_layered(path):
    room = room_of(path)
    allowed_below = ROOMS[ROOMS.index(room) + 1:] if room else []
    for name in imports(path):
        if not starts(name, "localab.host"):
            continue
        parts = name.split(".")
        target = parts[2] if len(parts) > 2 else None
        if target in ROOMS and target != room:
            assert target in allowed_below, f"{path} ({room or 'a flat noun'}) imports the {target} room: {name}"


@pytest.mark.parametrize("path", ALL, ids=ids)
def test_only_tasks_py_and_the_verbs_import_the_verbs(path):
    if PACKAGE / "cli" in path.parents:
        return
    assert not [n for n in imports(path) if starts(n, "localab.cli")], f"{path} imports localab.cli"


def import_graph(files: list[Path], root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the localab modules it imports (the deepest existing module of each name;
    a module's own packages, which Python has imported before it, are not edges)."""
    modules = {module_name(path, root): path for path in files}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for imported in imports(path, package):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not starts(name, imported):
                targets.add(imported)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, iteratively)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_anywhere_in_the_package():
    found = circles(import_graph(ALL))
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_circle_check_finds_a_circle_through_a_function_level_import(tmp_path):
    package = tmp_path / "localab" / "p"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from localab.p.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from . import c\n")
    (package / "c.py").write_text("import localab.p.a\n")
    graph = import_graph(python_files(package), root=tmp_path)
    assert circles(graph) == [["localab.p.a", "localab.p.b", "localab.p.c"]]
    (package / "b.py").write_text("def thing():\n    from . import a\n")
    (package / "c.py").write_text("")
    assert circles(import_graph(python_files(package), root=tmp_path)) == [["localab.p.a", "localab.p.b"]]
    (package / "b.py").write_text("def thing():\n    from localab.p import c\n")
    assert circles(import_graph(python_files(package), root=tmp_path)) == [], "a package is not its modules' circle"


def test_the_check_sees_what_a_file_imports(tmp_path):
    """The checks above prove nothing if `imports` misses what a file imports."""
    found = imports(PACKAGE / "host" / "caps.py")
    assert "localab.host.profiles.Profile" in found and "localab.guest.contract" in found
    relative = tmp_path / "x.py"
    relative.write_text("from ..bench import runner\nfrom . import lock\n")
    assert {"localab.host.bench", "localab.host.bench.runner", "localab.host.image.lock"} <= imports(
        relative, "localab.host.image")


def contract_literals(path: Path) -> list[str]:
    """String literals (docstrings aside) that name a container path under /content or a
    bench result file: facts the contract writes once."""
    from localab.guest import contract

    files = {contract.RUN_FILE, contract.METRICS_FILE, contract.SUMMARY_FILE, contract.OUTPUT_LOG}
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            if text == str(contract.CONTENT) or text.startswith(f"{contract.CONTENT}/") or text in files or any(
                    text.startswith(name + ".") for name in files):
                found.append(text)
    return found


@pytest.mark.parametrize("path", [p for p in ALL if p != CONTRACT], ids=ids)
def test_container_paths_and_result_files_come_from_the_contract(path):
    found = contract_literals(path)
    assert not found, f"{path} writes {found} itself; use localab.guest.contract"


def test_the_literal_check_sees_a_result_file_and_a_content_path(tmp_path):
    planted = tmp_path / "x.py"
    planted.write_text('"""Writes summary.json into /content."""\nA = "summary.json"\nB = f"/content/{A}"\n'
                       'C = out / "metrics.jsonl.tmp"\n')
    assert contract_literals(planted) == ["summary.json", "/content/", "metrics.jsonl.tmp"]


def test_every_package_under_localab_ships():
    """pyproject.toml lists the packages `pip install .` carries: a new one left out of it
    works in a checkout and is missing once installed."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {module_name(init) for init in PACKAGE.rglob("__init__.py") if "stand_in" not in init.parts}
    assert found - listed == set(), f"add to pyproject.toml's packages: {sorted(found - listed)}"
    assert listed - found == {"localab.host.image.dockerfiles"}, f"listed but gone: {sorted(listed - found - {'localab.host.image.dockerfiles'})}"
