"""Issue 15, Deliver 2: the colour scheme (light, dark, or the system's) and the contrast of what
the stylesheet and the badges draw (WCAG AA: 4.5:1 for text)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from skill_studio.ui import theme
from skill_studio.ui.models import BadgeKind

AA = 4.5


@pytest.fixture
def restore_light(qapp) -> Iterator[QApplication]:
    """The test may switch schemes; the next tests in this worker see the light one again."""
    yield qapp
    theme.apply_theme(qapp, "light")
    theme.apply_theme(qapp, "system")


def test_relative_luminance_and_contrast_follow_wcag() -> None:
    assert theme.relative_luminance("#000000") == pytest.approx(0.0)
    assert theme.relative_luminance("#ffffff") == pytest.approx(1.0)
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near-miss


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_roles_and_every_badge_reach_aa(qapp, scheme: str) -> None:
    pal = theme.palette_for(scheme)  # type: ignore[arg-type]
    tokens = theme.tokens(pal, scheme)  # type: ignore[arg-type]
    failures = []
    for fg, bg in theme.CONTRAST_PAIRS:
        ratio = theme.contrast_ratio(tokens[fg], tokens[bg])
        if ratio < AA:
            failures.append(f"{fg} on {bg}: {ratio:.2f}")
    for kind in BadgeKind:
        bg, fg, _border = theme.tone(kind, scheme)  # type: ignore[arg-type]
        ratio = theme.contrast_ratio(fg, bg)
        if ratio < AA:
            failures.append(f"badge {kind.value}: {ratio:.2f}")
    role = QPalette.ColorRole
    for fg_role, bg_role in ((role.Text, role.Base), (role.WindowText, role.Window), (role.ButtonText, role.Button),
                             (role.HighlightedText, role.Highlight), (role.ToolTipText, role.ToolTipBase)):
        ratio = theme.contrast_ratio(pal.color(fg_role), pal.color(bg_role))
        if ratio < AA:
            failures.append(f"{fg_role.name} on {bg_role.name}: {ratio:.2f}")
    assert not failures, f"{scheme}: " + "; ".join(failures)


def test_dark_scheme_is_dark_and_light_is_light(qapp) -> None:
    light, dark = theme.palette_for("light"), theme.palette_for("dark")
    assert theme.relative_luminance(light.color(QPalette.ColorRole.Base)) > 0.8
    assert theme.relative_luminance(dark.color(QPalette.ColorRole.Base)) < 0.05
    assert theme.relative_luminance(dark.color(QPalette.ColorRole.Text)) > 0.6


def test_stylesheet_has_no_fixed_colours_and_every_token_resolves(qapp) -> None:
    template = re.sub(r"/\*.*?\*/", "", theme.stylesheet_template(), flags=re.DOTALL)
    assert not re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|\bwhite\b|\bblack\b", template), \
        "style.qss must take its colours from the palette (@tokens)"
    for scheme in ("light", "dark"):
        sheet = theme.stylesheet(scheme)  # type: ignore[arg-type]
        assert "@" not in sheet
    assert theme.tokens(theme.palette_for("dark"), "dark")["base"].name() in theme.stylesheet("dark")
    assert not re.findall(r"background:\s*#ffffff", theme.stylesheet("dark").lower()), "a white background in dark"


def test_focus_is_styled_for_buttons_check_boxes_tables_and_tabs() -> None:
    sheet = theme.stylesheet_template()
    for selector in ("QPushButton:focus", "QCheckBox:focus", "QTableView:focus", "QTabBar::tab:selected:focus",
                     "QComboBox:focus", "QLineEdit:focus"):
        assert re.search(re.escape(selector) + r"[^{]*\{[^}]*@focus", sheet), selector


def test_appearance_choice_is_kept_and_applied(studio, make_window, restore_light) -> None:
    window = make_window(studio)
    combo = window.general.appearance
    assert [combo.itemData(i) for i in range(combo.count())] == ["system", "light", "dark"]
    combo.setCurrentIndex(combo.findData("dark"))
    assert theme.current_scheme() == "dark"
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert theme.relative_luminance(app.palette().color(QPalette.ColorRole.Base)) < 0.05
    assert window.settings.value(theme.SETTINGS_KEY) == "dark"
    window.close()
    again = make_window(studio)  # a new window (next launch) reads the choice back
    assert again.general.appearance.currentData() == "dark"
    assert theme.current_scheme() == "dark"
    again.set_scheme("light")
    assert theme.current_scheme() == "light"
    assert theme.relative_luminance(app.palette().color(QPalette.ColorRole.Base)) > 0.8


def test_system_choice_follows_the_style_hints(qapp, restore_light, monkeypatch) -> None:
    monkeypatch.setattr(theme, "system_scheme", lambda: "dark")
    assert theme.apply_theme(qapp, "system") == "dark"
    monkeypatch.setattr(theme, "system_scheme", lambda: "light")
    assert theme.apply_theme(qapp, "system") == "light"
    assert theme.resolve("dark") == "dark" and theme.resolve("bogus") == "light"


def test_every_table_with_check_boxes_gets_the_styled_indicator(studio, make_window) -> None:
    """style.qss styles table check boxes only under ``QTableView[checks="true"]`` (issue 18: the
    rule was consulted for every painted cell of every table); a table whose model has checkable
    cells without the property would fall back to Fusion's box, which vanishes on a dark window."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    sheet = theme.stylesheet_template()
    assert "QTableView::indicator" not in sheet
    assert re.search(r'QTableView\[checks="true"\]::indicator:checked[^{]*\{[^}]*image:', sheet)
    window = make_window(studio)
    tables = window.findChildren(QTableView)
    checkable = []
    for table in tables:
        model = table.model()
        if model is None or model.rowCount() == 0:
            continue
        flags = [model.flags(model.index(0, c)) for c in range(model.columnCount())]
        if any(f & Qt.ItemFlag.ItemIsUserCheckable for f in flags):
            checkable.append(table.objectName())
            assert table.property("checks") is True, table.objectName()
    assert checkable  # the registries and the Settings skills tables have an Enabled/Active box
    window.close()


