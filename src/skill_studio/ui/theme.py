"""Look and feel: the application icon, the colour scheme (light, dark, or the system's), the
stylesheet and the badge colours (issue 15, Deliver 2).

Every colour of the UI comes from the application palette: :func:`palette_for` builds the light or
dark palette, :func:`tokens` derives the stylesheet's named colours from its roles (borders, muted
text, the selection, the focus ring: mixes of ``Text``/``Base``/``Window``/``Highlight``), and
``resources/style.qss`` refers to them as ``@name``. Badges and status tones have one colour set per
scheme (:data:`TONES`). ``tests/ui/test_ui_theme.py`` checks that every text/background pair the
stylesheet and the badges use reaches WCAG AA (4.5:1) in both schemes (:data:`CONTRAST_PAIRS`).

The user's choice (System / Light / Dark, Settings → General) is kept in the UI's INI file under
:data:`SETTINGS_KEY`; "System" follows ``QStyleHints.colorScheme`` (Qt 6.5+), live.

Resources are read from ``skill_studio.resources`` with ``importlib.resources`` (works from a wheel
or a PyInstaller bundle).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any, Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from skill_studio.ui.models import BadgeKind

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

Scheme = Literal["light", "dark"]
SCHEME_CHOICES: tuple[tuple[str, str], ...] = (("system", "Same as the system"), ("light", "Light"), ("dark", "Dark"))
"""``(value, label)`` of the Appearance choice in Settings → General."""
SETTINGS_KEY = "appearance/scheme"
"""Where the choice is kept in the UI's INI file (``pages.open_settings``)."""

_ROLES = QPalette.ColorRole
_BASE_PALETTES: dict[str, dict[QPalette.ColorRole, str]] = {
    "light": {
        _ROLES.Window: "#ffffff", _ROLES.WindowText: "#1f2933", _ROLES.Base: "#ffffff",
        _ROLES.AlternateBase: "#f6f8fa", _ROLES.Text: "#1f2933", _ROLES.Button: "#ffffff",
        _ROLES.ButtonText: "#1f2933", _ROLES.BrightText: "#ffffff", _ROLES.Highlight: "#2563c9",
        _ROLES.HighlightedText: "#ffffff", _ROLES.Link: "#1a56b8", _ROLES.LinkVisited: "#5b3cb0",
        _ROLES.ToolTipBase: "#1f2933", _ROLES.ToolTipText: "#f5f7fa", _ROLES.PlaceholderText: "#66717d",
        _ROLES.Light: "#ffffff", _ROLES.Midlight: "#eef1f4", _ROLES.Mid: "#c5ccd3", _ROLES.Dark: "#8f99a3",
        _ROLES.Shadow: "#5f6b76",
    },
    "dark": {
        _ROLES.Window: "#1d2126", _ROLES.WindowText: "#e4e8ec", _ROLES.Base: "#16191d",
        _ROLES.AlternateBase: "#1c2025", _ROLES.Text: "#e4e8ec", _ROLES.Button: "#2a3038",
        _ROLES.ButtonText: "#e4e8ec", _ROLES.BrightText: "#ffffff", _ROLES.Highlight: "#2f68d0",
        _ROLES.HighlightedText: "#ffffff", _ROLES.Link: "#8ab4ff", _ROLES.LinkVisited: "#c2a8ff",
        _ROLES.ToolTipBase: "#e4e8ec", _ROLES.ToolTipText: "#16191d", _ROLES.PlaceholderText: "#9aa4ae",
        _ROLES.Light: "#3a414a", _ROLES.Midlight: "#30363e", _ROLES.Mid: "#4a525c", _ROLES.Dark: "#101215",
        _ROLES.Shadow: "#000000",
    },
}
_DISABLED_TEXT = {"light": "#8a949e", "dark": "#7d8791"}

