"""Watch: the viewer plays the project's video here while the webcam is analysed live."""

from __future__ import annotations

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer
from streamlit_webrtc.sink import VideoSinkTrack

from pages.clip_library import show_recommendations
from pages.common import open_store, require_project, require_video
from shortory_core.charts.reactions import live_strip
from shortory_core.live.ice import rtc_configuration
from shortory_core.live.session import WatchSession, resumable_sessions
from shortory_core.timefmt import format_seconds, parse_seconds
from shortory_core.untrusted import for_markdown
from shortory_core.vision.calibration import GUIDED, OPTIONAL

NO_FACE_WARNING_S = 3.0

store = open_store()
opened = require_project(store)
project_id, project = opened.id, opened.project
st.title(f"Watch · {for_markdown(project.name)}")
video = require_video(opened)

watch_key = f"watch-{project_id}"
watch: WatchSession | None = st.session_state.get(watch_key)


def begin(session: WatchSession) -> None:
    st.session_state[watch_key] = session
    st.session_state[f"{watch_key}-sink"] = VideoSinkTrack(session.analyser.on_frame)


if watch is not None and watch.suspended:
    st.info("This session was paused after a long time without a viewer; its samples are "
            "saved. Resume it below.")
    del st.session_state[watch_key]
    watch = None

if watch is None:
    st.write("Watch the video here with your camera on: every moment of your reaction is "
             "recorded against the moment of the video you were seeing.")
    with st.form("new-session"):
        viewer = st.text_input("Your name", value="Viewer", max_chars=60)
        if st.form_submit_button("Start watching", type="primary"):
            with st.spinner("Loading the face models…"):
                begin(WatchSession.start(store, project_id, viewer))
            st.rerun()
    for old in resumable_sessions(store, project_id):
        label = (f"Resume {for_markdown(old.viewer)}'s session #{old.id} "
                 f"({old.n_samples} samples)")
        if st.button(label, key=f"resume-{old.id}"):
            with st.spinner("Loading the face models…"):
                begin(WatchSession(store, old.id))
            st.rerun()
    st.stop()

use_camera = st.toggle("Use my camera", value=True,
                       help="Off: the video plays and nothing is recorded")
player, panel = st.columns([3, 2])
with player:
    stream_key = f"watch-stream-{watch.session_id}-{int(use_camera)}"
    context = webrtc_streamer(
        key=stream_key,
        mode=WebRtcMode.SENDRECV if use_camera else WebRtcMode.RECVONLY,
        rtc_configuration=rtc_configuration(),
        media_stream_constraints={
            "video": {"width": 640, "height": 480, "frameRate": 30} if use_camera else False,
            "audio": False},
        source_video_track=watch.video_track(),
        source_audio_track=watch.audio_track(),
        sink_video_track=st.session_state[f"{watch_key}-sink"] if use_camera else None,
        video_html_attrs={"autoPlay": True, "controls": False, "style": {"width": "100%"}},
        # The viewer presses Start once: it connects, and the first frame sent starts the
        # clock (``PlaybackClock.begin``). From then on the page holds the stream on, which
        # hides streamlit-webrtc's own Start/Stop (the session's Stop below is the one stop)
        # and reconnects a connection that drops, as 0.79 sometimes does right after
        # connecting. Before it, a denied camera must not make the component retry in a loop.
        desired_playing_state=True if st.session_state.get(f"{stream_key}-up") else None,
    )
    if context.state.playing:
        if not st.session_state.get(f"{stream_key}-up"):
            st.session_state[f"{stream_key}-up"] = True
            st.rerun()  # at once: the component's own Stop must not stay beside the session's
    elif use_camera:
        st.caption("Press **Start** to connect and play. The browser asks for the camera; if "
                   "it was blocked, allow it from the address bar, or switch the camera off to "
                   "watch without recording.")
    else:
        st.caption("Press **Start** to play. The camera is off: nothing is recorded.")
    buttons = st.columns([1.0, 1.25, 1.0, 1.0, 1.0, 1.0], gap="small")
    if buttons[0].button("▶ Play", width="stretch"):
        watch.clock.play()
    if buttons[1].button("⏸ Pause", width="stretch"):
        watch.clock.pause()
    if buttons[2].button("⏪ 10 s", width="stretch"):
        watch.clock.seek(watch.clock.position() - 10)
    if buttons[3].button("⏩ 10 s", width="stretch"):
        watch.clock.seek(watch.clock.position() + 10)
    if buttons[4].button("⏮ 0:00", width="stretch", help="Restart from the beginning"):
        watch.clock.restart()
    if buttons[5].button("■ Stop", width="stretch", type="primary",
                         help="End the session and save it"):
        written = watch.stop()
        del st.session_state[watch_key]
        if written:
            st.success(f"Session saved: {written} samples. The Reactions, Panel and Highlights "
                       "studio pages show it now.")
            show_recommendations(store, project_id, store.clips(project_id), watch.session_id)
        else:
            st.info("Nothing was recorded (the camera was off or saw nothing), so no session "
                    "was kept.")
        st.stop()
    with st.form("go-to", border=False):
        where, go = st.columns([3, 1], vertical_alignment="bottom")
        target = where.text_input("Go to", placeholder="m:ss, h:mm:ss or seconds, e.g. 1:05")
        if go.form_submit_button("Go", width="stretch"):
            try:
                watch.clock.seek(parse_seconds(target))
            except ValueError as exc:
                st.error(str(exc))
    if use_camera:
        ask, more = st.columns([2, 1], vertical_alignment="center")
        with_more = more.checkbox("Also sad and angry", help="Two more prompts (6 s): your sad "
                                  "and angry faces are then known too")
        if ask.button("Calibrate to my face (about 10 s)",
                      help="Follow the prompts: a relaxed face, a smile, a surprised face. "
                           "Your profile is kept under your viewer name and used from then "
                           "on, here and for your recordings"):
            watch.analyser.calibrate(GUIDED + (OPTIONAL if with_more else ()))


