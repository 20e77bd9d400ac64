"""Skill Studio: browse Claude skill marketplaces on GitHub and keep imported skills current."""

__version__ = "0.1.0"
