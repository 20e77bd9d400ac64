"""GitHub for real in the GUI (issue 6): the token row of Settings → General (Test / Save / Forget
against the fake server, with the in-memory keyring of tests/conftest.py, and without any keyring
backend), and the browse dialog's offline banner (R-NET-2, R-NET-4)."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator

import keyring
import keyring.core
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QTextEdit
from uitools import assert_no_background_work, shown_names, tab_of, wait_loaded

from skill_studio.core import auth
from skill_studio.core.models import Destination
from skill_studio.app.studio import SkillStudio
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.token_section import TokenSection

pytestmark = [pytest.mark.gui, pytest.mark.integration]

TOKEN = "ghp_SeCrEtTokenValue0123456789abcdef"
WRONG = "ghp_WrongTokenValue9876543210fedcba"

MARKET = {
    ".claude-plugin/marketplace.json": """{
  "name": "acme-private-skills",
  "owner": {"name": "Acme"},
  "plugins": [{"name": "warehouse", "source": "./plugins/warehouse", "description": "Warehouse"}]
}
""",
    "plugins/warehouse/skills/dbt-modeling/SKILL.md": """---
name: dbt-modeling
description: Model warehouse tables with dbt.
---
# dbt modeling
""",
    "plugins/warehouse/skills/sql-review/SKILL.md": """---
name: sql-review
description: Review SQL for correctness and cost.
---
# SQL review
""",
}


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens come from the keyring only in these tests (the developer's GITHUB_TOKEN must not leak in)."""
    monkeypatch.delenv(auth.ENV_GITHUB, raising=False)
    monkeypatch.delenv(auth.ENV_ENTERPRISE, raising=False)


@pytest.fixture
def net_studio(github, use_github, qapp) -> Iterator[SkillStudio]:
    """A SkillStudio on the per-test fake GitHub holding acme/private-skills (public until a test
    makes it private), with the default registry disabled (it is not on this server)."""
    github.add_repo_from_dir("acme", "private-skills", MARKET)
    use_github(github)
    s = SkillStudio()
    for reg in s.registries():
        s.set_registry_enabled(reg.source.url, False)
    yield s
    assert_no_background_work()  # noqa: F405
    s.close()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """No keyring backend on this machine (restored afterwards)."""
    previous = getattr(keyring.core, "_keyring_backend", None)
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.core._keyring_backend = previous


def widget_texts() -> list[str]:
    """Every text a user could see or hover in the application's widgets (labels, fields, buttons,
    tool tips, window titles, text views)."""
    out: list[str] = []
    for w in QApplication.allWidgets():
        out += [w.toolTip(), w.windowTitle()]
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        elif isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText(), w.displayText()]
        elif isinstance(w, QTextEdit):
            out.append(w.toPlainText())
    return out


def settle(qtbot, section: TokenSection) -> None:
    qtbot.waitUntil(lambda: not section.busy(), timeout=10000)


def type_token(section: TokenSection, text: str) -> None:
    section.token.clear()
    section.token.insert(text)


