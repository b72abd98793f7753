"""Check the code's structure with ``ast``: no import cycles, modules a reader can hold.

Fails (exit 1, one line per finding) when:
- two or more modules import each other, directly or round a loop, counting imports
  inside functions too (an import tucked into a function still makes a cycle);
- the domain apps import each other round a loop (``regions``, ``participants``,
  ``trainings``, ``referrals``, ``jobs``); the project package ``setara`` is not an
  app: it holds the settings, URLs and shared code, and may name the apps;
- a module has more than ``MAX_MODULE_LINES`` lines (``bench/`` included), or a
  function or method more than ``MAX_FUNCTION_LINES`` (``bench/`` excluded).

Migrations and tests are not checked. Run from anywhere:
``python .ci/check_structure.py``.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "regions",
    "participants",
    "trainings",
    "referrals",
    "jobs",
    "registrations",
    "certificates",
    "accounts",
)
PACKAGES = ("setara", *APPS)
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            files[module_name(path, root)] = path
    return files


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The longest known module that ``target`` names or lies in, or None."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in modules:
            return name
        parts.pop()
    return None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that module ``name`` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # "from pkg import mod" imports pkg.mod when it is a module.
            targets = [f"{prefix}.{alias.name}" for alias in node.names]
            targets = [t if t in modules else prefix for t in targets]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, modules)
            if resolved and resolved != name:
                found.add(resolved)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def long_definitions(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                findings.append(
                    f"{path.relative_to(root)}:{node.lineno}: function {node.name} "
                    f"has {length} lines (at most {MAX_FUNCTION_LINES})"
                )
    return findings


def findings(root: Path = ROOT) -> tuple[list[str], dict[str, list[str]]]:
    """What is wrong with the tree at ``root`` (one line each), and which apps
    each app imports."""
    modules = source_files(root)
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    found = []
    for component in cycles(graph):
        found.append("import cycle between modules: " + ", ".join(component))
    app_graph: dict[str, set[str]] = {app: set() for app in APPS}
    for name, targets in graph.items():
        source = name.split(".")[0]
        if source not in APPS:
            continue
        for target in targets:
            app = target.split(".")[0]
            if app in APPS and app != source:
                app_graph[source].add(app)
    for component in cycles(app_graph):
        found.append("import cycle between apps: " + ", ".join(component))
    bench = sorted((root / "bench").glob("*.py")) if (root / "bench").is_dir() else []
    for path in [*modules.values(), *bench]:
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(
                f"{path.relative_to(root)}: {lines} lines (at most {MAX_MODULE_LINES})"
            )
        if path not in bench:  # benchmark scripts may have long functions
            found.extend(long_definitions(path, root))
    return found, {app: sorted(targets) for app, targets in app_graph.items()}


def main() -> int:
    found, edges = findings()
    for finding in found:
        print(finding)
    if found:
        return 1
    print(f"structure: no import cycles, no long modules or functions; apps: {edges}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
