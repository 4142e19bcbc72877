"""Print a JSON inventory of the public API of Colab's `google.colab` module.

Reads google/colab/** of github.com/googlecolab/colabtools from a git dir with
`git show COMMIT:PATH` and parses it with `ast` (nothing is imported). For each public
module it lists `__all__`, else the public functions, classes and assignments it defines
or imports from private modules, followed to their definitions: functions get their
parameters as written (annotations dropped), classes their __init__ and public methods.
It also lists the magics the module registers in the kernel and the `google.colab.kernel`
calls its page-side JavaScript makes.

Rerun from the repository root:
  python tools/colab_inventory.py > docs/colab-inventory.json
  python tools/colab_inventory.py PATH/TO/colabtools.git --commit SHA > out.json
"""
import argparse
import ast
import json
import re
import subprocess

MIRROR = "/work/.mirror/googlecolab+colabtools/repo"
SKIP = {"testdata", "resources", "_serverextension", "_import_hooks"}


class Snapshot:
    """The google/colab/*.py files of one commit, parsed on demand."""

    def __init__(self, git_dir, commit):
        self.git_dir = git_dir
        self.commit = self.git("rev-parse", "--verify", commit + "^{commit}").strip()
        self.files = set(self.git("ls-tree", "-r", "--name-only", self.commit, "google/colab").split())
        self.parsed = {}

    def git(self, *args):
        return subprocess.run(["git", "-C", self.git_dir, *args], check=True, capture_output=True, text=True).stdout

    def path(self, module):
        base = module.replace(".", "/")
        return next((p for p in (base + ".py", base + "/__init__.py") if p in self.files), None)

    def bindings(self, module):
        """name -> ('function'|'class', node, module) | ('module', name) | ('expr', node) | ('from', module, name),
        and the modules it star-imports."""
        if module not in self.parsed:
            path, names, stars = self.path(module), {}, []
            package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
            for node in top_level(ast.parse(self.git("show", f"{self.commit}:{path}")).body):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names[node.name] = ("class" if isinstance(node, ast.ClassDef) else "function", node, module)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names.update({t.id: ("expr", node.value) for t in targets if isinstance(t, ast.Name)})
                elif isinstance(node, ast.Import):
                    names.update({a.asname or a.name.split(".")[0]: ("module", a.name if a.asname else
                                  a.name.split(".")[0]) for a in node.names})
                elif isinstance(node, ast.ImportFrom):
                    base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                    src = ".".join(filter(None, [base, node.module]))
                    stars += [src for a in node.names if a.name == "*"]
                    names.update({a.asname or a.name: ("from", src, a.name) for a in node.names if a.name != "*"})
            self.parsed[module] = (names, stars)
        return self.parsed[module]


def top_level(body):
    """Module-level statements, looking inside top-level if/try blocks."""
    for node in body:
        if isinstance(node, (ast.If, ast.Try)):
            yield from top_level(node.body + node.orelse)
        else:
            yield node


def resolve_name(snap, module, name):
    """Follow a name bound in `module` to ('function'|'class', node, module), ('module', m), etc."""
    names, stars = snap.bindings(module)
    if name not in names:
        src = next((s for s in stars if snap.path(s) and name in snap.bindings(s)[0]), None)
        return resolve_name(snap, src, name) if src else ("missing", name)
    kind, *rest = names[name]
    if kind in ("function", "class", "module"):
        return names[name]
    if kind == "expr":
        return resolve_expr(snap, module, rest[0])
    src, orig = rest
    if snap.path(f"{src}.{orig}"):
        return ("module", f"{src}.{orig}")
    return resolve_name(snap, src, orig) if snap.path(src) else ("external", f"{src}.{orig}")


def resolve_expr(snap, module, expr):
    """Like resolve_name, for `name`, `module.name`, `Class.method`, `instance.method`, `Class()`."""
    if isinstance(expr, ast.Name):
        return resolve_name(snap, module, expr.id)
    if isinstance(expr, ast.Attribute):
        base = resolve_expr(snap, module, expr.value)
        if base[0] == "module" and snap.path(base[1]):
            return resolve_name(snap, base[1], expr.attr)
        if base[0] in ("class", "instance"):
            found = methods(snap, base[1:] if base[0] == "class" else base[1][1:]).get(expr.attr)
            return ("method", *found) if found else ("missing", expr.attr)
    if isinstance(expr, ast.Call):
        base = resolve_expr(snap, module, expr.func)
        if base[0] == "class":
            return ("instance", base)
    return ("constant", ast.unparse(expr))


def methods(snap, cls):
    """name -> (def node, module) for the methods of class `cls`, incl. those of its google.colab bases."""
    (node, module), found = cls, {}
    for base in node.bases:
        if (ref := resolve_expr(snap, module, base))[0] == "class":
            found.update(methods(snap, ref[1:]))
    found.update({i.name: (i, module) for i in node.body if isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef))})
    return found