def test_token_test_save_forget_gives_access_to_a_private_registry(qtbot, github, net_studio: SkillStudio,
                                                                    make_window, memory_keyring, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    github.set_private("acme", "private-skills", TOKEN)
    github.set_valid_tokens({TOKEN})
    win: MainWindow = make_window(net_studio)
    win.show_page("settings/general")
    section = win.general.token_section
    assert win.general.token is section.token
    assert section.token.echoMode() is QLineEdit.EchoMode.Password
    settle(qtbot, section)
    assert section.current_host() == "github.com"
    assert section.status_label.text().startswith("No token for github.com: requests are anonymous")
    assert not section.save_button.isEnabled() and not section.forget_button.isEnabled()
    assert not section.test_button.isEnabled()  # nothing typed, nothing in use

    # Without a token the private registry is invisible (GitHub answers 404).
    win.show_page("settings/marketplace")
    win.marketplace.url_edit.setText("acme/private-skills")
    win.marketplace.add_button.click()
    qtbot.waitUntil(lambda: not win.marketplace._adding, timeout=10000)
    assert win.marketplace.status.property("kind") == "error"
    assert [r.source.slug for r in net_studio.registries() if r.enabled] == []

    # Test a wrong token: GitHub refuses it, in red, and nothing is stored.
    win.show_page("settings/general")
    type_token(section, WRONG)
    assert section.test_button.isEnabled() and section.save_button.isEnabled()
    section.test_button.click()
    settle(qtbot, section)
    assert section.result.property("kind") == "error"
    assert "refused the token" in section.result.text()
    assert memory_keyring.secrets == {}

    # Test the right one: accepted, signed in as the fake server's user, in green.
    type_token(section, TOKEN)
    section.test_button.click()
    settle(qtbot, section)
    assert section.result.property("kind") == "ok"
    assert section.result.text() == "Token accepted: signed in to github.com as octocat."
    assert github.count("/user") == 2

    # Save: stored in the keyring under the host, the field cleared, the status says where it is.
    section.save_button.click()
    settle(qtbot, section)
    assert memory_keyring.secrets == {(auth.SERVICE, "github.com"): TOKEN}
    assert section.token.text() == ""
    assert section.result.property("kind") == "ok" and "Saved the token for github.com" in section.result.text()
    assert section.status_label.text().startswith("Using the token stored in the keyring")
    assert section.forget_button.isEnabled() and not section.save_button.isEnabled()
    assert section.test_button.isEnabled()  # tests the token in use

    # The new token is used at once: the private registry can be added and browsed.
    win.show_page("settings/marketplace")
    win.marketplace.add_button.click()
    qtbot.waitUntil(lambda: not win.marketplace._adding, timeout=10000)
    assert win.marketplace.status.property("kind") == "ok", win.marketplace.status.text()
    dialog = win.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)  # noqa: F405
    tab = tab_of(dialog, "acme-private-skills")  # noqa: F405
    assert sorted(shown_names(tab)) == ["warehouse:dbt-modeling", "warehouse:sql-review"]  # noqa: F405
    assert not tab.is_offline() and not tab.offline_banner.isVisible()

    # With an empty field, Test checks the stored token.
    win.show_page("settings/general")
    section.test_button.click()
    settle(qtbot, section)
    assert section.result.text() == "Token accepted: signed in to github.com as octocat."

    # The token never shows up in a widget (the password field is cleared) nor in the logs.
    assert not [t for t in widget_texts() if TOKEN in t]
    assert TOKEN not in caplog.text and WRONG not in caplog.text

    # Forget: removed from the keyring, requests are anonymous again.
    section.forget_button.click()
    settle(qtbot, section)
    assert memory_keyring.secrets == {}
    assert section.result.text() == "Removed the token for github.com from the keyring."
    assert section.status_label.text().startswith("No token for github.com: requests are anonymous")
    assert not section.forget_button.isEnabled()
    dialog.reload_current()
    wait_loaded(qtbot, dialog)  # noqa: F405
    assert tab.error is not None  # the private registry is invisible again (no cached listing is used on 404)


def test_hosts_of_registries_are_offered(qtbot, net_studio: SkillStudio, make_window) -> None:
    win = make_window(net_studio)
    section = win.general.token_section
    settle(qtbot, section)
    assert [section.host.itemText(i) for i in range(section.host.count())] == ["github.com"]
    # Another host typed by hand gets its own status (GITHUB_ENTERPRISE_TOKEN is its variable).
    section.host.setCurrentText("ghe.example.com")
    settle(qtbot, section)
    assert section.status is not None and section.status.host == "ghe.example.com"
    assert "GITHUB_ENTERPRISE_TOKEN" in section.status_label.text()


def test_no_keyring_backend_says_so_and_disables_save(qtbot, no_keyring, net_studio: SkillStudio,
                                                      make_window) -> None:
    win = make_window(net_studio)
    win.show_page("settings/general")
    section = win.general.token_section
    settle(qtbot, section)
    text = section.status_label.text()
    assert "No keyring backend is available on this machine" in text
    assert "set GITHUB_TOKEN in the environment instead" in text
    type_token(section, TOKEN)
    assert not section.save_button.isEnabled() and not section.forget_button.isEnabled()
    assert "GITHUB_TOKEN" in section.save_button.toolTip()
    assert "GITHUB_TOKEN" in section.forget_button.toolTip()
    assert section.save() is False
    assert section.test_button.isEnabled()  # testing needs no keyring
    section.token.clear()


