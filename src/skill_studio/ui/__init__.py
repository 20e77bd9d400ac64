"""PySide6 desktop interface over the application layer (skill_studio.app)."""
