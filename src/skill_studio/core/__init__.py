"""Qt-free core of Skill Studio.

Everything the app does lives here: GitHub access, catalog parsing, skill discovery, the SQLite
store, installs, snapshots and updates. ``skill_studio.ui`` (PySide6) and ``skill_studio.cli`` are
two thin faces over it. No module below this package may import PySide6 (checked by
``tests/test_architecture.py``).
"""
