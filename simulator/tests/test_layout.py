"""The simulator's module layout (MODEL.md "Layout"): its imports form no cycle, follow the layers,
and are all at module level; every command and control-op module is registered; no module or class
grows past the sizes that keep it readable. Static checks: nothing here starts a simulator."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 200
# Each module may import only modules of its own layer or a lower one (the first matching prefix wins).
LAYERS = (
    ("simulator.errors", 0), ("simulator.store", 0), ("simulator.spec", 0), ("simulator.auth", 0),
    ("simulator.contract", 0),
    ("simulator.context", 1), ("simulator.jobs", 1), ("simulator.control", 1), ("simulator.model", 1),
    ("simulator.views", 2),
    ("simulator.handlers", 3),
    ("simulator.seeding", 4),
    ("simulator.ops", 5),
    ("simulator.core", 6),
    ("simulator.server", 7),
    ("simulator.cli", 8),
    ("simulator", 9),  # testing, bench, __main__
)


def module_files():
    """{dotted name: path} of the package's modules (its tests and build output left out)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[0] in ("tests", "build") or any(p.endswith(".egg-info") for p in parts):
            continue
        name = ".".join(("simulator", *parts))
        out[name.removesuffix(".__init__")] = path
    return out


MODULES = module_files()


def resolve(module, path, node):
    """The simulator modules an import statement imports (for `from X import y`, y if it is a module)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = ".".join(p for p in (package if node.level else "", node.module or "") if p)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return {n for n in names if n in MODULES}


def imports():
    """{module: {(imported module, at module level)}}."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        top = set(map(id, tree.body))
        graph[module] = {(target, id(node) in top) for node in ast.walk(tree)
                         if isinstance(node, (ast.Import, ast.ImportFrom))
                         for target in resolve(module, path, node)}
    return graph


def layer(module):
    return next(rank for prefix, rank in LAYERS if module == prefix or module.startswith(prefix + "."))


def test_the_import_graph_is_acyclic():
    edges = {m: {t for t, _ in targets if t != m} for m, targets in imports().items()}
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(target):] + [target]))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)


def test_imports_are_at_module_level():
    late = sorted(f"{m} imports {t}" for m, targets in imports().items() for t, top in targets if not top)
    assert not late, "function-level imports (a dodged cycle?): " + "; ".join(late)


def test_imports_follow_the_layers():
    upward = sorted(f"{m} -> {t}" for m, targets in imports().items() for t, _ in targets
                    if layer(t) > layer(m))
    assert not upward, "imports of a higher layer: " + "; ".join(upward)


def registering(path, decorator):
    """True when the module registers something with @<decorator>(...)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == decorator:
            return True
    return False


def test_every_command_and_control_op_module_is_registered():
    for package, decorator in (("simulator.handlers", "api"), ("simulator.ops", "control.op")):
        registers = {m for m, p in MODULES.items() if m.startswith(package + ".") and registering(p, decorator)}
        imported = {t for t, _ in imports()[package]}
        assert registers, package
        assert registers <= imported, f"{package}/__init__.py does not import {sorted(registers - imported)}"


def test_modules_and_classes_stay_small():
    too_big = []
    for module, path in MODULES.items():
        source = path.read_text()
        if len(source.splitlines()) > MAX_MODULE_LINES:
            too_big.append(f"{module}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_big.append(f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not too_big, too_big
