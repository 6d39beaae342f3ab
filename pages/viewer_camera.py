"""The viewer's camera on the remote viewer's page: a Streamlit component (components v2) whose
inline loader imports the built bundle (``/remote/assets/viewer.js``), which reads the face in
the viewer's own browser with the models of ``models/`` (onnxruntime-web, WebAssembly).

    state = viewer_camera("check", key="camera-check", data={})

Modes and the state each returns (keys absent until the browser sets them):

- ``"check"``: ``{"check": {"ok", "face", "face_share", "light": "ok"|"dark"|"bright",
  "brightness", "fps"}}``, set once 2 s of camera have been read and again whenever ``ok``
  changes.
- ``"calibrate"``: ``data={"prompts": [{"emotion", "instruction", "seconds"}], "settle_s"}``
  (``calibration_data()`` builds it) → ``{"calibration": {"prompts": {emotion: [frame...]},
  "done": True}}``, each frame ``{"face", "emo", "feat", "att"}`` as
  ``remote.calibration.calibration_from_browser`` takes them.
- ``"watch"``: ``data={"video_url": "remote/video/TOKEN", "session_key": KEY, "calibration":
  calibration_for_browser(c) or None}`` → ``{"sent": n, "ended": bool}``; the component plays the
  video itself, stamps every sample with the time it showed, posts batches to
  ``remote/api/samples`` and ``finish`` when the video ends.

Every mode may return ``{"error": code}``: ``no-webassembly``, ``camera-denied``,
``no-camera``, ``camera-failed``, ``models-failed``, ``video-failed``, ``session-refused``,
``analysis-failed``
(the component already shows the viewer a plain sentence for each).
``data["card"]`` (a card file of ``models/``, e.g. the project's chosen emotion model) picks the
emotion model; the default card otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import streamlit as st

from shortory_core.vision.calibration import SETTLE_S, Prompt

Mode = Literal["check", "calibrate", "watch"]
STATES = ("check", "calibration", "sent", "ended", "error")
SAMPLES_URL = "remote/api/samples"
FINISH_URL = "remote/api/finish"

# Resolved against the page's own URL, so the app may sit under any base path.
LOADER = """
export default function (component) {
  const { parentElement, setStateValue } = component;
  if (typeof WebAssembly !== 'object') {
    const note = document.createElement('p');
    note.textContent = 'This browser cannot run the face analysis (WebAssembly is turned off '
      + 'or missing). Please open the link in a current Chrome, Edge, Firefox or Safari.';
    parentElement.append(note);
    setStateValue('error', 'no-webassembly');
    return undefined;
  }
  let cleanup = null;
  let gone = false;
  import(new URL('remote/assets/viewer.js', document.baseURI).href)
    .then((bundle) => { if (!gone) cleanup = bundle.mount(component); })
    .catch(() => setStateValue('error', 'models-failed'));
  return () => { gone = true; if (cleanup) cleanup(); };
}
"""

_component = st.components.v2.component("shortory.viewer_camera", js=LOADER)


def viewer_camera(mode: Mode, *, key: str, data: Mapping[str, Any] | None = None
                  ) -> dict[str, Any]:
    """Mount the camera in ``mode``; the state the browser has set so far (see the module)."""
    payload = {"mode": mode, "key": key, "samples_url": SAMPLES_URL, "finish_url": FINISH_URL,
               **(data or {})}
    result = _component(key=key, data=payload,
                        **{f"on_{name}_change": _ignore for name in STATES})
    return {name: result[name] for name in STATES if result.get(name) is not None}


def _ignore() -> None:
    """State changes rerun the page by themselves; nothing else to do."""


def calibration_data(prompts: Sequence[Prompt]) -> dict[str, Any]:
    """The ``calibrate`` mode's data for these prompts (vision/calibration.py's GUIDED, and
    OPTIONAL when the viewer wants more)."""
    return {"prompts": [{"emotion": p.emotion, "instruction": p.instruction,
                         "seconds": p.seconds} for p in prompts], "settle_s": SETTLE_S}
