"""Bundled data of Skill Studio (read with importlib.resources)."""
