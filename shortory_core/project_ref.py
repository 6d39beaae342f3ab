"""A project as a person names it: by its id or by its name, the same in every command.

Ids are what the app's links carry; names are what people remember and what a batch manifest
holds. Digits are read as an id first (a project named "42" is reached by its own id when
project 42 exists). A name must match exactly one project: two projects of one name are
refused with their ids, never one picked quietly.
"""

from __future__ import annotations

from shortory_core.errors import ShortoryError
from shortory_core.store import Store
from shortory_core.validate import id_in


def resolve_project(store: Store, ref: str) -> int:
    """The id of the project ``ref`` names (an id or an exact name); a refusal that says why
    when there is none, or more than one."""
    text = ref.strip()
    number = id_in(text)  # digits past SQLite's integers are no id (and no OverflowError)
    if number is not None and store.get_project(number) is not None:
        return number
    ids = store.projects_named(text)
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise ShortoryError(f"{len(ids)} projects are named {text!r} (ids "
                            f"{', '.join(map(str, ids))}); give the id.")
    if text.isdigit():
        raise ShortoryError(f"No project {text}; `projects` lists them.")
    raise ShortoryError(f"No project named {text!r}; `projects` lists them.")
