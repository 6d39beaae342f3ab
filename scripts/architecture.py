"""The package's floors: which folder may import which, checked, and the figures that say how
the boundaries hold (lines, floors, import cycles, imports that run back up).

Each folder or top-level module of ``shortory_core`` is a *unit* and lives on one floor of
``FLOORS`` (bottom first). A unit may import units on lower floors only; a unit that imports
one on its own floor or above is a back-arrow. Every import counts, also those inside
functions and under ``TYPE_CHECKING``: a late import hides a cycle from Python, not from a
reader.

    python scripts/architecture.py           the figures, as a table
    python scripts/architecture.py --check   exit 1 (saying why) on a cycle, a back-arrow or
                                             a unit missing from FLOORS
    python scripts/architecture.py --json    the figures as JSON
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "shortory_core"

FLOORS: tuple[tuple[str, ...], ...] = (
    ("__init__", "logs", "timefmt", "untrusted", "owner"),  # plain values, no I/O
    ("records",),  # the shared record types
    ("errors",),
    ("names",),  # the one rule for names people type
    ("config", "validate", "exports", "tables"),
    ("outputs", "access"),  # files written where the user says; who may open the analyst's pages
    ("vision",),  # the ONNX models
    ("store",),  # the database and media folder
    ("sources", "uploads", "project_ref"),  # inputs from the network and from files; names
    ("speech",),  # transcripts: the words spoken, cached per project
    ("jobs", "signals"),  # the generic job service; the signal registry and grid
    ("reactions", "panel", "projects"),
    ("clips", "live", "demo", "remote"),  # remote: invite links and viewers' browsers
    ("highlights",),  # the timeline, peaks, shorts
    ("charts", "kinds", "editor"),  # figures; the app's job kinds; timelines for editors
    ("batch",),
    ("bench",),
    ("cli",),
    ("__main__",),
)


def unit_of(path: Path) -> str:
    parts = path.relative_to(ROOT / PACKAGE).parts
    return parts[0].removesuffix(".py")


def imported_units(path: Path) -> set[str]:
    """The units of ``shortory_core`` that one file imports (relative imports resolved)."""
    found = set()
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == PACKAGE:
                found.add(parts[1] if len(parts) > 1 and _is_unit(parts[1]) else "__init__")
    return found


def _is_unit(name: str) -> bool:
    return (ROOT / PACKAGE / name).is_dir() or (ROOT / PACKAGE / f"{name}.py").is_file()


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        unit = unit_of(path)
        edges.setdefault(unit, set()).update(u for u in imported_units(path) if u != unit)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                found.append(sorted([v, *group]))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def floors_needed(edges: dict[str, set[str]]) -> int:
    """The number of floors the imports need: the longest chain of units, counted in units
    (a cycle's units count as one)."""
    groups = {u: min(g) for g in cycles(edges) for u in g}
    depth: dict[str, int] = {}

    def height(v: str, seen: frozenset[str]) -> int:
        key = groups.get(v, v)
        if key in depth:
            return depth[key]
        below = [height(w, seen | {key}) for w in edges.get(v, ())
                 if groups.get(w, w) != key and groups.get(w, w) not in seen]
        depth[key] = 1 + max(below, default=0)
        return depth[key]

    return max((height(v, frozenset()) for v in edges), default=0)


def figures() -> dict:
    edges = graph()
    floor = {unit: n for n, units in enumerate(FLOORS) for unit in units}
    back = sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if a in floor and b in floor and floor[b] >= floor[a])
    files = [*(ROOT / PACKAGE).rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    return {
        "lines": sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files),
        "units": len(edges),
        "floors": floors_needed(edges),
        "cycles": [" -> ".join(c) for c in cycles(edges)],
        "back_arrows": back,
        "undeclared": sorted(set(edges) - set(floor)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found = figures()
    if args.json:
        print(json.dumps(found, indent=2))
    else:
        print(f"lines {found['lines']}  units {found['units']}  floors {found['floors']}  "
              f"cycles {len(found['cycles'])}  back-arrows {len(found['back_arrows'])}")
        for key in ("cycles", "back_arrows", "undeclared"):
            for item in found[key]:
                print(f"  {key.replace('_', '-')[:-1]}: {item}")
    if args.check and (found["cycles"] or found["back_arrows"] or found["undeclared"]):
        print("Fix the imports, or place the unit on its floor in scripts/architecture.py "
              "FLOORS.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