def test_offline_tab_shows_banner_with_age_and_reason_and_retry_clears_it(qtbot, github, net_studio: SkillStudio,
                                                                         make_window) -> None:
    reg = net_studio.add_registry("acme/private-skills")
    win = make_window(net_studio)
    dialog = win.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)  # noqa: F405
    tab = tab_of(dialog, reg.name)  # noqa: F405
    assert tab.is_loaded() and not tab.is_offline() and not tab.offline_banner.isVisible()
    index = dialog.tabs.indexOf(tab)
    assert "(offline)" not in dialog.tabs.tabText(index)

    # GitHub goes away (rate limited): reloading shows the cached catalog, marked offline.
    github.rate_limit(int(time.time()) + 1800)
    dialog.reload_current()
    qtbot.waitUntil(lambda: tab.is_offline(), timeout=10000)
    assert tab.offline_banner.isVisible()
    text = tab.offline_text.text()
    assert text.startswith("Offline — showing the catalog cached less than a minute ago: ")
    assert "rate limit" in text.lower()
    assert text.endswith(".")
    assert sorted(shown_names(tab)) == ["warehouse:dbt-modeling", "warehouse:sql-review"]  # noqa: F405
    assert dialog.tabs.tabText(index).endswith("(offline)")
    assert dialog.tabs.tabToolTip(index) == text

    # Back online: Retry reloads the tab and the banner goes.
    github.clear_faults()
    tab.offline_retry.click()
    qtbot.waitUntil(lambda: tab.is_loaded() and not tab.is_offline(), timeout=10000)
    assert not tab.offline_banner.isVisible()
    assert "(offline)" not in dialog.tabs.tabText(index)


def test_errors_without_a_cached_catalog_read_as_sentences(qtbot, github, net_studio: SkillStudio,
                                                           make_window, memory_keyring) -> None:
    """Not found and bad credentials, with nothing cached: the error state says why in a sentence."""
    net_studio.add_registry("acme/private-skills")
    github.set_private("acme", "private-skills", TOKEN)  # now invisible: 404
    win = make_window(net_studio)
    dialog = win.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)  # noqa: F405
    tab = dialog.tabs_list()[0]
    assert tab.error is not None
    reason = tab.error_view.reason.text()
    assert reason[0].isupper() and reason.rstrip().endswith((".", ")")), reason
    assert "Traceback" not in reason
    assert "acme/private-skills" in reason
    assert reason.startswith("GitHub answered 404 for acme/private-skills")
    assert "add a token" in reason

    # A stored token GitHub refuses: 401, naming which token to fix.
    github.set_valid_tokens({TOKEN})
    memory_keyring.secrets[(auth.SERVICE, "github.com")] = WRONG
    net_studio.invalidate_clients()
    dialog.reload_current()
    qtbot.waitUntil(lambda: tab.error is not None and not tab.is_loading(), timeout=10000)
    reason = tab.error_view.reason.text()
    assert reason.startswith("GitHub refused the token stored in the keyring (401 Bad credentials)"), reason
    assert reason.endswith(".") and WRONG not in reason


def test_a_hanging_server_is_announced_and_ends_with_the_endpoint(qtbot, github, net_studio: SkillStudio,
                                                                 make_window, monkeypatch) -> None:
    """Issue 16 item 7 in the GUI: the same "waiting for GitHub…" notice as the CLI's stderr, then
    the error naming the endpoint, within the request deadline (shortened here to 2 s)."""
    from skill_studio.core import github as github_module
    monkeypatch.setattr(github_module, "REQUEST_DEADLINE_S", 2.0)
    monkeypatch.setattr(github_module, "NOTICE_AFTER_S", 0.5)
    net_studio.add_registry("acme/private-skills")
    shutil.rmtree(net_studio.paths.cache, ignore_errors=True)
    net_studio.invalidate_clients()
    github.hang("/git/trees/", 60)
    win = make_window(net_studio)
    start = time.monotonic()
    dialog = win.open_browse(Destination.LIBRARY)
    qtbot.waitUntil(lambda: "network-wait" in [n.key for n in win.notifications.notifications()], timeout=5000)
    note = next(n for n in win.notifications.notifications() if n.key == "network-wait")
    assert note.title == "Waiting for GitHub"
    assert note.text.startswith("waiting for GitHub… (attempt 1 of 4: the file tree of acme/private-skills@")
    wait_loaded(qtbot, dialog)  # noqa: F405
    assert time.monotonic() - start < 2.0 + 3.0
    tab = dialog.tabs_list()[0]
    assert tab.error is not None
    reason = tab.error_view.reason.text()
    assert "did not answer in time" in reason and f"{github.base_url}/repos/acme/private-skills/git/trees/" in reason
    github.clear_faults()
    win.close()
    assert net_studio.on_network_wait is None
