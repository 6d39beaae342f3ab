"""A project's comment files on its page: the column-mapping step of an import, and the list
of imported files, each of which can be switched off or deleted with what it added."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from shortory_core.errors import SourceError
from shortory_core.projects import delete_import, import_summary, switch_import
from shortory_core.records import CommentImport
from shortory_core.sources.comment_files import preview_columns
from shortory_core.sources.comment_headers import ROLE_LABELS, ROLES, describe
from shortory_core.store import Store
from shortory_core.untrusted import for_markdown

PREVIEW_BYTES = 1 << 20  # the header and first rows of any real export fit in the first MB
NOT_USED = "(none)"


def choose_columns(data: bytes, name: str, key: str, then: str) -> dict[str, str] | None:
    """The mapping an upload's import should use: ``{}`` when its columns are known by name
    (or it is JSON), the user's choice where the header is unknown, ``None`` until a text
    column is chosen (or when the file cannot be read; the reason is shown). ``then``: what
    the user does once it is chosen (the step can appear below the button just pressed)."""
    try:
        preview = preview_columns(data[:PREVIEW_BYTES], name)
    except SourceError as exc:
        st.error(str(exc))
        return None
    if preview is None:
        return {}
    if "text" in preview.found:
        st.caption(f"Columns: {for_markdown(describe(preview.found))}.")
        return {}
    st.info("These columns are not named as any export Shortory knows. Say which is which "
            f"(the first rows are shown), then {then}.")
    width = len(preview.header)
    st.dataframe(pd.DataFrame([(row + [""] * width)[:width] for row in preview.rows],
                              columns=[f"{i + 1}: {h}" for i, h in enumerate(preview.header)]),
                 hide_index=True)
    mapping: dict[str, str] = {}
    picks = st.columns(3)
    for index, role in enumerate(ROLES):
        chosen = picks[index % 3].selectbox(
            ROLE_LABELS[role], [NOT_USED, *preview.header], key=f"{key}-{role}")
        if chosen != NOT_USED:
            mapping[role] = chosen
    return mapping if "text" in mapping else None


def imported_files(store: Store, imports: list[CommentImport]) -> None:
    """Each imported file: its name, when, how many comments it holds, which column became
    what; a switch for whether its comments count, and a delete with everything it added."""
    if deleted := st.session_state.pop("import-deleted", None):
        st.success(for_markdown(deleted))
    for record in imports:
        report = record.report
        when = dt.datetime.fromtimestamp(record.created_at).strftime("%Y-%m-%d %H:%M")
        text = st.container()
        text.markdown(f"**{for_markdown(report['file'])}** · {when} · "
                      f"{record.comments:,} comments"
                      + ("" if record.active else " · *switched off: not counted*"))
        text.caption(for_markdown(import_summary(report)))
        # on a row of their own: beside the text, at 1000 px they read "Cou…" and "D."
        switch, delete, _ = st.columns([3, 2, 3], vertical_alignment="center")
        counts = switch.toggle("Counts", value=record.active, key=f"import-on-{record.id}",
                               help="Off: its comments stay stored but no moment, peak or "
                                    "timeline counts them.")
        if counts != record.active:
            with st.spinner("Counting the comments again…"):
                switch_import(store, record.id, counts)
            st.rerun()
        # keyed by the file: after a delete the next row's popover must not open in its place
        with delete.popover("Delete", key=f"import-delete-menu-{record.id}"):
            st.write(f"Delete {report['file']} and the {record.comments:,} comments it added?")
            if st.button("Delete for good", key=f"import-delete-{record.id}", type="primary"):
                with st.spinner("Deleting…"):
                    delete_import(store, record.id)
                st.session_state["import-deleted"] = (
                    f"Deleted {report['file']} and its {record.comments:,} comments.")
                st.rerun()
        if report.get("problems"):
            with text.expander("First skipped records"):
                st.dataframe(pd.DataFrame({"record": report["problems"]}), hide_index=True)
