"""SteadyTabWidget: tab titles and page labels change without repainting every page (issue 18)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QRect
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from skill_studio.ui.widgets import ElidedLabel, SteadyTabWidget


class Page(QWidget):
    """A page that counts its paints, with a summary line that changes its text."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.painted: list[QRect] = []
        self.label = ElidedLabel("3 skills")  # a summary line: its size hints do not follow its text
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addStretch(1)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt override
        self.paints += 1
        self.painted.append(event.rect())
        super().paintEvent(event)


def shown(tabs: QTabWidget, qtbot) -> list[Page]:  # type: ignore[no-untyped-def]
    pages = [Page() for _ in range(3)]
    for i, page in enumerate(pages):
        tabs.addTab(page, f"registry {i} (40)")
    tabs.setDocumentMode(True)
    tabs.resize(600, 300)
    tabs.show()
    qtbot.waitExposed(tabs)
    settle()
    pages[0].paints = 0
    return pages


def settle() -> None:
    for _ in range(5):
        QCoreApplication.processEvents()


def test_a_title_or_a_label_changes_without_repainting_the_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    plain = QTabWidget()
    qtbot.addWidget(plain)
    pages = shown(plain, qtbot)
    plain.setTabText(1, "registry 1 (3 of 40)")
    settle()
    assert pages[0].paints > 0, "Qt's own tab widget repaints the page shown (what this class avoids)"

    tabs = SteadyTabWidget()
    qtbot.addWidget(tabs)
    pages = shown(tabs, qtbot)
    tabs.setTabText(1, "registry 1 (3 of 40)")
    settle()
    assert tabs.tabText(1) == "registry 1 (3 of 40)"
    assert pages[0].paints == 0, "a title"
    pages[0].label.setText("Showing 2 of 3 skills")  # (the first change also sets its tooltip)
    settle()
    pages[0].painted.clear()
    pages[0].label.setText("Showing 3 of 3 skills")  # a keystroke's summary line
    settle()
    assert pages[0].painted and all(pages[0].label.geometry().contains(r) for r in pages[0].painted), \
        "only what is under the label is painted again"


def test_a_change_that_moves_the_pages_is_laid_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    tabs = SteadyTabWidget()
    qtbot.addWidget(tabs)
    pages = shown(tabs, qtbot)
    top = pages[0].parentWidget().geometry().top()
    tabs.tabBar().setStyleSheet("QTabBar::tab { min-height: 60px; }")  # a taller tab bar
    settle()
    assert pages[0].parentWidget().geometry().top() > top, "the page moves below the taller tab bar"
    pages[0].label.setMinimumHeight(500)  # a page that needs more room: the window learns it
    settle()
    assert tabs.minimumSizeHint().height() > 500
