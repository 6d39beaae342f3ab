"""Regenerate the parts of the docs that the code already knows, so they cannot drift.

A generated part sits between ``<!-- generated: NAME -->`` and ``<!-- /generated -->`` in
README.md or docs/*.md; everything outside the markers is written by hand. Each NAME has one
generator below, reading the code (the CLI's parser, the job kinds, the comment columns) or the
test suite (its size).

    python scripts/docs.py          # rewrite every generated part
    python scripts/docs.py --check  # exit 1 and name each stale part; write nothing

``tests/test_docs.py`` runs the same check, so a change that makes the docs stale fails the
suite until this script is run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the package is not on the path yet
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from shortory_core.jobs import JobKind

MARKER = re.compile(r"(<!-- generated: ([\w-]+) -->)(.*?)(<!-- /generated -->)", re.DOTALL)
PROG = "python -m shortory_core"
USAGE_WIDTH = 96  # fixed, so the text does not follow the terminal of whoever runs this


class IncompleteCount(RuntimeError):
    """The suite could not be counted whole here (a module skipped at collection, say,
    because an optional requirement is missing): writing that count would make it wrong."""


def doc_files() -> list[Path]:
    """Every file that may hold generated parts."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


# -- what the code knows ---------------------------------------------------------------------


def job_kinds() -> list[JobKind]:
    """Every kind of background job the app registers: the one place that knows where they
    are registered."""
    from shortory_core.kinds import KINDS

    return list(KINDS.values())


def comment_columns() -> dict[str, tuple[str, ...]]:
    """The header names the comment importer reads, per field, in the order it tries them."""
    from shortory_core.sources.comment_headers import FAMILIES, ROLE_LABELS

    return {ROLE_LABELS[role]: names for role, names in FAMILIES.items()}


def commands() -> list[tuple[str, str, argparse.ArgumentParser]]:
    """The CLI's commands (name, one-line help, parser) as ``shortory_core.cli`` builds them.

    The parser is built twice, once as if on a one-core and once on a many-core machine: a
    default that differs (the analysis workers) is shown as depending on the machine, never
    as the number of the machine this runs on."""
    from shortory_core.cli import build_parser

    with mock.patch("os.cpu_count", return_value=1):
        small = build_parser()
    with mock.patch("os.cpu_count", return_value=64):
        large = build_parser()
    found = []
    for parser, other in zip(_subparsers(small), _subparsers(large), strict=True):
        name, help_text, sub = parser
        _mark_machine_defaults(sub, other[2])
        found.append((name, help_text, sub))
    return found


def global_parser() -> argparse.ArgumentParser:
    """The top-level parser, its list of commands shown as ``COMMAND``."""
    from shortory_core.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.metavar = "COMMAND"
    return parser