@st.fragment(run_every=1.0)
def live_panel(watch: WatchSession) -> None:
    status = watch.status()
    state = "playing" if watch.clock.playing() else "paused"
    st.markdown(f"**{format_seconds(watch.clock.position())}** / "
                f"{format_seconds(watch.clock.duration)} · {state}")
    numbers = st.columns([1.5, 1, 1])
    latest = status.latest
    numbers[0].metric("Emotion", latest.dominant if latest and latest.face_found else "—")
    numbers[1].metric("Attention", f"{latest.attention:.2f}" if latest else "—")
    numbers[2].metric("Samples", status.samples)
    st.caption(f"Analysing {status.analysed_fps:.1f} frames/s · {status.skipped} of "
               f"{status.received} camera frames skipped to stay live")
    if status.received and status.no_face_for_s > NO_FACE_WARNING_S:
        st.warning(f"No face seen for {status.no_face_for_s:.0f} s: is your face in view? "
                   "The session goes on and records the absence.")
    elif latest and latest.n_faces > 1:
        st.info(f"{latest.n_faces} faces in view: the viewer's (the largest at first, then "
                "the one that stays in place) is followed.")
    if status.error:
        st.error(f"{for_markdown(status.error)} ({status.failed} frames not analysed so far; "
                 "the session keeps trying.)")
    if status.calibration == "running":
        st.info(f"**{status.prompt or 'Hold on'}** ({status.prompt_left_s:.0f} s)" if
                status.prompt else "Calibrating…", icon="📷")
    elif status.calibration == "done":
        st.success("Calibrated: your profile is saved under your viewer name; your expressions "
                   "are now read against your own face.", icon="✅")
    elif status.profile:
        st.caption("Your emotions are read through your saved viewer profile.")
    elif status.calibration not in ("none", "done"):
        st.warning(f"Calibration failed: {for_markdown(status.calibration)}")
    thumbnail = watch.analyser.thumbnail()  # drawn here, once a second, not per frame
    if thumbnail is not None:
        st.image(thumbnail, caption="Your camera, as analysed")
    if status.recent:
        st.plotly_chart(live_strip(status.recent), key="live-strip")


with panel:
    if use_camera:
        live_panel(watch)