def signature(fn, method=False):
    """The parameter list as written, e.g. "(port, path='/', *args, key=None, **kwargs)"."""
    a = fn.args
    decorators = {ast.unparse(d) for d in fn.decorator_list}
    pos, npos = a.posonlyargs + a.args, len(a.posonlyargs)
    defaults = [None] * (len(pos) - len(a.defaults)) + a.defaults
    if method and "staticmethod" not in decorators and pos:
        pos, defaults, npos = pos[1:], defaults[1:], max(npos - 1, 0)
    param = lambda p, d: p.arg if d is None else f"{p.arg}={ast.unparse(d)}"
    parts = [param(p, d) for p, d in zip(pos, defaults)]
    if npos:
        parts.insert(npos, "/")
    if a.vararg or a.kwonlyargs:
        parts.append("*" + (a.vararg.arg if a.vararg else ""))
    parts += [param(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        parts.append("**" + a.kwarg.arg)
    return f"({', '.join(parts)})"


def describe(snap, module, ref):
    kind, *rest = ref
    if kind in ("module", "external", "missing", "constant"):
        return {"kind": kind, {"module": "module", "external": "target", "missing": "name"}.get(kind, "value"): rest[0]}
    if kind == "instance":  # e.g. _global_provider = _Provider()
        return {"kind": "constant", "value": f"{rest[0][1].name}()"}
    if kind == "class":
        found = methods(snap, rest)
        entry = {"kind": "class", "bases": [ast.unparse(b) for b in rest[0].bases],
                 "signature": signature(found["__init__"][0], method=True) if "__init__" in found else None,
                 "methods": {n: signature(fn, method=True) for n, (fn, _) in found.items() if not n.startswith("_")}}
    else:
        entry = {"kind": "function", "signature": signature(rest[0], method=kind == "method")}
    return entry if rest[-1] == module else {**entry, "defined_in": rest[-1]}


def exports(snap, module):
    """The public names of `module`: its __all__, else what it defines or imports from private modules."""
    names, stars = snap.bindings(module)
    if names.get("__all__", ("",))[0] == "expr":
        return list(ast.literal_eval(names["__all__"][1]))
    private = lambda src: src.startswith("google.colab.") and any(p.startswith("_") for p in src.split(".")[2:])
    out = [n for n, b in names.items() if not n.startswith("_") and (b[0] in ("function", "class", "expr") or (
        b[0] == "from" and private(b[1]) and not snap.path(f"{b[1]}.{b[2]}")))]
    return out + [n for s in stars if private(s) and snap.path(s) for n in exports(snap, s)]


def public_modules(snap):
    """google.colab and its submodules with no "_" name, except tests and SKIP."""
    for path in sorted(p for p in snap.files if p.endswith(".py") and not p.endswith("_test.py")):
        parts = path.removesuffix(".py").removesuffix("/__init__").split("/")
        if not SKIP & set(parts) and not any(p.startswith("_") for p in parts):
            yield ".".join(parts)


def magics(snap):
    """{"line": [...], "cell": [...]}: the magics google.colab registers or declares."""
    found = {"line": set(), "cell": set()}
    for path in sorted(p for p in snap.files if p.endswith(".py") and not p.endswith("_test.py")):
        for node in ast.walk(ast.parse(snap.git("show", f"{snap.commit}:{path}"))):
            if not isinstance(node, ast.Call):
                continue
            called, keywords = ast.unparse(node.func).rpartition(".")[2], {k.arg: k.value for k in node.keywords}
            if called == "register_magic_function" and isinstance(keywords.get("magic_name"), ast.Constant):
                kind = keywords["magic_kind"].value if "magic_kind" in keywords else "line"
                found[kind].add(keywords["magic_name"].value)
            elif called in ("_declare_line_magic", "_declare_cell_magic") and node.args \
                    and isinstance(node.args[0], ast.Constant):
                found[called.split("_")[2]].add(node.args[0].value)
    return {kind: sorted(names) for kind, names in found.items()}


def page_kernel_calls(snap):
    """The members of the page's google.colab.kernel that google.colab's JavaScript uses."""
    found = snap.git("grep", "-h", "-o", "-I", "-E", r"google\.colab\.kernel\.\w+", snap.commit, "--",
                     "google/colab", ":!*_test.py")
    calls = {line.rpartition(".")[2] for line in found.split()}
    return sorted(calls)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", nargs="?", default=MIRROR, help="git dir of colabtools (default: %(default)s)")
    parser.add_argument("--commit", default="HEAD", help="commit to read (default: %(default)s)")
    args = parser.parse_args()
    snap = Snapshot(args.git_dir, args.commit)
    modules = {m: {n: describe(snap, m, resolve_name(snap, m, n)) for n in exports(snap, m)}
               for m in public_modules(snap)}
    inventory = {"source": "googlecolab/colabtools", "commit": snap.commit, "modules": modules,
                 "magics": magics(snap), "page_kernel": page_kernel_calls(snap)}
    print(json.dumps(inventory, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