TONES: dict[str, dict[BadgeKind, tuple[str, str, str]]] = {
    "light": {
        BadgeKind.NEUTRAL: ("#eef1f4", "#3d4b57", "#d3dae0"),
        BadgeKind.OK: ("#e5f4ea", "#17602d", "#b5dcc1"),
        BadgeKind.INFO: ("#e4effc", "#0b4f96", "#b4d1f3"),
        BadgeKind.WARN: ("#fff2de", "#7f4500", "#f6cf92"),
        BadgeKind.ERROR: ("#fde9e8", "#9c1f1b", "#f2bdbb"),
    },
    "dark": {
        BadgeKind.NEUTRAL: ("#2c333b", "#d3dae0", "#454e58"),
        BadgeKind.OK: ("#15331f", "#8fdca6", "#285c39"),
        BadgeKind.INFO: ("#14294a", "#9cc4ff", "#2a4f85"),
        BadgeKind.WARN: ("#3b2a0c", "#f5c675", "#6b4d18"),
        BadgeKind.ERROR: ("#43191a", "#ff9e99", "#7a2e2c"),
    },
}
"""Badge and status tone (background, text, border) per scheme and kind: text ≥ 4.5:1 on its
background (WCAG AA) in both schemes; the same tones colour notifications, banners and diffs."""

BADGE_COLORS = TONES["light"]
"""The light scheme's badge colours (kept for callers of the first version)."""

_current: dict[str, str] = {"choice": "", "scheme": "light"}


# -- colour arithmetic ------------------------------------------------------------------------------

def relative_luminance(color: QColor | str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour, 0.0 (black) … 1.0 (white)."""
    c = QColor(color)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    """WCAG contrast ratio of two colours, 1.0 … 21.0 (AA body text needs 4.5)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def mix(a: QColor | str, b: QColor | str, t: float) -> QColor:
    """``t`` of ``a`` over ``1 - t`` of ``b`` (0 gives ``b``, 1 gives ``a``), opaque."""
    ca, cb = QColor(a), QColor(b)
    return QColor.fromRgbF(ca.redF() * t + cb.redF() * (1 - t), ca.greenF() * t + cb.greenF() * (1 - t),
                           ca.blueF() * t + cb.blueF() * (1 - t))


# -- palette and tokens -----------------------------------------------------------------------------

def palette_for(scheme: Scheme) -> QPalette:
    """The application palette of a scheme (every role, plus disabled text)."""
    pal = QPalette()
    for role, value in _BASE_PALETTES[scheme].items():
        pal.setColor(role, QColor(value))
    for role in (_ROLES.Text, _ROLES.WindowText, _ROLES.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT[scheme]))
    pal.setColor(QPalette.ColorGroup.Disabled, _ROLES.Highlight, mix(pal.color(_ROLES.Highlight), pal.color(_ROLES.Base), 0.4))
    return pal


