"""Live watch sessions: the server plays the video to the browser and analyses the webcam on
the same clock, so every sample carries the video time the viewer was seeing."""
