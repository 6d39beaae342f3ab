"""Your reaction: the only page a person with an invite link sees.

Consent, a camera check, an optional calibration, the video, thanks. The face is read by the
viewer's own browser (``pages/viewer_camera.py``); this page only keeps the steps, starts and
ends the session, and fits the calibration from the numbers the browser measured.
"""

from __future__ import annotations

import streamlit as st

from pages.common import open_store
from pages.viewer_camera import calibration_data, viewer_camera
from shortory_core.errors import ShortoryError
from shortory_core.reactions.models import note_session_model, project_emotion_card
from shortory_core.remote.assets import models_index
from shortory_core.remote.calibration import calibration_for_browser, calibration_from_browser
from shortory_core.remote.invites import Invite, note_opened, open_invite
from shortory_core.remote.viewer_sessions import (
    ViewerSession,
    finish_viewing,
    start_viewing,
    withdraw,
)
from shortory_core.timefmt import format_seconds
from shortory_core.untrusted import for_markdown
from shortory_core.vision.calibration import GUIDED, OPTIONAL

CONSENT = """
**What happens if you take part**

- While the video plays, your camera is on and **your own browser** reads your face: which
  of five expressions it shows (happy, sad, angry, neutral, surprise) and how attentive you
  look (your head turned to the screen, eyes open, gaze).
- **No video and no picture of you leaves your computer.** Only numbers are sent: the moment
  of the video, the five expression scores and the attention score, a few times a second.
- {who} sees these numbers, with those of other viewers, to find the moments that moved people.
- The numbers are kept under your name ({name_note}) until the study's owner deletes them;
  ask them how long that is, and who they are, if the link came without saying.
- You can stop at any time by closing this tab; what was measured until then is kept, marked
  as unfinished. Once the video has started, a **Withdraw** button at the bottom of the page
  deletes everything measured of you, also after the video has ended.
"""

store = open_store(viewer=True)
token = st.query_params.get("invite", "")
try:
    invite: Invite = open_invite(store, token)
except ShortoryError as exc:
    st.title("This link does not open")
    st.error(str(exc))
    st.stop()
video = store.get_video(invite.project_id)
project = store.get_project(invite.project_id)
if video is None or project is None:
    st.title("This link does not open")
    st.error("The video of this link was removed. Ask whoever sent it for a new one.")
    st.stop()

note_opened(store, invite)
steps = st.session_state.setdefault(f"viewer-{invite.id}", {"step": "consent"})
card = project_emotion_card(store, invite.project_id)
# The browser reads with the project's model when it is a shipped card (a card from elsewhere,
# named by SHORTORY_EMOTION_MODEL, is not served): the calibration is fitted for that model.
card_file = models_index()["cards"].get(card.name)
seen = {"card": card_file} if card_file else {}
model_name = card.name if card_file else models_index()["defaults"].get("emotion", card.name)


def check_advice(check: dict) -> str:
    """What to change when the camera check is not passed yet, in the viewer's words."""
    if not check.get("face"):
        return ("No face is seen yet. Look at the screen, with your whole face in the picture "
                "and nothing covering it.")
    if check.get("light") == "dark":
        return "It is too dark to read your face well: turn on a light in front of you."
    if check.get("light") == "bright":
        return ("The picture is too bright: move away from a window or a light behind you, "
                "or turn your back to it.")
    return "Your face is seen, but not steadily yet: stay still, facing the screen."


def go(step: str) -> None:
    steps["step"] = step
    st.rerun()


def offer_withdrawal(session: ViewerSession | None) -> None:
    """Withdrawing is always one confirmation away, once something of the viewer is kept."""
    if session is None:
        return
    with st.expander("Withdraw from this study"):
        st.write("This deletes your session and every number measured of you. It cannot be "
                 "undone.")
        if st.button("Withdraw and delete my data", key="withdraw"):
            withdraw(store, session.key)
            steps.clear()
            go("withdrawn")


title = project.name
session: ViewerSession | None = steps.get("session")
step = steps["step"]

