"""Item models without a window (vorta/qutebrowser style): pytest-qt's qtmodeltester, the filter,
sorting and the registry check box."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QModelIndex, Qt
from uitools import none_refcount

from skill_studio.core.models import (
    CatalogSkill,
    Destination,
    InstalledSkill,
    InstallState,
    Registry,
    RegistrySource,
    SkillMetadata,
)
from skill_studio.ui.models import (
    BADGES_ROLE,
    ROW_ROLE,
    SORT_ROLE,
    Badge,
    BadgeKind,
    CatalogRow,
    CatalogTableModel,
    InstalledRow,
    InstalledTableModel,
    RegistryTableModel,
    SearchFilterProxy,
    version_key,
)

pytestmark = pytest.mark.gui


def skill(qualified: str, description: str | None = "does things", version: str | None = "1.0.0",
          warnings: tuple[str, ...] = ()) -> CatalogSkill:
    name = qualified.split(":")[-1]
    meta = SkillMetadata(name=name, name_valid=True, local_name=name, description=description, version=version)
    return CatalogSkill(qualified, name, name, True, qualified.split(":")[0] if ":" in qualified else None,
                        f"skills/{name}", version, description, "o/r", "a" * 40, meta, "", warnings)


def installed(local_name: str, version: str = "1.0.0", **kw) -> InstalledSkill:
    base = dict(id=1, local_name=local_name, destination=Destination.LIBRARY, path=f"/x/{local_name}", name=local_name,
                description="desc", version=version, registry="reg", registry_source="https://github.com/o/r",
                qualified_name=f"p:{local_name}", plugin="p", repo="o/r", source_path=f"skills/{local_name}",
                commit="a" * 40, origin="marketplace", snapshot_hash="h", upstream_hash="u", purpose="domain",
                slot=None, model=None, active=True, installed_at="t", updated_at="t")
    base.update(kw)
    return InstalledSkill(**base)


def catalog_rows() -> list[CatalogRow]:
    return [
        CatalogRow(skill("docs:pdf", "Fill PDF forms and extract tables")),
        CatalogRow(skill("docs:xlsx", "Spreadsheets: formulas, charts", "1.10.0"), InstallState.UP_TO_DATE,
                   installed("xlsx")),
        CatalogRow(skill("art:canvas", None, None, ("no description",)), name_taken=True),
        CatalogRow(skill("Data:SQL-Queries", "Write SQL for PDF reports", "1.2.0"), InstallState.CUSTOMIZED,
                   installed("sql-queries")),
    ]


def test_catalog_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = CatalogTableModel()
    model.set_rows(catalog_rows())
    qtmodeltester.check(model, force_py=True)


def test_installed_and_registry_models_pass_qtmodeltester(qtmodeltester) -> None:
    model = InstalledTableModel()
    model.set_rows([InstalledRow(installed("pdf"), customized=True), InstalledRow(installed("xlsx"), update_available=True)])
    qtmodeltester.check(model, force_py=True)
    regs = RegistryTableModel()
    regs.set_rows([Registry(1, "default-reg", RegistrySource("github.com", "a", "b"), True, True),
                   Registry(2, "other", RegistrySource("github.com", "c", "d"), False, False)])
    qtmodeltester.check(regs, force_py=True)


def test_catalog_columns_badges_and_row_role() -> None:
    model = CatalogTableModel()
    rows = catalog_rows()
    model.set_rows(rows)
    assert model.columnCount() == 5 and model.rowCount() == 4
    assert model.data(model.index(0, model.NAME)) == "docs:pdf"
    assert model.data(model.index(2, model.VERSION)) == "—"
    assert model.data(model.index(2, model.DESCRIPTION)) == "(no description)"
    assert model.data(model.index(1, model.STATE), BADGES_ROLE) == [Badge("up to date", BadgeKind.OK)]
    assert model.data(model.index(2, model.STATE), BADGES_ROLE) == [
        Badge("not installed", BadgeKind.NEUTRAL), Badge("name taken", BadgeKind.WARN)]
    assert model.data(model.index(3, model.STATE)) == "customized"
    assert model.data(model.index(3, model.NAME), ROW_ROLE) is rows[3]
    assert model.data(model.index(2, model.WARNINGS), Qt.ItemDataRole.DecorationRole) is not None
    assert "no description" in model.data(model.index(2, model.WARNINGS), Qt.ItemDataRole.ToolTipRole)
    # custom roles read back through C++ never come back as None (see models' module docstring)
    assert all(model.index(r, c).data(BADGES_ROLE) is not None for r in range(4) for c in range(5))


def test_filter_matches_name_and_description_case_insensitively() -> None:
    model = CatalogTableModel()
    model.set_rows(catalog_rows())
    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)

    def names() -> list[str]:
        return sorted(proxy.index(r, 0).data() for r in range(proxy.rowCount()))

    proxy.set_filter_text("PDF")  # name of one, description of another
    assert names() == ["Data:SQL-Queries", "docs:pdf"]
    proxy.set_filter_text("sql")  # mixed-case name
    assert names() == ["Data:SQL-Queries"]
    proxy.set_filter_text("pdf   forms")  # every word must match
    assert names() == ["docs:pdf"]
    proxy.set_filter_text("nothing-matches")
    assert names() == []
    proxy.set_filter_text("")
    assert proxy.rowCount() == 4


def test_sorting_uses_sort_role_versions_numerically() -> None:
    model = CatalogTableModel()
    model.set_rows(catalog_rows())
    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(CatalogTableModel.VERSION, Qt.SortOrder.AscendingOrder)
    versions = [proxy.index(r, CatalogTableModel.VERSION).data() for r in range(4)]
    assert versions == ["1.0.0", "1.2.0", "1.10.0", "—"]  # 1.10 after 1.2; none last
    proxy.sort(CatalogTableModel.STATE, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, CatalogTableModel.STATE).data() == "customized"
    assert version_key("v2.0") > version_key("1.9.9") and version_key(None) > version_key("99")
    assert isinstance(model.data(model.index(0, 0), SORT_ROLE), str)


def test_installed_model_badges_and_update_marks() -> None:
    model = InstalledTableModel()
    model.set_rows([InstalledRow(installed("pdf"), customized=True), InstalledRow(installed("xlsx"))])
    assert model.data(model.index(0, model.STATUS), BADGES_ROLE) == [Badge("customized", BadgeKind.WARN)]
    changed: list[int] = []
    model.dataChanged.connect(lambda a, b: changed.append(a.row()))
    model.set_updates({"xlsx"})
    assert changed == [1]
    assert model.data(model.index(1, model.STATUS)) == "update available"
    assert model.find("xlsx") == 1 and model.find("nope") == -1


def test_registry_enabled_checkbox_emits_toggle_without_changing_itself() -> None:
    model = RegistryTableModel()
    reg = Registry(2, "other", RegistrySource("github.com", "c", "d"), True, False)
    model.set_rows([reg])
    idx = model.index(0, model.ENABLED)
    assert model.flags(idx) & Qt.ItemFlag.ItemIsUserCheckable
    got: list[tuple[Registry, bool]] = []
    model.enabled_toggled.connect(lambda r, on: got.append((r, on)))
    assert model.setData(idx, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert got == [(reg, False)]
    assert not model.setData(model.index(0, model.NAME), "x", Qt.ItemDataRole.EditRole)
    assert model.data(model.index(0, model.NAME), BADGES_ROLE) == []
    assert model.rowCount(model.index(0, 0)) == 0 and model.rowCount(QModelIndex()) == 1


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_reading_custom_roles_does_not_leak_none_references() -> None:
    """PySide6 6.12.0 on Python < 3.12 drops a reference to None per invalid QVariant converted to
    Python; our custom roles must never produce one (else the app aborts after enough repaints)."""
    model = CatalogTableModel()
    model.set_rows(catalog_rows())
    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)
    before = none_refcount()
    for _ in range(200):
        for r in range(proxy.rowCount()):
            for c in range(proxy.columnCount()):
                idx = proxy.index(r, c)
                idx.data(BADGES_ROLE)
                idx.data(ROW_ROLE)
    assert none_refcount() >= before - 5


def test_customized_row_with_an_upstream_update_shows_both_badges_and_appends_without_reset(qtmodeltester) -> None:
    inst = installed("pdf")
    custom = CatalogRow(skill("docs:pdf"), InstallState.CUSTOMIZED, inst, upstream_newer=True)
    assert [b.text for b in custom.badges()] == ["customized", "update available"] and custom.has_update
    plain = CatalogRow(skill("docs:xlsx"), InstallState.UPDATE_AVAILABLE, installed("xlsx"), upstream_newer=True)
    assert [b.text for b in plain.badges()] == ["update available"] and plain.has_update
    assert not CatalogRow(skill("docs:docx"), InstallState.CUSTOMIZED, installed("docx")).has_update
    assert not CatalogRow(skill("docs:new")).has_update

    model = CatalogTableModel()
    model.set_rows([custom])
    resets, inserted = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.append_rows([plain, CatalogRow(skill("docs:new"))])
    model.append_rows([])
    assert resets == [] and inserted == [(1, 2)] and model.rowCount() == 3
    qtmodeltester.check(model)

    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_row_filter(lambda row: row.has_update)  # "Updates only"
    assert sorted(proxy.index(r, 0).data() for r in range(proxy.rowCount())) == ["docs:pdf", "docs:xlsx"]
    proxy.set_filter_text("xlsx")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["docs:xlsx"]
    proxy.set_row_filter(None)
    proxy.set_filter_text("")
    assert proxy.rowCount() == 3
