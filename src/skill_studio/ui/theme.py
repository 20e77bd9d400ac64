"""Look and feel: the application icon, the stylesheet and the badge colours, read from
``skill_studio.resources`` with ``importlib.resources`` (works from a wheel or a PyInstaller bundle)."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from skill_studio.ui.models import BadgeKind

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

BADGE_COLORS: dict[BadgeKind, tuple[str, str, str]] = {
    BadgeKind.NEUTRAL: ("#eef1f4", "#3d4b57", "#d3dae0"),
    BadgeKind.OK: ("#e5f4ea", "#17602d", "#b5dcc1"),
    BadgeKind.INFO: ("#e4effc", "#0b4f96", "#b4d1f3"),
    BadgeKind.WARN: ("#fff2de", "#7f4500", "#f6cf92"),
    BadgeKind.ERROR: ("#fde9e8", "#9c1f1b", "#f2bdbb"),
}
"""Badge (background, text, border) per kind; text contrast ≥ 7:1 on its background."""


def _resource_bytes(*parts: str) -> bytes | None:
    node = resources.files("skill_studio.resources")
    for p in parts:
        node = node.joinpath(p)
    try:
        return node.read_bytes()
    except (FileNotFoundError, OSError):
        return None


def app_icon() -> QIcon:
    """The Skill Studio icon with every PNG size from ``resources/icons`` (empty icon if absent)."""
    icon = QIcon()
    for size in ICON_SIZES:
        data = _resource_bytes("icons", f"skill-studio-{size}.png")
        if data:
            pm = QPixmap()
            if pm.loadFromData(data, "PNG"):
                icon.addPixmap(pm)
    return icon


def stylesheet() -> str:
    """The application stylesheet (``resources/style.qss``), or "" when absent."""
    data = _resource_bytes("style.qss")
    return data.decode("utf-8") if data else ""


def apply_theme(app: QApplication) -> None:
    """Fusion style, the stylesheet and the window icon on ``app`` (used by ``run_gui``, the tests
    and the screenshot script, so all three show the same UI)."""
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(stylesheet())


def badge_colors(kind: BadgeKind) -> tuple[QColor, QColor, QColor]:
    """(background, text, border) colours of a badge kind."""
    bg, fg, border = BADGE_COLORS[kind]
    return QColor(bg), QColor(fg), QColor(border)
