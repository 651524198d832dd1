"""The tools' layout: three subpackages by job, imports going one way only, no import circle.

``tools.grading`` imports nothing of the other two, ``tools.measuring`` nothing of
``tools.publishing`` or ``tools.grading``; ``tools.publishing`` may use ``tools.measuring`` (the
site executes notebooks with the benchmark's runner). Every import counts: at module level, inside
a function (a lazy import), relative, and ``importlib.import_module`` with a constant name or an
f-string whose constant start names tools modules (then every module under that prefix).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBPACKAGES = ("grading", "publishing", "measuring")
FORBIDDEN = {"grading": {"publishing", "measuring"}, "measuring": {"publishing", "grading"}}

Edge = tuple[str, str]  # (imported tools module, where: "path:line: the import as written")


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module under ``root/tools`` by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted((root / "tools").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    """The tools module that the dotted ``name`` is or is defined in; None outside tools."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _dynamic(node: ast.Call, mods: dict[str, Path]) -> list[str]:
    """What an ``importlib.import_module(...)`` or ``__import__(...)`` call may import."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if called not in ("import_module", "__import__") or not node.args:
        return []
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        prefix = str(arg.values[0].value)
        return [m for m in mods if m.startswith(prefix) and m != prefix.rstrip(".")]
    return []


def imports(name: str, mods: dict[str, Path], root: Path = ROOT) -> list[Edge]:
    """Every tools module that module ``name`` imports, anywhere in it, with where it does."""
    path = mods[name]
    text = path.read_text(encoding="utf-8")
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges = []
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            # "from tools.x import y" imports the module tools.x.y where there is one, else tools.x
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
        elif isinstance(node, ast.Call):
            targets = _dynamic(node, mods)
        else:
            continue
        found = [t for t in (_resolve(target, mods) for target in targets) if t and t != name]
        if found:
            where = f"{path.relative_to(root)}:{node.lineno}: {' '.join(ast.get_source_segment(text, node).split())}"
            edges += [(target, where) for target in found]
    return edges


def graph(root: Path = ROOT) -> dict[str, list[Edge]]:
    mods = modules(root)
    return {name: imports(name, mods, root) for name in mods}


def circle(edges: dict[str, list[Edge]]) -> list[str]:
    """The imports of one import circle (each as written, where), or ``[]`` when there is none."""
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    path: list[tuple[str, str]] = []  # (module, the import it goes on by)

    def visit(name: str) -> list[str]:
        state[name] = "open"
        for target, where in edges[name]:
            path.append((name, where))
            if state.get(target) == "open":
                start = next(i for i, (n, _) in enumerate(path) if n == target)
                return [w for _, w in path[start:]]
            if target not in state and (found := visit(target)):
                return found
            path.pop()
        state[name] = "done"
        return []

    for name in sorted(edges):
        if name not in state and (found := visit(name)):
            return found
    return []


def against_layout(edges: dict[str, list[Edge]]) -> list[str]:
    """Each import that goes against FORBIDDEN, named with where it is."""
    wrong = []
    for name, found in edges.items():
        mine = name.split(".")[1] if "." in name else None
        for target, where in found:
            theirs = target.split(".")[1] if "." in target else None
            if theirs in FORBIDDEN.get(mine, ()):
                wrong.append(f"{where}  (tools.{mine} must not import tools.{theirs})")
    return wrong


def test_every_tool_lives_in_one_of_the_three_subpackages():
    names = modules()
    stray = [n for n in names if n != "tools" and n.split(".")[1] not in SUBPACKAGES]
    assert not stray, f"modules outside tools/grading, tools/publishing and tools/measuring: {stray}"
    assert {f"tools.{s}" for s in SUBPACKAGES} <= set(names)


def test_the_tools_import_no_circle():
    found = circle(graph())
    assert not found, "an import circle between the tools:\n  " + "\n  ".join(found)


def test_grading_and_measuring_import_nothing_above_them():
    wrong = against_layout(graph())
    assert not wrong, "imports against the layout:\n  " + "\n  ".join(wrong)


def test_the_check_sees_lazy_relative_and_dynamic_imports():
    edges = graph()
    assert "tools.measuring.cache" in {t for t, _ in edges["tools.measuring.benchmark"]}  # inside main()
    assert "tools.publishing.site.browser" in {t for t, _ in edges["tools.publishing.site"]}  # inside main()
    assert {"tools.grading.specs.A1_rnns_by_hand", "tools.grading.specs.A2_gated_cells",
            "tools.grading.specs.A3_attention_decoding"} <= {
        t for t, _ in edges["tools.grading.specs"]}  # importlib.import_module(f"tools.grading.specs.{name}")


def test_the_checks_name_the_offending_import(tmp_path):
    def write(name: str, text: str = "") -> None:
        path = tmp_path / "tools" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write("__init__.py")
    for sub in SUBPACKAGES:
        write(f"{sub}/__init__.py")
    write("publishing/site.py", "from tools.measuring import bench\n")
    write("measuring/bench.py", "def main():\n    from ..publishing import site\n    return site\n")
    write("grading/grader.py", "import importlib\n\nimportlib.import_module('tools.measuring.bench')\n")
    edges = graph(tmp_path)
    assert circle(edges) == ["tools/measuring/bench.py:2: from ..publishing import site",
                             "tools/publishing/site.py:1: from tools.measuring import bench"]
    assert against_layout(edges) == [
        "tools/grading/grader.py:3: importlib.import_module('tools.measuring.bench')  "
        "(tools.grading must not import tools.measuring)",
        "tools/measuring/bench.py:2: from ..publishing import site  (tools.measuring must not import tools.publishing)"]
