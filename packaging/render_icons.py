"""Render resources/icons/skill-studio.svg to the PNG sizes used by desktop integrations.

Usage (no display needed):
    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py

Writes resources/icons/skill-studio-<N>.png for every size in SIZES and exits non-zero when the
SVG cannot be loaded or a PNG cannot be written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

SIZES = (16, 24, 32, 48, 64, 128, 256)
ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICON_DIR / "skill-studio.svg"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"error: cannot load {SOURCE}", file=sys.stderr)
        return 1
    for size in SIZES:
        target = ICON_DIR / f"skill-studio-{size}.png"
        if not render(renderer, size).save(str(target), "PNG"):
            print(f"error: cannot write {target}", file=sys.stderr)
            return 1
        print(f"wrote {target.relative_to(ICON_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