def _subparsers(parser: argparse.ArgumentParser
                ) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """Every command, a command's own sub-commands (``profile create``) each as one."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                sub = action.choices[choice.dest]
                nested = list(_subparsers(sub))
                if not nested:
                    yield choice.dest, choice.help or "", sub
                for name, help_text, inner in nested:
                    yield f"{choice.dest} {name}", help_text, inner


class MachineDefault:
    """A default computed from the machine's cores: shown as both values, never as the one
    of the machine the docs were generated on."""

    def __init__(self, one_core: object, many_cores: object) -> None:
        self.text = f"`{one_core}` on one core, `{many_cores}` on many"


def _mark_machine_defaults(parser: argparse.ArgumentParser,
                           other: argparse.ArgumentParser) -> None:
    for mine, theirs in zip(parser._actions, other._actions, strict=True):
        if mine.default != theirs.default:
            mine.default = MachineDefault(mine.default, theirs.default)


def test_count() -> int:
    """How many tests ``pytest`` collects from the whole suite, counted once, in a fresh
    process (collection runs no test, so this file's own tests are counted like any other)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    found = re.fullmatch(r"(\d+) tests? collected(.*)", summary)
    if done.returncode != 0 or found is None or re.search(r"skipped|error|deselected",
                                                          found.group(2)):
        raise IncompleteCount(f"pytest could not collect the whole suite here: {summary!r} "
                              f"{done.stderr.strip()[-300:]}")
    return int(found.group(1))


# -- generators: name → text between the markers -------------------------------------------


def _block(lines: list[str]) -> str:
    return "\n" + "\n".join(lines) + "\n"


def _usage(parser: argparse.ArgumentParser) -> str:
    """The usage line without ``usage:`` and ``[-h]``, wrapped with a plain indent (argparse
    aligns continuation lines under the program name, far to the right)."""
    usage = " ".join(parser.format_usage().removeprefix("usage: ").replace(" [-h]", "").split())
    lines = [""]
    for word in _words(usage):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > USAGE_WIDTH:
            lines.append("   ")
        lines[-1] += (" " if lines[-1] else "") + word
    return "\n".join(lines)


def _words(usage: str) -> Iterator[str]:
    """The usage's words, an optional group such as ``[--sort {popular,recent}]`` kept whole."""
    depth, word = 0, ""
    for char in usage:
        depth += (char in "[{(") - (char in "]})")
        if char == " " and depth == 0:
            yield word
            word = ""
        else:
            word += char
    yield word


def gen_test_count() -> str:
    return f"{test_count():,} tests"


def gen_cli() -> str:
    """Every command's usage and its one-line help, for the README."""
    lines = ["```text", _usage(global_parser())]
    for name, help_text, parser in commands():
        lines += ["", f"# {name}: {help_text}", _usage(parser)]
    return _block([*lines, "```"])


def gen_cli_options() -> str:
    """Every command's arguments with their help, choices and defaults, for docs/CLI.md."""
    lines: list[str] = []
    for name, help_text, parser in commands():
        lines += [f"### `{name}`", "", f"{help_text[0].upper()}{help_text[1:]}.", "",
                  "```text", _usage(parser), "```", ""]
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            lines.append(f"- {_argument(parser, action)}")
        lines.append("")
    return _block(lines[:-1])


def _argument(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """One argument as argparse's help shows it (``--sort {popular,recent}``), with its help,
    whether it is required and its default."""
    name = parser._get_formatter()._format_action_invocation(action)
    parts = [action.help] if action.help else []
    if action.required and action.option_strings:
        parts.append("required")
    if isinstance(action.default, MachineDefault):
        parts.append(f"default {action.default.text}")
    elif action.default is not None and action.default != argparse.SUPPRESS \
            and action.nargs != 0:
        parts.append(f"default `{action.default}`")
    return f"`{name}`" + (f": {'; '.join(parts)}" if parts else "")


def gen_job_kinds() -> str:
    lines = ["| kind | lane | what it does | on failure, also marks |", "|---|---|---|---|"]
    for kind in job_kinds():
        subject = _subject(kind)
        lines.append(f"| `{kind.name}` | `{kind.lane}` | {kind.title} | {subject} |")
    return _block(lines)


def _subject(kind: JobKind) -> str:
    """What a kind's settle function marks, read from its name (``settle_clip`` → clip)."""
    if kind.settle is None:
        return "—"
    return "its " + kind.settle.__name__.removeprefix("settle_").replace("_", " ")


def gen_comment_columns() -> str:
    lines = ["| field | header names read (first found wins) |", "|---|---|"]
    for field, names in comment_columns().items():
        lines.append(f"| {field} | {', '.join(f'`{n}`' for n in names)} |")
    return _block(lines)


GENERATORS: dict[str, Callable[[], str]] = {
    "test-count": gen_test_count,
    "cli": gen_cli,
    "cli-options": gen_cli_options,
    "job-kinds": gen_job_kinds,
    "comment-columns": gen_comment_columns,
}


# -- rewriting and checking ------------------------------------------------------------------


def regenerate(text: str, only: set[str] | None = None,
               cache: dict[str, str] | None = None) -> str:
    """``text`` with each generated part (of the names in ``only``, or all) rewritten; each
    generator runs once however many parts use it."""
    cache = {} if cache is None else cache

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in GENERATORS:
            raise KeyError(f"no generator for the part {name!r}; known: {', '.join(GENERATORS)}")
        if only is not None and name not in only:
            return match.group(0)
        if name not in cache:
            cache[name] = GENERATORS[name]()
        return match.group(1) + cache[name] + match.group(4)

    return MARKER.sub(fill, text)


def stale_parts(only: set[str] | None = None) -> list[str]:
    """``file: part`` for each generated part whose text differs from what the code says."""
    cache: dict[str, str] = {}
    stale = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for match in MARKER.finditer(text):
            name = match.group(2)
            if only is not None and name not in only:
                continue
            if regenerate(match.group(0), only, cache) != match.group(0):
                stale.append(f"{path.relative_to(ROOT)}: {name}")
    return stale


def main(argv: list[str] | None = None) -> int:
    options = _arguments().parse_args(argv)
    only = set(options.only) if options.only else None
    try:
        return _check(only) if options.check else _rewrite(only)
    except IncompleteCount as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _check(only: set[str] | None) -> int:
    stale = stale_parts(only)
    for part in stale:
        print(f"stale: {part}", file=sys.stderr)
    if stale:
        print("Run `python scripts/docs.py` to regenerate them.", file=sys.stderr)
    return 1 if stale else 0


def _rewrite(only: set[str] | None) -> int:
    cache: dict[str, Any] = {}
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        new = regenerate(text, only, cache)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}")
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name each stale part")
    parser.add_argument("--only", action="append", choices=sorted(GENERATORS),
                        help="only this part (repeatable)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
