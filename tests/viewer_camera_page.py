"""A bare page that mounts ``viewer_camera`` in the mode its URL names (``?mode=check``; for
``watch``, ``&session=KEY&video=SHORT|LONG``), for tests/test_viewer_camera.py; it prints the
component's state as JSON."""

import json

import streamlit as st

from pages.viewer_camera import calibration_data, viewer_camera
from shortory_core.vision.calibration import Prompt

mode = st.query_params.get("mode", "check")
data = {}
if mode == "calibrate":
    data = calibration_data((Prompt("neutral", "Rest your face", 2.0),
                             Prompt("happy", "Smile", 2.0)))
elif mode == "watch":
    data = {"video_url": f"remote/video/{st.query_params.get('video', 'SHORT')}",
            "session_key": st.query_params.get("session", "KEY")}
state = viewer_camera(mode, key=f"camera-{mode}", data=data)
st.session_state.setdefault("states", []).append(state)
st.text("STATE " + json.dumps(state))