def tokens(pal: QPalette, scheme: Scheme) -> dict[str, QColor]:
    """The stylesheet's named colours, derived from the palette's roles (``@name`` in style.qss).

    Args:
        pal: the application palette (:func:`palette_for`).
        scheme: which tone set the status colours come from.

    Returns:
        ``{name: colour}``: the roles themselves (``window``, ``base``, ``text``, ``highlight``, …)
        and mixes of them (``border``, ``surface``, ``muted``, ``selection``, ``focus``, …), plus
        ``<kind>_bg`` / ``<kind>_fg`` / ``<kind>_border`` per tone (``ok``, ``info``, ``warn``,
        ``error``, ``neutral``).
    """
    role = pal.color
    window, base, text = role(_ROLES.Window), role(_ROLES.Base), role(_ROLES.Text)
    hl = role(_ROLES.Highlight)
    dark = scheme == "dark"
    t: dict[str, QColor] = {
        "window": window, "base": base, "alt_base": role(_ROLES.AlternateBase), "text": text,
        "window_text": role(_ROLES.WindowText), "button": role(_ROLES.Button),
        "button_text": role(_ROLES.ButtonText), "highlight": hl,
        "highlighted_text": role(_ROLES.HighlightedText), "link": role(_ROLES.Link),
        "placeholder": role(_ROLES.PlaceholderText),
        "disabled_text": pal.color(QPalette.ColorGroup.Disabled, _ROLES.Text),
        "border": mix(text, base, 0.26 if dark else 0.24),
        "border_soft": mix(text, base, 0.14 if dark else 0.12),
        "indicator_border": mix(text, base, 0.55),
        "surface": mix(text, window, 0.05 if dark else 0.045),
        "hover": mix(text, window, 0.10 if dark else 0.07),
        "pressed": mix(text, window, 0.16 if dark else 0.12),
        "muted": mix(text, window, 0.68 if dark else 0.72),
        "strong": mix(text, window, 0.88),
        "selection": mix(hl, base, 0.42 if dark else 0.18),
        "selection_text": text,
        "focus": mix(hl, QColor("#ffffff"), 0.62) if dark else hl,
        "accent_text": mix(hl, QColor("#ffffff"), 0.45) if dark else mix(hl, QColor("#000000"), 0.75),
        "primary": hl, "primary_hover": mix(hl, QColor("#000000"), 0.86), "primary_text": role(_ROLES.HighlightedText),
        "primary_disabled": mix(hl, window, 0.35),
    }
    for kind, (bg, fg, border) in TONES[scheme].items():
        t[f"{kind.value}_bg"], t[f"{kind.value}_fg"], t[f"{kind.value}_border"] = QColor(bg), QColor(fg), QColor(border)
    return t


CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "base"), ("text", "alt_base"), ("window_text", "window"), ("button_text", "button"),
    ("highlighted_text", "highlight"), ("selection_text", "selection"), ("muted", "window"),
    ("muted", "base"), ("muted", "surface"), ("strong", "surface"), ("text", "surface"), ("text", "hover"),
    ("accent_text", "selection"), ("accent_text", "window"), ("primary_text", "primary"),
    ("primary_text", "primary_hover"), ("link", "base"), ("placeholder", "base"),
    ("neutral_fg", "neutral_bg"), ("ok_fg", "ok_bg"), ("info_fg", "info_bg"), ("warn_fg", "warn_bg"),
    ("error_fg", "error_bg"), ("ok_fg", "window"), ("error_fg", "window"),
    *((fg, f"{kind}_bg") for kind in ("neutral", "ok", "info", "warn", "error") for fg in ("window_text", "strong")),
)
"""(text token, background token) pairs the stylesheet and the badges draw; each must reach 4.5:1
(disabled controls are exempt in WCAG 1.4.3 and are not listed)."""


# -- resources --------------------------------------------------------------------------------------

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


def stylesheet_template() -> str:
    """``resources/style.qss`` as written (with ``@name`` colour tokens), or "" when absent."""
    data = _resource_bytes("style.qss")
    return data.decode("utf-8") if data else ""


def stylesheet(scheme: Scheme = "light") -> str:
    """The application stylesheet with every ``@name`` replaced by the scheme's colour.

    Raises:
        KeyError: the stylesheet names a token :func:`tokens` does not define.
    """
    colours = tokens(palette_for(scheme), scheme)
    sheet = re.sub(r"/\*.*?\*/", "", stylesheet_template(), flags=re.DOTALL)
    sheet = re.sub(r"@icon_([a-z_]+)", lambda m: icon_path(m.group(1)), sheet)
    return re.sub(r"@([a-z_]+)", lambda m: colours[m.group(1)].name(), sheet)


def icon_path(name: str) -> str:
    """A real file path of ``resources/icons/<name>.svg`` for the stylesheet's ``url()`` (a wheel or
    a source tree keeps it on disk; "" when it is not)."""
    node = resources.files("skill_studio.resources").joinpath("icons").joinpath(f"{name}.svg")
    path = str(node)
    return path.replace("\\", "/") if node.is_file() else ""


# -- scheme choice ----------------------------------------------------------------------------------

