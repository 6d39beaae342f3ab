"""Speech in a project's video: where words are spoken, and which (faster-whisper, locally)."""
