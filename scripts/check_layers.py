"""The import graph of feedback_app: cycles between modules, and lower layers importing a feature.

Lower layers (the shared modules at the package's top and `models/`) may be imported by every
feature and must import none. Imports inside a function count too: a cycle hidden in a function
is still a cycle. Prints what it finds and exits 1 if anything is wrong.

Usage: .venv/bin/python scripts/check_layers.py
"""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "feedback_app"
# The shared modules every feature may use; they import no feature (and `models/` likewise).
LOWER = {
    "audit", "cache", "changes", "config", "connections", "counters", "errors", "extensions",
    "forms", "hardening", "i18n", "labels", "machines", "pagination", "privacy", "security",
    "storage", "textutil", "timeutil", "urls",
}  # fmt: skip
FEATURES = {
    "apidocs", "auth", "cases", "dossiers", "hotline", "intake", "main", "reports", "results",
    "surveys", "units",
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The feedback_app modules a file imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
            # `from . import x` loads the module x (the package's own imports are the app
            # factory's, inside create_app); `from .x import y` loads x, or x.y if y is one.
            found.update(f"{target}.{alias.name}" for alias in node.names)
            if node.module:
                found.add(target)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in [] if module else node.names:
                if alias.name.startswith("feedback_app"):
                    found.add(alias.name)
            if module and module.startswith("feedback_app"):
                found.add(module)
    return found


def main() -> int:
    # The package itself is the composition root: create_app imports every feature, in a function.
    files = {module_name(p): p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py"}
    graph = {
        name: {m for m in imports(path) if m in files and m != name} for name, path in files.items()
    }
    problems = []
    for name, targets in graph.items():
        parts = name.split(".")
        lower = (len(parts) == 2 and parts[1] in LOWER) or (len(parts) > 2 and parts[1] == "models")
        for target in targets:
            feature = target.split(".")[1] if "." in target else ""
            if lower and feature in FEATURES:
                problems.append(f"lower layer {name} imports the feature module {target}")
    # Cycles: Tarjan's strongly connected components.
    index, low, stack, on_stack, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                sccs.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    problems += [f"import cycle: {' ↔ '.join(c)}" for c in sccs]
    for problem in problems:
        print(problem)
    layers = len(problems) - len(sccs)
    print(f"{len(graph)} modules, {len(sccs)} import cycles, {layers} layer problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
