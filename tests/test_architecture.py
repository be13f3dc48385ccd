"""The layout of shared/DESIGN.md, as the code has it: checked from the source, so a regression fails here."""
import ast
import inspect
from pathlib import Path

import pytest

import geomot as gm

PACKAGE = Path(gm.__file__).parent
# the data flow: a module may import its own layer and earlier ones, never a later one (the solvers build
# results, so result.py sits before them)
FLOW = ["_kernels", "errors", "_validate", "_polygons", "domains", "measures", "diagram", "result", "solvers",
        "singular", "generative", "plot", "explore"]


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(("geomot",) + path.relative_to(PACKAGE).with_suffix("").parts)
        yield name.removesuffix(".__init__"), path


def imports(name, path):
    """The geomot modules that ``name`` imports (absolute names)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("geomot"):
                out.add(target)
                out.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("geomot"))
    known = {m for m, _ in modules()}
    return {m for m in out if m in known and m != name}


def layer(module):
    part = module.split(".")[1] if "." in module else ""
    return FLOW.index(part) if part in FLOW else None


def test_no_import_circle():
    graph = {name: imports(name, path) for name, path in modules()}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if nxt.startswith(node + ".") or node.startswith(nxt + ".") and nxt == "geomot":
                continue  # a package and its own submodules
            if state.get(nxt) == "open":
                raise AssertionError("import circle: " + " -> ".join(stack + [node, nxt]))
            if nxt not in state:
                visit(nxt, stack + [node])
        state[node] = "done"
    for node in graph:
        if node not in state and node != "geomot":
            visit(node, [])


def test_no_module_imports_a_later_one_in_the_data_flow():
    bad = []
    for name, path in modules():
        mine = layer(name)
        if mine is None:
            continue
        bad += [f"{name} -> {m}" for m in imports(name, path) if layer(m) is not None and layer(m) > mine]
    assert not bad, bad


def test_the_solver_families_never_import_the_front_door():
    for name, path in modules():
        if name.startswith(("geomot.solvers.newton", "geomot.solvers.monte_carlo", "geomot.solvers._")):
            assert "geomot.solvers" not in imports(name, path), name


@pytest.mark.parametrize("name, path", list(modules()), ids=lambda v: str(v).rsplit("/", 1)[-1])
def test_no_function_takes_more_than_16_parameters(name, path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
            assert count <= 16, f"{name}.{node.name} takes {count} parameters"


def test_the_contract_of_the_redesign():
    assert gm.solve.__module__ == "geomot.solvers"
    assert issubclass(gm.GeometryError, RuntimeError) and not issubclass(gm.GeometryError, ValueError)
    assert issubclass(gm.GeomotError, ValueError)
    assert type(gm.PowerDiagram([[0.5, 0.5, 0.5]], [0.0], gm.Box([0, 0, 0], [1, 1, 1]))) is gm.PowerDiagram
    assert set(gm.__all__) <= set(dir(gm))
    assert "solve" in gm.__all__ and inspect.signature(gm.solve).parameters["method"].default == "newton"


@pytest.mark.parametrize("name,path", [m for m in modules() if m[0].startswith("geomot._kernels")],
                         ids=lambda m: m if isinstance(m, str) else m.name)
def test_what_a_kernel_without_reference_counting_calls_is_without_it_too(name, path):
    """A numba function compiled with ``_nrt=False`` compiles its callees without reference counting too when
    they are not in the cache yet (a cold cache: a fresh clone), where a callee that allocates, or copies a
    slice, fails to compile; with a warm cache it links their compiled versions and works. So every numba
    function such a function calls, and is not inlined into it, is declared ``_nrt=False`` itself."""
    import importlib

    from numba.core.registry import CPUDispatcher

    module = importlib.import_module(name)
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef):
            continue
        caller = getattr(module, node.name, None)
        if not isinstance(caller, CPUDispatcher) or caller.targetoptions.get("_nrt", True):
            continue
        for call in ast.walk(node):
            callee = getattr(module, call.func.id, None) if isinstance(call, ast.Call) and isinstance(
                call.func, ast.Name) else None
            if isinstance(callee, CPUDispatcher) and callee.targetoptions.get("inline", "never") != "always":
                assert callee.targetoptions.get("_nrt", True) is False, f"{name}.{node.name} calls {call.func.id}"
