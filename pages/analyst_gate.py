"""The analyst's gate as the app draws it: a password form, this browser session remembering
the sign-in, and a "Sign out". The rules live in ``shortory_core.access``; ``app.py`` calls
``analyst_gate`` before it runs any analyst page. Not a page of its own (no ``st.Page``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NoReturn

import streamlit as st

from shortory_core.access import (
    HOW_TO_SET,
    AnalystGate,
    PasswordSettingError,
    Verdict,
    configured_password,
    exposure,
    verdict,
)
from shortory_core.remote.public_url import PUBLIC_URL_ENV
from shortory_core.untrusted import for_markdown

SIGNED_IN = "analyst-signed-in"  # session_state: the password's signature at sign-in


@st.cache_resource(show_spinner=False)
def shared_gate() -> AnalystGate:
    """One gate per server process: its limits count every browser session's attempts."""
    return AnalystGate()


def analyst_gate() -> bool:
    """Let this run go on to an analyst's page only if this browser session may see it;
    otherwise draw the sign-in form (or why the pages are closed) and stop the run. True when
    a password guards the pages and this session has signed in (so it may sign out)."""
    try:
        password = configured_password(os.environ, _secrets())
    except PasswordSettingError as exc:
        _closed(str(exc))
    where = exposure(st.get_option("server.address"), st.context.headers,
                     st.context.ip_address, os.environ.get(PUBLIC_URL_ENV))
    found = verdict(password, where)
    if found is Verdict.OPEN:
        return False
    if found is Verdict.REFUSED:
        _closed(f"This app can be reached from other machines ({for_markdown(where.why)}), "
                f"so the analyst's pages need a password, and none is set. {HOW_TO_SET}")
    gate = shared_gate()
    if gate.signed_in(password, st.session_state.get(SIGNED_IN)):
        return True
    _sign_in(gate, password, st.context.ip_address or "this machine")


def sign_out_button() -> None:
    st.button("Sign out", key="analyst-sign-out", icon="🔒",
              on_click=lambda: st.session_state.pop(SIGNED_IN, None))


def _secrets() -> Mapping[str, object]:
    """Streamlit secrets, or nothing when there is no (readable) secrets file."""
    return st.secrets if st.secrets.load_if_toml_exists() else {}


def _sign_in(gate: AnalystGate, password: str, client: str) -> NoReturn:
    st.title("Shortory · sign in")
    st.caption("These pages hold your projects and your viewers' reactions. A viewer invited "
               "to a study opens their own link and needs no password.")
    with st.form("analyst-sign-in", clear_on_submit=True):
        typed = st.text_input("Analyst password", type="password", key="analyst-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        answer = gate.attempt(password, typed, client)
        if answer.signature is not None:
            st.session_state[SIGNED_IN] = answer.signature
            st.rerun()
        st.error(answer.message, icon="🔒")
    st.stop()


def _closed(message: str) -> NoReturn:
    st.title("Shortory")
    st.error(message, icon="🔒")
    st.stop()
