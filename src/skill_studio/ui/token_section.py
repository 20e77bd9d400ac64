"""The GitHub token row of *Settings → General* (R-NET-2, issue 6).

A host selector (github.com plus the hosts of configured registries; editable for any other
Enterprise host), a password field, *Test* / *Save* / *Forget*, a status line saying where the token
in use comes from (keyring, environment variable, none — never the token itself) and an inline
result line. Every keyring read/write and every request runs in a
:class:`~skill_studio.ui.workers.BackgroundOp`; after a save or forget the studio's GitHub clients
are rebuilt (``SkillStudio.invalidate_clients``) so the next request uses the new token.

When the machine has no keyring backend, the status says so plainly and *Save* / *Forget* are
disabled with a tooltip pointing at the environment-variable fallback.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from skill_studio.app import SkillStudio
from skill_studio.app import tokens as auth
from skill_studio.app.tokens import TokenSource, TokenStatus
from skill_studio.ui.widgets import button
from skill_studio.ui.workers import BackgroundOp, describe_error

SOURCE_LABELS = {TokenSource.KEYRING: "keyring", TokenSource.ENVIRONMENT: "environment", TokenSource.NONE: "none"}


def token_hosts(studio: SkillStudio) -> list[str]:
    """``github.com`` first, then the other hosts of configured registries, sorted (a small
    database query; GUI thread is fine)."""
    others = {r.source.host.lower() for r in studio.registries()} - {auth.GITHUB_COM}
    return [auth.GITHUB_COM, *sorted(others)]


class TokenSection(QWidget):
    """Host, token field, Test / Save / Forget, status and result lines.

    Signals:
        token_changed(str): a token was saved or forgotten for this host (the studio's clients were
            already invalidated).
    """

    token_changed = Signal(str)

    def __init__(self, studio: SkillStudio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.status: TokenStatus | None = None
        self._pending = 0
        self._status_gen = 0

        self.host = QComboBox()
        self.host.setObjectName("tokenHost")
        self.host.setAccessibleName("GitHub host")
        self.host.setEditable(True)
        self.host.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.host.setToolTip("The GitHub host the token is for (github.com or a GitHub Enterprise host)")
        self.host.setMinimumWidth(170)
        self.reload_hosts()
        self.host.currentTextChanged.connect(lambda _t: self._host_changed())

        self.token = QLineEdit()
        self.token.setObjectName("githubToken")
        self.token.setAccessibleName("GitHub token")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Paste a personal access token")
        self.token.setClearButtonEnabled(True)
        self.token.textChanged.connect(lambda _t: self._update_buttons())
        self.token.returnPressed.connect(self.save)
        self.test_button = button("Test", self.test, tip="Ask GitHub whom the token belongs to (nothing is stored)")
        self.save_button = button("Save", self.save, tip="Store the token in the system keyring")
        self.forget_button = button("Forget", self.forget, tip="Remove the token stored in the keyring for this host")
        for b in (self.test_button, self.save_button, self.forget_button):
            b.setAutoDefault(False)

        self.status_label = QLabel("Checking where the token comes from…")
        self.status_label.setObjectName("hint")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result = QLabel("")
        self.result.setObjectName("inlineStatus")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        hint = QLabel("A token raises GitHub's rate limit (60 requests an hour without one) and gives access to "
                      "private registries. It is kept in the system keyring, never in Skill Studio's files.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.host)
        row.addWidget(self.token, 1)
        row.addWidget(self.test_button)
        row.addWidget(self.save_button)
        row.addWidget(self.forget_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(row)
        lay.addWidget(self.status_label)
        lay.addWidget(self.result)
        lay.addWidget(hint)
        self._update_buttons()
        self.refresh_status()

    # -- state -----------------------------------------------------------------------------------

    def busy(self) -> bool:
        """True while a status read, test, save or forget runs."""
        return self._pending > 0

    def current_host(self) -> str:
        """The host typed or chosen (not normalised; the worker does that)."""
        return self.host.currentText().strip() or auth.GITHUB_COM

    def reload_hosts(self) -> None:
        """Offer github.com and the hosts of configured registries, keeping the current text."""
        current = self.host.currentText().strip() if self.host.count() else auth.GITHUB_COM
        self.host.blockSignals(True)
        self.host.clear()
        self.host.addItems(token_hosts(self.studio))
        self.host.setCurrentText(current or auth.GITHUB_COM)
        self.host.blockSignals(False)

    def _host_changed(self) -> None:
        self._set_result("", "")
        self.refresh_status()

    def _set_result(self, kind: str, text: str) -> None:
        self.result.setProperty("kind", kind)
        self.result.setText(text)
        self.result.setVisible(bool(text))
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

    def _update_buttons(self) -> None:
        st = self.status
        no_keyring = st is not None and not st.keyring_available
        typed = bool(self.token.text().strip())
        idle = not self.busy()
        self.test_button.setEnabled(idle and (typed or (st is not None and st.source is not TokenSource.NONE)))
        self.save_button.setEnabled(idle and typed and not no_keyring)
        self.forget_button.setEnabled(idle and not no_keyring and st is not None and st.stored)
        if no_keyring:
            assert st is not None
            tip = (f"No keyring backend is available on this machine ({st.keyring_backend}): set {st.env_var} "
                   f"in the environment instead; Skill Studio sends it to {st.host}.")
            self.save_button.setToolTip(tip)
            self.forget_button.setToolTip(tip)
        else:
            self.save_button.setToolTip("Store the token in the system keyring")
            self.forget_button.setToolTip("Remove the token stored in the keyring for this host")
        self.test_button.setToolTip("Ask GitHub whom the typed token belongs to (nothing is stored)" if typed or st is None
                                    or st.source is TokenSource.NONE
                                    else f"Ask GitHub whom the token in use ({SOURCE_LABELS[st.source]}) belongs to")

    def _start(self, op, success, failure=None) -> None:
        self._pending += 1
        self._update_buttons()

        def done() -> None:
            self._pending -= 1
            self._update_buttons()

        BackgroundOp(self, op, success) \
            .failure(failure or (lambda err: self._set_result("error", describe_error(err)))) \
            .finally_(done) \
            .run_in_background()

    # -- status ----------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Re-read where the token of the current host comes from (keyring access: in the background)."""
        self._status_gen += 1
        gen, host = self._status_gen, self.current_host()

        def shown(st: TokenStatus) -> None:
            if gen == self._status_gen:
                self._show_status(st)

        def failed(err: BaseException) -> None:
            if gen == self._status_gen:
                self.status = None
                self.status_label.setText(describe_error(err))

        self._start(lambda _p: auth.token_status(host), shown, failed)

    def _show_status(self, st: TokenStatus) -> None:
        self.status = st
        self.status_label.setText(st.message)  # says where the token comes from, never the token
        self._update_buttons()

    # -- actions ---------------------------------------------------------------------------------

    def test(self) -> bool:
        """Ask GitHub whom the typed token (or, with an empty field, the token in use) belongs to;
        the sentence appears inline, green or red. Returns False when nothing was started."""
        if self.busy():
            return False
        host, typed = self.current_host(), self.token.text().strip()
        self._set_result("busy", "Asking GitHub…")

        def op(_p):
            return auth.check_token(host, typed or auth.token_for(host) or "")

        self._start(op, lambda check: self._set_result("ok" if check.ok else "error", check.message))
        return True

    def save(self) -> bool:
        """Store the typed token in the keyring (background), clear the field, rebuild the clients.
        Returns False when nothing was started."""
        if self.busy() or not self.token.text().strip() or not self.save_button.isEnabled():
            return False
        host, typed = self.current_host(), self.token.text().strip()
        self._set_result("busy", "Saving the token…")
        self._start(lambda _p: auth.save_token(host, typed), lambda msg: self._stored(host, msg, clear=True))
        return True

    def forget(self) -> bool:
        """Remove the token stored for the host (background), rebuild the clients. Returns False
        when nothing was started."""
        if self.busy():
            return False
        host = self.current_host()
        self._set_result("busy", "Removing the token…")

        def op(_p):
            removed = auth.forget_token(host)
            h = auth.normalize_host(host)
            return f"Removed the token for {h} from the keyring." if removed else f"No token for {h} was stored."

        self._start(op, lambda msg: self._stored(host, msg, clear=False))
        return True

    def _stored(self, host: str, message: str, clear: bool) -> None:
        if clear:
            self.token.clear()
        self.studio.invalidate_clients()
        self._set_result("ok", message)
        self.refresh_status()
        self.token_changed.emit(host)
