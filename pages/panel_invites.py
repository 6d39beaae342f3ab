"""The Panel page's remote part: invite links, what became of each, and viewers arriving live.

The list and the arrivals refresh themselves at most once a second (``st.fragment``), so an
analyst watching a study fill sees states change and samples count up without touching the
page; everything else on the page reruns only when the analyst acts.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from pages.common import jobs
from shortory_core.errors import ShortoryError
from shortory_core.kinds.rendering import ask_for_preview
from shortory_core.remote.invites import create_invite, invite_url, list_invites, revoke_invite
from shortory_core.remote.public_url import PUBLIC_URL_ENV, public_base_url
from shortory_core.remote.viewer_sessions import remote_sessions
from shortory_core.store import Store
from shortory_core.untrusted import for_markdown

REFRESH_S = 1.0
STATE_LABELS = {"sent": "📨 sent", "opened": "👀 opened, not watching",
                "watching": "🔴 watching", "done": "✅ done", "partial": "◐ partial",
                "withdrawn": "↩️ withdrawn", "revoked": "⛔ revoked", "expired": "⌛ expired"}


def invite_section(store: Store, project_id: int) -> None:
    """Create links, and list them with their states (live while the toggle is on)."""
    st.subheader("Invite viewers")
    try:
        public = public_base_url(st.context.url)
    except ShortoryError as exc:
        st.error(str(exc))
        return
    if public.local_only:
        st.info(f"Links start with {public.base}, which opens only on this computer. To "
                "invite viewers elsewhere, publish the app behind HTTPS (browsers allow the "
                f"camera only there) and set `{PUBLIC_URL_ENV}`; the README's *A remote "
                "panel* shows how.")
    with st.form(f"new-invite-{project_id}", clear_on_submit=True, border=True):
        row = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
        viewer = row[0].text_input("Viewer's name", max_chars=60,
                                   placeholder="empty: one open link, each viewer types a name")
        group = row[1].text_input("Group", max_chars=30, placeholder="e.g. A")
        days = row[2].number_input("Expires after (days)", min_value=1, max_value=365,
                                   value=14, step=1)
        if row[3].form_submit_button("Create link", type="primary", width="stretch"):
            try:
                invite = create_invite(store, project_id, viewer=viewer.strip() or None,
                                       group=group, expires_days=float(days),
                                       base_url=public.base)
            except ShortoryError as exc:
                st.error(str(exc))
            else:
                st.session_state[f"invite-made-{project_id}"] = (
                    invite.viewer, invite_url(invite, public.base))
                # viewers' browsers play what the pages play: make the preview now
                st.session_state[f"invite-preview-{project_id}"] = ask_for_preview(
                    jobs(store), project_id)
    made = st.session_state.get(f"invite-made-{project_id}")
    if made:
        who, url = made
        st.success(f"Send this link to {for_markdown(who)}:" if who else
                   "Send this open link to your viewers; each types a name:")
        st.code(url, language=None, wrap_lines=True)
        need = st.session_state.get(f"invite-preview-{project_id}")
        if need is not None:
            st.info(f"Viewers' browsers may not play this video ({for_markdown(need.reason)}): "
                    "a preview is being made (Project page). Send the link once it is ready; "
                    "until then a viewer gets the original.")
    live = st.toggle("Refresh live", value=True, key=f"invites-live-{project_id}",
                     help="The list and the arrivals update themselves once a second")
    st.fragment(_invite_list, run_every=REFRESH_S if live else None)(
        store, project_id, public.base)


def _invite_list(store: Store, project_id: int, base: str) -> None:
    invites = list_invites(store, project_id)
    if not invites:
        st.caption("No invites yet.")
        return
    now = time.time()
    table = pd.DataFrame([{
        "id": s.invite.id, "viewer": s.invite.viewer or "(open link)", "group": s.invite.group,
        "state": STATE_LABELS[s.state], "viewers": s.sessions, "finished": s.finished,
        "samples": s.samples, "last heard": _ago(now, s.last_seen),
        "expires": pd.Timestamp(s.invite.expires_at, unit="s").strftime("%Y-%m-%d"),
        "link": invite_url(s.invite, base)} for s in invites])
    st.dataframe(table, hide_index=True, width="stretch", key=f"invites-{project_id}",
                 column_config={"link": st.column_config.LinkColumn("link", width="small",
                                                                    display_text="copy link")})
    arriving = [r for r in remote_sessions(store, project_id, now) if r.state == "watching"]
    if arriving:
        st.caption("Watching now: " + ", ".join(
            f"{for_markdown(r.session.viewer)} ({r.session.n_samples} samples, heard "
            f"{_ago(now, r.last_seen)})" for r in arriving))
    active = [s.invite for s in invites if s.state not in ("revoked",)]
    if active:
        pick, go = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick.selectbox(
            "Revoke a link (what it collected stays)", active, index=None,
            format_func=lambda i: f"#{i.id} · {i.viewer or 'open link'}"
                                  + (f" · {i.group}" if i.group else ""),
            key=f"revoke-pick-{project_id}")
        if go.button("Revoke", disabled=chosen is None, key=f"revoke-{project_id}",
                     width="stretch"):
            revoke_invite(store, chosen.id, project_id=project_id)
            st.rerun(scope="fragment")


def _ago(now: float, then: float | None) -> str:
    if then is None:
        return "—"
    seconds = max(0.0, now - then)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago" if seconds < 5400 else f"{seconds / 3600:.0f} h ago"
