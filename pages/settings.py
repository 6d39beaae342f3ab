"""A page's controls remembered per project, in the store: across pages, tabs and restarts.

A page declares its controls' defaults once; each widget takes its value from
``st.session_state`` under ``settings.key(name)`` (and no ``value=`` of its own). The stored
values are put there when the page opens a project, saved back when they change, and
"Reset to defaults" puts the defaults back.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from shortory_core.store import Store


class PageSettings:
    def __init__(self, store: Store, project_id: int, page: str,
                 defaults: dict[str, Any]) -> None:
        self.store, self.project_id, self.page, self.defaults = store, project_id, page, defaults
        loaded = f"{page}:project"
        if st.session_state.get(loaded) != project_id:
            saved = store.page_settings(project_id, page)
            for name, default in defaults.items():
                value = saved.get(name, default)
                st.session_state[self.key(name)] = (list(value) if isinstance(default, list)
                                                    else type(default)(value))
            st.session_state[loaded] = project_id

    def key(self, name: str) -> str:
        return f"{self.page}:{name}"

    def values(self) -> dict[str, Any]:
        return {name: st.session_state.get(self.key(name), default)
                for name, default in self.defaults.items()}

    def save(self) -> None:
        """Store the controls' values if they differ from what is stored."""
        values = self.values()
        if values != self.store.page_settings(self.project_id, self.page):
            self.store.save_page_settings(self.project_id, self.page, values)

    def reset_button(self) -> None:
        """A button that puts every control back to its default (in a callback: it runs
        before the widgets are drawn again, which is when their state may change)."""
        st.button("Reset to defaults", key=f"{self.page}:reset", on_click=self._reset)

    def _reset(self) -> None:
        for name, default in self.defaults.items():
            st.session_state[self.key(name)] = default
        self.store.save_page_settings(self.project_id, self.page, dict(self.defaults))