if step == "consent":
    st.title("You are invited to watch a video")
    st.markdown(f"**{for_markdown(title)}** ({format_seconds(video.duration)})")
    st.markdown(CONSENT.format(who="Whoever sent you this link", name_note=(
        f"“{for_markdown(invite.viewer)}”, as the link names you" if invite.viewer else
        "the name you type below")))
    with st.form("consent"):
        name = invite.viewer or st.text_input("Your name (as the study should know you)",
                                              max_chars=60)
        agreed = st.checkbox("I have read this and agree to take part")
        if st.form_submit_button("Continue", type="primary"):
            if not agreed:
                st.error("Tick the box to agree, or close this tab to leave.")
            elif not str(name).strip():
                st.error("Type your name to continue.")
            else:
                steps["name"] = str(name).strip()
                go("check")
    st.stop()

if step == "check":
    st.title("Camera check")
    st.write("Allow the camera when your browser asks. Sit so that your face is in the middle "
             "of the picture, in front of a light rather than with one behind you.")
    result = viewer_camera("check", key="camera-check", data=seen)
    check = result.get("check") or {}
    # The component itself says what it sees (and any camera problem) under the picture; the
    # page adds what to change while the check is not passed.
    if check and not check.get("ok") and not result.get("error"):
        st.warning(check_advice(check))
    if st.button("Continue", type="primary", disabled=not check.get("ok")):
        go("calibrate")
    st.stop()

if step == "calibrate":
    st.title("Calibration (optional)")
    st.write("About ten seconds: rest your face, smile, look surprised, as the prompts ask. "
             "It helps the measurement read *your* face rather than an average one. You may "
             "skip it.")
    more = st.checkbox("Also a sad and an angry face (6 s more)")
    if steps.get("calibrating"):
        prompts = GUIDED + (OPTIONAL if steps.get("more") else ())
        # A fresh key per attempt: a retry must not read the last attempt's frames again.
        result = viewer_camera("calibrate", key=f"calibrate-{steps.get('attempt', 0)}",
                               data=seen | calibration_data(prompts))
        done = result.get("calibration") or {}
        if done.get("done") and not result.get("error"):
            try:
                fitted = calibration_from_browser(done.get("prompts") or {}, steps["name"],
                                                  model_name)
            except ValueError as exc:
                steps["calibrating"] = False
                st.error(f"Calibration did not work: {exc} Try again, or skip it.")
            else:
                steps["calibration"] = calibration_for_browser(fitted)
                go("ready")
    row = st.columns(2)
    if row[0].button("Calibrate", type="primary", disabled=bool(steps.get("calibrating"))):
        steps["calibrating"], steps["more"] = True, more
        steps["attempt"] = steps.get("attempt", 0) + 1
        st.rerun()
    if row[1].button("Skip"):
        go("ready")
    st.stop()

if step == "ready":
    st.title(title)
    if steps.get("calibration"):
        st.success("Calibrated: your expressions are now read against your own face.")
    st.write(f"The video lasts {format_seconds(video.duration)}. Keep your face in view and "
             "watch to the end; the page thanks you when it is over.")
    if st.button("Start the video", type="primary"):
        go("watch")
    st.stop()

if step == "watch":
    if session is None:
        try:
            session = steps["session"] = start_viewing(store, invite, steps["name"])
        except ShortoryError as exc:
            st.error(str(exc))
            st.stop()
        if card_file:
            note_session_model(store, session.session_id, card)
    st.title(title)
    st.caption("Your camera is on and read in this browser only. Watch to the end; the page "
               "thanks you when the video is over.")
    result = viewer_camera("watch", key=f"watch-{session.session_id}", data=seen | {
        "session_key": session.key, "video_url": f"remote/video/{token}",
        "calibration": steps.get("calibration")})
    if result.get("ended"):
        finish_viewing(store, session.key)
        go("thanks")
    offer_withdrawal(session)
    st.stop()

if step == "thanks":
    st.title("Thank you!")
    st.write("Your reaction was recorded. You can close this tab.")
    offer_withdrawal(session)
    st.stop()

st.title("You have withdrawn")
st.write("Your session and everything measured of you were deleted. You can close this tab.")
