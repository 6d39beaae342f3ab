"""The docs cannot drift: generated parts are current, every package and job kind is placed in
"Where things live", and every script or command the docs name exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
INTERNALS = ROOT / "docs" / "INTERNALS.md"


def _docs_script() -> ModuleType:
    """``scripts/docs.py`` (not a package: loaded by path), the one place that knows how each
    generated part and the list of job kinds are read."""
    spec = importlib.util.spec_from_file_location("shortory_docs", ROOT / "scripts" / "docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs = _docs_script()


def _where_things_live() -> str:
    text = INTERNALS.read_text(encoding="utf-8")
    section = re.search(r"^## Where things live\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert section, "docs/INTERNALS.md has no '## Where things live' section"
    return section.group(1)


def test_generated_parts_read_from_the_code_are_current() -> None:
    cheap = set(docs.GENERATORS) - {"test-count"}
    assert docs.stale_parts(cheap) == [], "run `python scripts/docs.py`"


def test_the_test_count_is_current() -> None:
    """Collects the suite in a fresh process (about 15 s): collection runs no test, so this
    test is counted once, like any other."""
    try:
        stale = docs.stale_parts({"test-count"})
    except docs.IncompleteCount as exc:
        pytest.skip(str(exc))
    assert stale == [], "run `python scripts/docs.py --only test-count`"


def test_every_generated_part_has_a_generator_and_is_used() -> None:
    used = {m.group(2) for path in docs.doc_files()
            for m in docs.MARKER.finditer(path.read_text(encoding="utf-8"))}
    assert used == set(docs.GENERATORS)


def test_the_check_names_a_stale_part_and_the_rewrite_fixes_it() -> None:
    text = "before <!-- generated: job-kinds -->old<!-- /generated --> after"
    fresh = docs.regenerate(text)
    assert fresh != text and fresh.startswith("before ") and fresh.endswith(" after")
    assert "`render`" in fresh
    assert docs.regenerate(fresh) == fresh


def test_every_package_is_placed_in_where_things_live() -> None:
    section = _where_things_live()
    packages = sorted(init.parent.relative_to(ROOT).as_posix() + "/"
                      for init in (ROOT / "shortory_core").rglob("__init__.py")
                      if init.parent != ROOT / "shortory_core")
    assert packages, "no package found under shortory_core"
    missing = [p for p in packages if f"`{p}`" not in section]
    assert missing == [], f"add a row to 'Where things live' in docs/INTERNALS.md for {missing}"


def test_every_job_kind_is_placed_in_where_things_live() -> None:
    section = _where_things_live()
    kinds = [kind.name for kind in docs.job_kinds()]
    assert kinds
    missing = [name for name in kinds if f"`{name}`" not in section]
    assert missing == [], f"name the job kinds {missing} in 'Where things live'"


SCRIPT = re.compile(r"(?:bash|python3?)\s+((?:scripts/)?[\w./-]+\.(?:sh|py))|(scripts/[\w.-]+)")
COMMAND = re.compile(r"python -m shortory_core (?:--data-dir \S+ )?([a-z][\w-]*)")


@pytest.mark.parametrize("path", docs.doc_files(), ids=lambda p: p.name)
def test_every_script_the_docs_name_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    named = {m.group(1) or m.group(2) for m in SCRIPT.finditer(text)}
    assert named or path.name != "README.md"
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert missing == [], f"{path.name} names scripts that do not exist: {missing}"


@pytest.mark.parametrize("path", docs.doc_files(), ids=lambda p: p.name)
def test_every_command_the_docs_name_exists(path: Path) -> None:
    known = {name.split()[0] for name, _, _ in docs.commands()}  # "profile create": profile
    named = set(COMMAND.findall(path.read_text(encoding="utf-8")))
    assert named - known == set(), f"{path.name} names commands the CLI does not have"