def system_scheme() -> Scheme:
    """The system's colour scheme (``QStyleHints.colorScheme``, Qt 6.5+); light when unknown."""
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        hints = app.styleHints()
        if getattr(hints, "colorScheme", None) is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
            return "dark"
    return "light"


def resolve(choice: str | None) -> Scheme:
    """The scheme a choice ("system", "light", "dark"; anything else counts as "system") shows."""
    if choice == "light":
        return "light"
    if choice == "dark":
        return "dark"
    return system_scheme()


def current_scheme() -> Scheme:
    """The scheme applied last (light before :func:`apply_theme`)."""
    return "dark" if _current["scheme"] == "dark" else "light"


def current_choice() -> str:
    """The choice applied last ("system" before :func:`apply_theme`)."""
    return _current["choice"] or "system"


def apply_theme(app: QApplication, choice: str | None = None) -> Scheme:
    """Fusion style, the palette and stylesheet of ``choice`` and the window icon on ``app`` (used by
    ``run_gui``, the tests and the screenshot script, so all three show the same UI).

    Args:
        app: the application.
        choice: "system" (default: follow ``QStyleHints.colorScheme``, also when it changes),
            "light" or "dark".

    Returns:
        The scheme now shown. Re-applying the scheme already shown does nothing (cheap to call).
    """
    choice = choice if choice in ("light", "dark") else "system"
    scheme = resolve(choice)
    first = not _current["choice"]
    if first:
        app.setStyle("Fusion")
        app.setWindowIcon(app_icon())
        hints = app.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(lambda _s: _follow_system(app))
    if first or scheme != _current["scheme"]:
        app.setPalette(palette_for(scheme))
        app.setStyleSheet(stylesheet(scheme))
    _current["choice"], _current["scheme"] = choice, scheme
    return scheme


def _follow_system(app: QApplication) -> None:
    if _current["choice"] == "system":
        apply_theme(app, "system")


def tone(kind: BadgeKind, scheme: Scheme | None = None) -> tuple[QColor, QColor, QColor]:
    """(background, text, border) of a tone in ``scheme`` (default: the scheme shown)."""
    bg, fg, border = TONES[scheme or current_scheme()][kind]
    return QColor(bg), QColor(fg), QColor(border)


def badge_colors(kind: BadgeKind) -> tuple[QColor, QColor, QColor]:
    """(background, text, border) colours of a badge kind in the scheme shown."""
    return tone(kind)


class SchemeColors(Mapping[str, Any]):
    """A read-only ``{name: colour}`` whose values follow the scheme shown (looked up on access), so
    module-level colour tables stay right after the user switches between light and dark.

    Args:
        table: ``{name: (tone kind, part)}`` with part "bg", "fg" or "border", or ``{name: (token,)}``
            for a stylesheet token of :func:`tokens`.
        as_hex: give ``"#rrggbb"`` strings instead of ``QColor``; a tuple value of several entries
            gives a tuple of colours.
    """

    def __init__(self, table: dict[str, tuple[Any, ...]], as_hex: bool = False) -> None:
        self._table, self._hex = table, as_hex

    def _one(self, spec: tuple[Any, str] | tuple[str]) -> QColor:
        if len(spec) == 1:
            return tokens(palette_for(current_scheme()), current_scheme())[spec[0]]
        bg, fg, border = tone(spec[0])
        return {"bg": bg, "fg": fg, "border": border}[spec[1]]

    def __getitem__(self, key: str) -> Any:
        spec = self._table[key]
        if spec and isinstance(spec[0], tuple):
            colours = tuple(self._one(s) for s in spec)
            return tuple(c.name() for c in colours) if self._hex else colours
        colour = self._one(spec)
        return colour.name() if self._hex else colour

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def muted_text() -> QColor:
    """Secondary text colour of the scheme shown (hints, sources in rich text)."""
    return tokens(palette_for(current_scheme()), current_scheme())["muted"]
