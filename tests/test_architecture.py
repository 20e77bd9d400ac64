"""Layering: skill_studio.core and skill_studio.app never import PySide6 (DESIGN.md, "Two layers, one direction")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "src" / "skill_studio" / "core"
APP = CORE.parent / "app"


def test_core_imports_without_pyside6() -> None:
    modules = sorted(f"skill_studio.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    assert "skill_studio.core.identity" in modules
    modules += ["skill_studio.app", *sorted(f"skill_studio.app.{p.stem}" for p in APP.glob("*.py") if p.stem != "__init__")]
    code = (
        "import sys\n"
        "sys.modules['PySide6'] = None\n"
        f"for m in {modules!r}:\n"
        "    __import__(m)\n"
        "assert not any(k.startswith('PySide6.') for k in sys.modules), 'PySide6 imported'\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_no_pyside6_text_in_core_sources() -> None:
    offenders = [p.name for p in CORE.glob("*.py") if "PySide6" in p.read_text() and "import" in p.read_text()
                 and any(line.lstrip().startswith(("import PySide6", "from PySide6")) for line in p.read_text().splitlines())]
    assert offenders == []


def test_faces_import_only_the_application_layer_models_and_errors() -> None:
    """``ui`` and ``cli`` import nothing of ``skill_studio.core`` but ``models`` and ``errors`` (issue 12);
    unlike the import-linter contract's explicit list, this also covers core modules added later."""
    import grimp

    graph = grimp.build_graph("skill_studio")
    allowed = {"skill_studio.core", "skill_studio.core.models", "skill_studio.core.errors"}
    offenders = sorted(
        (face_module, imported)
        for face in ("skill_studio.ui", "skill_studio.cli")
        for face_module in {face, *graph.find_descendants(face)}
        for imported in graph.find_modules_directly_imported_by(face_module)
        if imported.startswith("skill_studio.core") and imported not in allowed
    )
    assert offenders == []


def test_no_pyside6_in_the_application_layer_sources() -> None:
    offenders = [p.name for p in APP.glob("*.py")
                 if any(line.lstrip().startswith(("import PySide6", "from PySide6")) for line in p.read_text().splitlines())]
    assert offenders == []
