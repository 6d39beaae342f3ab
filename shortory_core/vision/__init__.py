"""The vision engine: face → emotion + attention, on ONNX models described by model cards.

  cards.py          model cards (the JSON beside each .onnx) and ONNX sessions
  face_detector.py  BlazeFace: anchors, box/keypoint decoding, weighted NMS
  face_mesh.py      468 face landmarks on a rotated face crop; iris points
  emotion.py        the emotion classifier, preprocessing exactly as it was trained
  attention.py      head pose, eye openness over time, gaze → attention in [0, 1]
  calibration.py    per-viewer baseline: resting face reads neutral, own attention reads high
  engine.py         one frame → ``FrameAnalysis``; one recording → a timeline
"""
