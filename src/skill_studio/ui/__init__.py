"""PySide6 desktop interface over skill_studio.core."""