def test_status_pills_painted_by_qt_follow_a_scheme_switch(restore_light, qtbot) -> None:
    """Issue 18: the browse table's status pills are pixmaps held by the filter's paint mirror
    (``BadgeStripDelegate``); switching to dark makes them again in the dark tones."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from skill_studio.core.models import CatalogSkill, InstallState, SkillMetadata
    from skill_studio.ui.models import CatalogRow, CatalogTableModel, RowFilterModel
    from skill_studio.ui.widgets import BadgeStripDelegate

    theme.apply_theme(restore_light, "light")
    meta = SkillMetadata(name="s", name_valid=True, local_name="s", description="d", version=None)
    skill = CatalogSkill("p:s", "s", "s", True, "p", "skills/s", "1.0.0", "d", "o/r", "a" * 40, meta)
    model = CatalogTableModel()
    model.set_rows([CatalogRow(skill, InstallState.UP_TO_DATE)])
    proxy = RowFilterModel()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setItemDelegateForColumn(CatalogTableModel.STATE, BadgeStripDelegate(view, proxy, CatalogTableModel.STATE))
    view.show()
    qtbot.waitExposed(view)
    cell = proxy.index(0, CatalogTableModel.STATE)

    def pill_background() -> str:
        image = cell.data(Qt.ItemDataRole.DecorationRole).toImage()
        return image.pixelColor(image.width() // 2, 2).name()  # inside the pill, above its text

    assert cell.data(Qt.ItemDataRole.DisplayRole) is None  # the text is not painted over the pill…
    assert cell.data(Qt.ItemDataRole.AccessibleTextRole) == "up to date"  # …it is there for screen readers
    light = pill_background()
    assert light == theme.badge_colors(BadgeKind.OK)[0].name()
    theme.apply_theme(restore_light, "dark")
    qtbot.waitUntil(lambda: pill_background() != light)
    assert pill_background() == theme.badge_colors(BadgeKind.OK)[0].name()
