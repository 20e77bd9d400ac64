"""Security review of a skill folder (issue 14): what is in it, and what deserves a look.

A skill is instructions an agent follows and often scripts it runs. :func:`review_skill` reads the
files of one skill folder — from a catalog listing before import (:func:`files_from_tree`) or from
an installed folder (:func:`files_from_folder`) — and returns every file with its kind and the
findings of the rules in :data:`RULES`, plus an overall risk (the highest severity found).
:func:`update_preview` compares two versions of a skill (installed → upstream) file by file and
reports the findings the new version adds.

Pure: no Qt, no network, no writes. The only I/O is reading the folder given to
:func:`files_from_folder` (symlinks are recorded, never followed) or calling the lazy readers the
caller passes. Fast enough for a 300-skill catalog: each text file is scanned with a handful of
precompiled regular expressions over the whole text (no per-line Python loops), and at most
:data:`MAX_SCAN_BYTES` of a file are read.
"""

from __future__ import annotations

import bisect
import functools
import os
import stat
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import regex as re

from .diffs import unified_diff
from .models import TreeEntry

__all__ = [
    "LARGE_FILE_BYTES",
    "MAX_SCAN_BYTES",
    "RISK_LEVELS",
    "RULES",
    "FileChangePreview",
    "Finding",
    "Review",
    "ReviewedFile",
    "Rule",
    "SkillFile",
    "UpdatePreview",
    "escape_hidden",
    "files_from_folder",
    "files_from_mapping",
    "files_from_tree",
    "new_findings",
    "review_skill",
    "update_preview",
]

RISK_LEVELS = ("none", "low", "medium", "high")
"""Risk levels in increasing order; a finding's severity is one of the last three."""

LARGE_FILE_BYTES = 1024 * 1024
"""A file larger than this (bytes) gets a ``large-file`` finding."""

MAX_SCAN_BYTES = 2 * 1024 * 1024
"""Text files are scanned up to this many bytes; larger files are not read in full."""

MODE_FILE = "100644"
MODE_EXEC = "100755"
MODE_SYMLINK = "120000"


# --------------------------------------------------------------------------------------------
# the rules, documented once (mirrored in the README's "Security review" table)


@dataclass(frozen=True)
class Rule:
    """One review rule.

    Attributes:
        id: the stable rule id used in findings and the JSON output.
        severity: the default severity (``low``/``medium``/``high``); some findings of a rule are
            graded differently, as ``why`` says.
        why: why it matters, one or two sentences for the user and the README.
    """

    id: str
    severity: str
    why: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("hidden-unicode", "high",
             "Bidirectional controls (U+202A–U+202E, U+2066–U+2069), zero-width characters "
             "(U+200B–U+200D, U+2060, a U+FEFF that is not the first character) and Unicode tag "
             "characters (U+E0000–U+E007F) make text read differently by the agent than by you. "
             "A zero-width joiner inside an emoji sequence is not reported."),
        Rule("html-comment", "low",
             "An HTML comment in a Markdown file is sent to the agent but never shown on the "
             "rendered page. Comments inside code blocks and inline code are shown, so not reported, "
             "and neither are short machine markers that carry no prose (generator and linter "
             "directives such as AGENTS-GENERATED:START name, markdownlint-disable, prettier-ignore)."),
        Rule("prompt-injection", "high",
             "Phrases that try to override the agent's instructions or hide actions from the user "
             "(ignore/disregard previous instructions, do not tell the user, without the user "
             "knowing, hide this from the user, …): the list is PROMPT_INJECTION_PHRASES."),
        Rule("pipe-to-shell", "high",
             "A download piped straight into a shell or eval (curl … | sh, wget -O- … | bash, "
             "iwr … | iex, eval \"$(curl …)\") runs code nobody reviewed. High in scripts; medium in "
             "Markdown code (an instruction the agent would run with your approval). A pipe into an "
             "interpreter that reads data (python -m json.tool) and table borders are not reported."),
        Rule("network", "medium",
             "A script that reaches the network (curl, wget, requests, urllib, httpx, fetch, "
             "sockets, Invoke-WebRequest) can send your data out or fetch new code."),
        Rule("secrets-access", "medium",
             "Reading ~/.ssh, ~/.aws, ~/.netrc, .git-credentials, keychains, .env files or token "
             "variables (GITHUB_TOKEN, *_API_KEY, *_SECRET …) gives access to your credentials. "
             "Medium in scripts; low in Markdown, where it is usually a setup note or a warning."),
        Rule("executable", "low",
             "A script, or any file with the executable bit, is code the agent may run."),
        Rule("binary", "low",
             "A binary file cannot be reviewed by reading it; medium when it is a native "
             "executable (ELF, Mach-O, PE)."),
        Rule("symlink", "low",
             "A symbolic link is never followed or installed; medium when it points outside the "
             "skill folder (absolute, or climbing with ..)."),
        Rule("large-file", "low",
             f"A file over {LARGE_FILE_BYTES // (1024 * 1024)} MiB is too big to review by eye and "
             "is scanned only in part."),
        Rule("encoded-payload", "medium",
             "A long base64 (200+ characters) or hex (200+ digits) run can hide a script or a "
             "prompt from a reader. Data URIs of images are not reported."),
        Rule("allowed-tools", "low",
             "Frontmatter allowed-tools pre-approves tools so the agent uses them without asking: "
             "high for Bash (or a shell) without a command pattern, medium for Bash with a "
             "pattern or for tools that write files or reach the network, low otherwise."),
    )
}
"""Every rule, by id (issue 14). The README's rules table mirrors this registry."""

PROMPT_INJECTION_PHRASES: tuple[str, ...] = (
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier|preceding) (?:instructions|prompts?|rules|directions)",
    r"disregard (?:all |any )?(?:the )?(?:previous|prior|above|earlier|preceding|your) (?:instructions|prompts?|rules|directions)",
    r"forget (?:all |any )?(?:the |your )?(?:previous|prior|above|earlier) (?:instructions|prompts?|rules)",
    r"override (?:the |your )?(?:system prompt|previous instructions)",
    r"(?:do not|don't|never) (?:tell|inform|alert|notify|show) the user(?=\s*(?:[.,;:!)\n]|$|about\b|anything\b|what\b|that you\b|of\b|you\b))",
    r"(?:do not|don't|never) (?:mention|reveal|disclose) (?:this|these|it|that) to the user",
    r"without (?:telling|informing|notifying|alerting) the user",
    r"without the user(?:'s)? (?:knowing|knowledge|noticing|consent)",
    r"(?:hide|conceal) (?:this|it|these|that) from the user",
    r"the user (?:must|should) not (?:know|see|notice)",
)
"""The documented phrase list of the ``prompt-injection`` rule (case-insensitive regexes)."""


def _severity_rank(severity: str) -> int:
    return RISK_LEVELS.index(severity)


# --------------------------------------------------------------------------------------------
# values


@dataclass(frozen=True)
class SkillFile:
    """One file of a skill folder, as input to the review.

    Attributes:
        path: POSIX path relative to the skill folder (``SKILL.md``, ``scripts/run.sh``).
        size: size in bytes (for a symlink: the length of its target).
        mode: git mode: ``100644`` file, ``100755`` executable, ``120000`` symlink.
        data: the bytes, a zero-argument callable returning them (read lazily, at most once per
            review), or None when the content is unavailable (the file is then listed and judged by
            its name and mode only). For a symlink: the link target.
    """

    path: str
    size: int
    mode: str = MODE_FILE
    data: bytes | Callable[[], bytes | None] | None = field(default=None, compare=False, repr=False)

    def read(self) -> bytes | None:
        """The content (calls the lazy reader); None when unavailable."""
        data = self.data
        if callable(data):
            return data()
        return data


@dataclass(frozen=True)
class ReviewedFile:
    """One file as the review saw it.

    Attributes:
        path, size, mode: as in :class:`SkillFile`.
        kind: ``text``, ``script``, ``binary`` or ``symlink``.
    """

    path: str
    size: int
    mode: str
    kind: str

    def to_json(self) -> dict[str, object]:
        """``{"path", "size", "mode", "kind"}`` (the CLI's JSON shape, issue 14)."""
        return {"path": self.path, "size": self.size, "mode": self.mode, "kind": self.kind}


@dataclass(frozen=True)
class Finding:
    """One thing worth a look.

    Attributes:
        rule: a :data:`RULES` id.
        severity: ``low``, ``medium`` or ``high``.
        path: the file, relative to the skill folder.
        line: 1-based line number, or None for a finding about the whole file.
        message: one sentence; hidden characters appear escaped (``\\u202e``), never raw.
    """

    rule: str
    severity: str
    path: str
    line: int | None
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies a finding across versions: ``(rule, path, message)`` — not the line."""
        return (self.rule, self.path, self.message)

    def to_json(self) -> dict[str, object]:
        """``{"rule", "severity", "path", "line", "message"}`` (issue 14)."""
        return {"rule": self.rule, "severity": self.severity, "path": self.path, "line": self.line,
                "message": self.message}


@dataclass(frozen=True)
class Review:
    """The review of one skill folder.

    Attributes:
        files: every file, sorted by path.
        findings: sorted by file, line, rule.
        risk: ``none`` (no finding) or the highest finding severity.
    """

    files: tuple[ReviewedFile, ...]
    findings: tuple[Finding, ...]
    risk: str

    def counts(self) -> dict[str, int]:
        """Findings per rule id (only rules that fired)."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return out

    def to_json(self, skill: str) -> dict[str, object]:
        """``{"skill", "risk", "files": [...], "findings": [...]}`` (the CLI's shape, issue 14)."""
        return {"skill": skill, "risk": self.risk, "files": [f.to_json() for f in self.files],
                "findings": [f.to_json() for f in self.findings]}


# --------------------------------------------------------------------------------------------
# inputs


def files_from_tree(entries: Iterable[TreeEntry], folder: str,
                    fetch: Callable[[TreeEntry], bytes | None] | None = None) -> list[SkillFile]:
    """The files of the skill folder ``folder`` in a repository tree listing (before import).

    Args:
        entries: tree entries of the repository (or of a subtree, with paths as in the listing).
        folder: the skill folder's repository path (``""`` for the root).
        fetch: returns the bytes of a blob entry (e.g. from a batch download), or None when not
            downloaded; called lazily, once per file. None: no content at all (files judged by
            name, size and mode).

    Returns:
        One :class:`SkillFile` per blob below ``folder`` (submodules and trees are left out), with
        paths relative to the folder.
    """
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    out: list[SkillFile] = []
    for e in entries:
        if e.type != "blob" or not e.path.startswith(prefix):
            continue
        reader = None if fetch is None else functools.partial(fetch, e)
        out.append(SkillFile(e.path[len(prefix):], e.size or 0, e.mode, reader))
    return out


def files_from_mapping(files: Mapping[str, bytes]) -> list[SkillFile]:
    """Regular files from ``{relative path: bytes}`` (e.g. an import snapshot), mode 100644."""
    return [SkillFile(p, len(b), MODE_FILE, b) for p, b in files.items()]


def files_from_folder(folder: Path) -> list[SkillFile]:
    """Every file of an installed skill folder, never following a symlink.

    Symlinks (to files or folders) are listed with mode 120000 and their target as content;
    files with an executable bit get mode 100755. Contents are read lazily.

    Raises:
        OSError: ``folder`` cannot be listed.
    """
    out: list[SkillFile] = []
    root = Path(folder)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in list(dirnames) + filenames:
            p = base / name
            try:
                st = p.lstat()
            except OSError:
                continue
            rel = p.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                target = os.fsencode(os.readlink(p))
                out.append(SkillFile(rel, len(target), MODE_SYMLINK, target))
            elif stat.S_ISREG(st.st_mode):
                mode = MODE_EXEC if st.st_mode & 0o111 else MODE_FILE
                out.append(SkillFile(rel, st.st_size, mode, functools.partial(_read_capped, p)))
    return out


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(MAX_SCAN_BYTES)


# --------------------------------------------------------------------------------------------
# classification

SCRIPT_EXTENSIONS = frozenset({
    ".sh", ".bash", ".zsh", ".fish", ".ksh", ".py", ".pyw", ".js", ".mjs", ".cjs", ".ts", ".mts",
    ".cts", ".rb", ".pl", ".php", ".ps1", ".psm1", ".bat", ".cmd", ".lua", ".go", ".rs", ".swift",
    ".kts", ".groovy", ".r", ".jl", ".tcl", ".applescript", ".scpt", ".vbs",
})
"""File extensions treated as scripts (code an agent may run)."""

MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown", ".mdx", ".txt", ".rst"})

_NATIVE_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe",
                 b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf")


def _ext(path: str) -> str:
    return PurePosixPath(path).suffix.lower()


def _decode(data: bytes) -> str | None:
    """UTF-8 text, or None for binary content (NUL bytes or invalid UTF-8)."""
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3 and len(data) >= MAX_SCAN_BYTES:  # cut inside a character
            return data[: err.start].decode("utf-8", "replace")
        return None


def _kind(f: SkillFile, text: str | None, data: bytes | None) -> str:
    if f.mode == MODE_SYMLINK:
        return "symlink"
    if data is not None and text is None:
        return "binary"
    if _ext(f.path) in SCRIPT_EXTENSIONS or (text is not None and text.startswith("#!")):
        return "script"
    if f.mode == MODE_EXEC:
        return "script"
    return "text"


# --------------------------------------------------------------------------------------------
# escaping

_ESCAPE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def escape_hidden(text: str) -> str:
    """``text`` with every invisible or control character written as ``\\uXXXX`` / ``\\UXXXXXXXX``
    (tabs and newlines become spaces), so a message never carries a raw U+202E or tag character."""
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(ch) in _ESCAPE_CATEGORIES:
            cp = ord(ch)
            out.append(f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}")
        else:
            out.append(ch)
    return "".join(out)


def _excerpt(text: str, start: int, end: int, width: int = 80) -> str:
    """The matched text with a little context on its line, escaped and shortened to ``width``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    s = max(line_start, start - 20)
    snippet = escape_hidden(text[s:max(end, min(line_end, end + 40))].strip())
    if s > line_start:
        snippet = "…" + snippet
    return snippet if len(snippet) <= width else snippet[: width - 1] + "…"


# --------------------------------------------------------------------------------------------
# text rules


class _Lines:
    """Offset → 1-based line number for one text."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        """The 1-based line number of character ``offset``."""
        return bisect.bisect_right(self.starts, offset)


_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff\U000e0000-\U000e007f]")
_EMOJI_NEAR = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u2640\u2642\u2695\u2708]")


def _hidden_name(ch: str) -> str:
    try:
        return unicodedata.name(ch)
    except ValueError:
        return "UNNAMED"


def _rule_hidden(path: str, text: str, lines: _Lines, out: list[Finding]) -> None:
    per_line: dict[int, list[str]] = {}
    for m in _HIDDEN.finditer(text):
        ch, i = m.group(), m.start()
        if ch == "\ufeff" and i == 0:
            continue
        if ch == "\u200d" and 0 < i < len(text) - 1 and _EMOJI_NEAR.match(text, i - 1) \
                and _EMOJI_NEAR.match(text, i + 1):
            continue  # a joiner inside an emoji sequence (👩‍💻)
        per_line.setdefault(lines.line(i), []).append(ch)
    for line, chars in per_line.items():
        names = []
        for ch in dict.fromkeys(chars):
            cp = ord(ch)
            code = f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"
            names.append(f"{code} {_hidden_name(ch)}")
        start = lines.starts[line - 1]
        end = lines.starts[line] if line < len(lines.starts) else len(text)
        shown = escape_hidden(text[start:end].strip())
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        out.append(Finding("hidden-unicode", "high", path, line,
                           f"{len(chars)} hidden character(s) ({', '.join(names)}): {shown}"))


_FENCE = re.compile(r"^[ \t]{0,3}(```+|~~~+)[^\n]*\n.*?(?:^[ \t]{0,3}\1[ \t]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)


def _code_spans(text: str) -> list[tuple[int, int]]:
    fences = [(m.start(), m.end()) for m in _FENCE.finditer(text)]  # in order, not overlapping
    # An inline span can only start inside a fence (one finditer's matches never overlap); issue
    # 18: testing each against every span found so far took 330 ms on a 143 KB SKILL.md.
    inline = [(m.start(), m.end()) for m in _INLINE_CODE.finditer(text) if not _inside(fences, m.start())]
    return sorted(fences + inline)


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    i = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


_MARKER_MAX_CHARS = 60
_MARKER_TOKEN = re.compile(r"[\w.:=/,#@{}\[\]-]+")
_MACHINE_TOKEN = re.compile(r"[-_:=/.#@{}\[\]\d]|^[A-Z]{2,}$")


def _machine_marker(body: str) -> bool:
    """True for a short machine marker that carries no prose: a generator or linter directive such
    as ``AGENTS-GENERATED:START filemap``, ``markdownlint-disable MD013``, ``prettier-ignore``,
    ``skill-type: process``, ``TOC``, or an empty comment. The body (whitespace collapsed) is at
    most :data:`_MARKER_MAX_CHARS` characters of at most six identifier-like tokens; the first is
    machine-like (holds ``- _ : = / . #`` or a digit, or is an upper-case code) and at most one
    other is a plain word. Anything else (``ignore previous instructions``, ``TODO remove this``,
    ``Managed by agent: keep sections…``) is prose and stays reported."""
    if not body:
        return True
    tokens = body.split(" ")
    if len(body) > _MARKER_MAX_CHARS or len(tokens) > 6 or not all(_MARKER_TOKEN.fullmatch(t) for t in tokens):
        return False
    if not _MACHINE_TOKEN.search(tokens[0]):
        return False
    return sum(1 for t in tokens[1:] if not _MACHINE_TOKEN.search(t)) <= 1


def _rule_comments(path: str, text: str, lines: _Lines, out: list[Finding]) -> None:
    if "<!--" not in text:
        return
    spans = _code_spans(text)
    for m in _COMMENT.finditer(text):
        if _inside(spans, m.start()):
            continue
        body = " ".join(m.group(1).split())
        if _machine_marker(body):
            continue
        shown = escape_hidden(body)
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        out.append(Finding("html-comment", "low", path, lines.line(m.start()),
                           f"HTML comment hidden from the rendered page: <!-- {shown} -->"))


_INJECTION = re.compile("|".join(f"(?:{p})" for p in PROMPT_INJECTION_PHRASES), re.I)
_INJECTION_HINTS = ("instruction", "prompt", "rules", "directions", "the user")
_NEGATION = re.compile(r"\b(?:not|never|no|don't|doesn't|isn't|can't|cannot|must not|shouldn't)\b", re.I)
_QUOTES = "\"'“”‘’«»「」"


def _quoted(text: str, start: int, end: int) -> bool:
    """True when the phrase at ``text[start:end]`` is inside quotation marks on its line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = text[line_start:start]
    after = text[end: len(text) if line_end < 0 else line_end]
    opening = [c for c in before if c in _QUOTES]
    return bool(opening) and any(c in _QUOTES for c in after) and (
        len([c for c in before if c in "\"“”"]) % 2 == 1 or opening[-1] in "'‘“«「")


def _rule_injection(path: str, text: str, lines: _Lines, out: list[Finding]) -> None:
    low = text.lower()
    if not any(h in low for h in _INJECTION_HINTS):
        return
    spans: list[tuple[int, int]] | None = None
    for m in _INJECTION.finditer(text):
        phrase = " ".join(m.group().split())
        lead = phrase.lower()
        if lead.startswith("without"):
            # "never delete files without telling the user" asks for the opposite of hiding.
            sentence = re.split(r"[.!?\n]", text[max(0, m.start() - 160):m.start()])[-1]
            if _NEGATION.search(sentence):
                continue
        if spans is None:
            spans = _code_spans(text)
        mentioned = _inside(spans, m.start()) or _quoted(text, m.start(), m.end())
        severity = "medium" if mentioned else "high"
        how = " (quoted or in code: mentioned rather than addressed to the agent)" if mentioned else ""
        out.append(Finding("prompt-injection", severity, path, lines.line(m.start()),
                           f"Phrase that overrides instructions or hides actions: "
                           f"\"{escape_hidden(phrase)}\"{how}"))


_DOWNLOADER = r"(?:curl|wget|fetch|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|\(New-Object\s+Net\.WebClient\)\.Download\w*)"
_SHELL = (r"(?:sudo\s+(?:-\S+\s+)*)?(?:sh|bash|zsh|dash|ksh|fish|python[0-9.]*|node|perl|ruby|iex|Invoke-Expression"
          r"|pwsh|powershell)\b(?=[ \t]*(?:$|[;&|)`'\"\\]|-s\b|-[ \t]|--|-x\b))")
# the interpreter reads its program from the pipe: nothing after it but options of sh/bash
# (``| python3 -m json.tool`` or ``| node -e …`` only read data)
_PIPE_TO_SHELL = re.compile(
    rf"\b{_DOWNLOADER}\b[^\n|;&]*(?:\\\n[^\n|;&]*)*\|\s*{_SHELL}"
    rf"|\b(?:eval|source|\.)\s+\"?(?:\$\(|<\(|`)\s*{_DOWNLOADER}\b"
    rf"|\b(?:bash|sh|zsh)\s+(?:-c\s+)?\"?(?:<\(|\$\()\s*{_DOWNLOADER}\b"
    rf"|\biex\s*\(?\s*\(?\s*(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|New-Object\s+Net\.WebClient)\b",
    re.I | re.M,
)


_DOWNLOAD_HINTS = ("curl", "wget", "fetch", "iwr", "irm", "invoke-", "webclient")


def _rule_pipe(path: str, text: str, lines: _Lines, kind: str, out: list[Finding]) -> None:
    low = text.lower()
    if not any(h in low for h in _DOWNLOAD_HINTS):
        return
    severity = "high" if kind == "script" else "medium"
    spans = None if kind == "script" or not _is_markdown(path) else _code_spans(text)
    for m in _PIPE_TO_SHELL.finditer(text):
        if spans is not None and not _inside(spans, m.start()):
            continue  # in Markdown prose a "|" is a table cell border, not a pipe
        out.append(Finding("pipe-to-shell", severity, path, lines.line(m.start()),
                           f"Download run by a shell: {_excerpt(text, m.start(), m.end(), 80)}"))


_NETWORK = re.compile(
    r"\b(?:curl|wget|Invoke-WebRequest|Invoke-RestMethod|iwr|irm|nc|ncat|netcat|scp|rsync|ftp|ssh)\s+[-\w'\"$]"
    r"|\bimport\s+(?:requests|httpx|urllib3?|aiohttp|socket|http\.client|ftplib|paramiko|websockets?)\b"
    r"|\bfrom\s+(?:requests|httpx|urllib3?|urllib\.request|aiohttp|socket|http\.client|ftplib|paramiko|websockets?)\s+import\b"
    r"|\brequire\(\s*['\"](?:axios|node-fetch|https?|net|request|got|undici|ws)['\"]\s*\)"
    r"|\bfrom\s+['\"](?:axios|node-fetch|https?|net|request|got|undici|ws|node:https?|node:net)['\"]"
    r"|\bfetch\(\s*[`'\"]?(?:https?:|\$\{|[A-Za-z_])"
    r"|\b(?:urlopen|urlretrieve|socket\.socket|socket\.create_connection|new\s+WebSocket|XMLHttpRequest|Net::HTTP|URI\.open|open-uri)\b"
    r"|/dev/tcp/",
)


def _rule_network(path: str, text: str, lines: _Lines, out: list[Finding]) -> None:
    seen: set[str] = set()
    for m in _NETWORK.finditer(text):
        what = " ".join(m.group().split())[:40]
        key = what.split("(")[0].split()[0] if what else what
        if key in seen:
            continue
        seen.add(key)
        out.append(Finding("network", "medium", path, lines.line(m.start()),
                           f"Script reaches the network: {_excerpt(text, m.start(), m.end(), 80)}"))


_SECRET_STORES = re.compile(
    r"~/\.ssh\b|\$HOME/\.ssh\b|\.ssh/id_[a-z0-9]+|~/\.aws\b|\$HOME/\.aws\b|\.aws/credentials"
    r"|~/\.netrc\b|\.git-credentials\b|~/\.config/gh/hosts\.yml|~/\.docker/config\.json|~/\.kube/config"
    r"|\bsecurity\s+(?:find-(?:generic|internet)-password|dump-keychain)\b|\bkeyring\.get_password\b"
    r"|\bGet-StoredCredential\b"
    r"|\bsecret-tool\s+lookup\b|/etc/shadow\b|Login Data|Cookies\.binarycookies",
    re.I,
)
_SECRET_SOFT = re.compile(
    r"(?<![\w.])\.env(?![\w.-])(?!\.example|\.sample|\.template)"
    r"|\b(?:os\.environ|os\.getenv|process\.env|ENV|getenv)\b[\[.(\s'\"]*[A-Z0-9_]*(?:TOKEN|SECRET|API_KEY|APIKEY|PASSWORD|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*"
    r"|\$\{?[A-Z0-9_]*(?:TOKEN|SECRET|API_KEY|PASSWORD|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*\}?",
)


_STORE_HINTS = (".ssh", ".aws", ".netrc", "credentials", "gh/hosts", ".docker", ".kube", "security ",
                "keyring", "secret-tool", "shadow", "login data", "cookies", "storedcredential")
_SOFT_HINTS = (".env", "TOKEN", "SECRET", "API_KEY", "PASSWORD", "PRIVATE_KEY", "ACCESS_KEY")


def _rule_secrets(path: str, text: str, lines: _Lines, kind: str, out: list[Finding]) -> None:
    seen: set[str] = set()
    low = text.lower()
    # In a script it is a read; in Markdown usually a setup note or a warning (low).
    severity = "medium" if kind == "script" else "low"
    stores = _SECRET_STORES.finditer(text) if any(h in low for h in _STORE_HINTS) else ()
    for m in stores:
        key = m.group().lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(Finding("secrets-access", severity, path, lines.line(m.start()),
                           f"Reads a credential store: {_excerpt(text, m.start(), m.end(), 80)}"))
    if not any(h in text for h in _SOFT_HINTS):
        return
    for m in _SECRET_SOFT.finditer(text):
        key = m.group()
        if key in seen:
            continue
        seen.add(key)
        out.append(Finding("secrets-access", severity, path, lines.line(m.start()),
                           f"Reads a secret (.env or token variable): {_excerpt(text, m.start(), m.end(), 80)}"))


_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{200,}={0,2}")
_HEX_RUN = re.compile(r"(?<![0-9a-fA-F])(?:0x)?[0-9a-fA-F]{200,}|(?:\\x[0-9a-fA-F]{2}){100,}")
_DATA_URI_BEFORE = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w=.-]+)*;base64,\Z")


def _rule_encoded(path: str, text: str, lines: _Lines, out: list[Finding]) -> None:
    for regex, what in ((_BASE64_RUN, "base64"), (_HEX_RUN, "hex")):
        for m in regex.finditer(text):
            run = m.group()
            if what == "base64":
                if _DATA_URI_BEFORE.search(text, max(0, m.start() - 80), m.start()) and \
                        text[max(0, m.start() - 80):m.start()].lower().find("image/") >= 0:
                    continue  # an inline image
                if re.fullmatch(r"[0-9a-fA-F]+", run) or not re.search(r"[0-9+/]", run):
                    continue  # pure hex (reported below) or a long word-like run
            out.append(Finding("encoded-payload", "medium", path, lines.line(m.start()),
                               f"{len(run)}-character {what} run: {escape_hidden(run[:24])}…"))


# --------------------------------------------------------------------------------------------
# frontmatter rule

_TOOL_TOKEN = re.compile(r"[A-Za-z_][\w.-]*(?:\([^)]*\))?")
_SHELL_TOOLS = frozenset({"bash", "shell", "sh", "powershell", "terminal", "exec", "run_shell_command"})
_POWERFUL_TOOLS = frozenset({"write", "edit", "multiedit", "notebookedit", "webfetch", "websearch",
                             "task", "agent", "computer"})


def _frontmatter_lines(text: str) -> tuple[int, list[str]] | None:
    """(index of the first frontmatter line, the lines) when ``text`` opens with ``---``."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not re.match(r"-{3,}\s*$", lines[i]):
        return None
    for j in range(i + 1, len(lines)):
        if re.match(r"-{3,}\s*$", lines[j]):
            return i + 1, lines[i + 1:j]
    return None


def _rule_allowed_tools(path: str, text: str, out: list[Finding]) -> None:
    fm = _frontmatter_lines(text)
    if fm is None:
        return
    first, lines = fm
    for i, line in enumerate(lines):
        m = re.match(r"(allowed[-_]tools)\s*:\s*(.*)$", line)
        if not m:
            continue
        value = m.group(2).strip()
        j = i + 1
        while j < len(lines) and (lines[j].startswith((" ", "\t")) or lines[j].strip().startswith("-")):
            value += " " + lines[j].strip().lstrip("-").strip()
            j += 1
        value = value.strip().strip("[]")
        tools = [t.strip("'\" ") for t in _TOOL_TOKEN.findall(value)]
        tools = [t for t in tools if t]
        if not tools:
            continue
        line_no = first + i + 1
        shown = escape_hidden(", ".join(tools))
        shown = shown if len(shown) <= 100 else shown[:99] + "…"
        bare_shell = [t for t in tools if t.lower() in _SHELL_TOOLS
                      or re.fullmatch(r"(?i)(?:bash|shell)\(\s*\*?\s*(?::\s*\*)?\s*\)", t)]
        shell = [t for t in tools if t.split("(")[0].lower() in _SHELL_TOOLS]
        powerful = [t for t in tools if t.split("(")[0].lower() in _POWERFUL_TOOLS]
        if bare_shell:
            sev, why = "high", f"{bare_shell[0]} without a command pattern: any shell command runs without asking"
        elif shell or powerful:
            sev, why = "medium", "shell commands or file writes run without asking"
        else:
            sev, why = "low", "these tools run without asking"
        out.append(Finding("allowed-tools", sev, path, line_no, f"Pre-approves tools ({shown}): {why}"))


# --------------------------------------------------------------------------------------------
# the review


def _is_markdown(path: str) -> bool:
    return _ext(path) in MARKDOWN_EXTENSIONS


def review_skill(files: Iterable[SkillFile]) -> Review:
    """Review one skill folder (issue 14).

    Args:
        files: the folder's files (see :func:`files_from_tree`, :func:`files_from_folder`,
            :func:`files_from_mapping`). Lazy readers are called at most once each; a reader that
            raises ``OSError`` leaves that file judged by name and mode only.

    Returns:
        A :class:`Review`: files sorted by path, findings sorted by (path, line, rule), and the
        risk (``none`` without findings, else the highest severity).
    """
    reviewed: list[ReviewedFile] = []
    findings: list[Finding] = []
    for f in sorted(files, key=lambda f: f.path):
        data: bytes | None
        try:
            data = f.read()
        except OSError:
            data = None
        if data is not None and len(data) > MAX_SCAN_BYTES:
            data = data[:MAX_SCAN_BYTES]
        text = None if data is None or f.mode == MODE_SYMLINK else _decode(data)
        kind = _kind(f, text, data)
        reviewed.append(ReviewedFile(f.path, f.size, f.mode, kind))
        findings.extend(_review_file(f, kind, data, text))
    findings.sort(key=lambda x: (x.path, x.line or 0, x.rule, x.message))
    risk = "none"
    for x in findings:
        if _severity_rank(x.severity) > _severity_rank(risk):
            risk = x.severity
    return Review(tuple(reviewed), tuple(findings), risk)


def _review_file(f: SkillFile, kind: str, data: bytes | None, text: str | None) -> list[Finding]:
    out: list[Finding] = []
    path = f.path
    if _HIDDEN.search(path):  # a name that reads differently than it is ("gnp.exe" with U+202E)
        out.append(Finding("hidden-unicode", "high", path, None,
                           f"File name with hidden characters: {escape_hidden(path)}"))
    if kind == "symlink":
        target = (data or b"").decode("utf-8", "replace")
        parts = PurePosixPath(path).parent.joinpath(target).parts if target else ()
        depth, escapes = 0, target.startswith("/")
        for part in parts:
            depth += -1 if part == ".." else (0 if part == "." else 1)
            if depth < 0:
                escapes = True
        sev = "medium" if escapes else "low"
        where = " (outside the skill folder)" if escapes else ""
        out.append(Finding("symlink", sev, path, None,
                           f"Symbolic link to {escape_hidden(target) or 'an unknown target'}{where}; never followed"))
        return out
    if f.size > LARGE_FILE_BYTES:
        out.append(Finding("large-file", "low", path, None,
                           f"Large file ({f.size / (1024 * 1024):.1f} MiB); only the first "
                           f"{MAX_SCAN_BYTES // (1024 * 1024)} MiB are scanned"))
    if kind == "binary":
        native = data is not None and data.startswith(_NATIVE_MAGIC) and not data.startswith(b"MZ\x00\x00\x00\x00")
        out.append(Finding("binary", "medium" if native else "low", path, None,
                           "Native executable (cannot be reviewed by reading)" if native
                           else "Binary file (cannot be reviewed by reading)"))
        if f.mode == MODE_EXEC:
            out.append(Finding("executable", "low", path, None, "Has the executable bit"))
        return out
    if kind == "script":
        out.append(Finding("executable", "low", path, None,
                           "Script with the executable bit" if f.mode == MODE_EXEC
                           else "Script the agent may run"))
    if text is None:
        return out
    lines = _Lines(text)
    _rule_hidden(path, text, lines, out)
    markdown = _is_markdown(path)
    if markdown:
        _rule_comments(path, text, lines, out)
    _rule_injection(path, text, lines, out)
    _rule_pipe(path, text, lines, kind, out)
    if kind == "script":
        _rule_network(path, text, lines, out)
    _rule_secrets(path, text, lines, kind, out)
    _rule_encoded(path, text, lines, out)
    if PurePosixPath(path).name.lower() == "skill.md" and "/" not in path:
        _rule_allowed_tools(path, text, out)
    return out


# --------------------------------------------------------------------------------------------
# update preview


@dataclass(frozen=True)
class FileChangePreview:
    """One file that an update adds, modifies or removes.

    Attributes:
        path: relative to the skill folder.
        status: ``added``, ``modified`` or ``removed``.
        diff: unified diff upstream old → new (``a/`` → ``b/``, ``/dev/null`` for an added or
            removed side), or ``Binary files … differ`` for binary content.
    """

    path: str
    status: str
    diff: str

    def to_json(self) -> dict[str, object]:
        """``{"path", "status", "diff"}`` (issue 14)."""
        return {"path": self.path, "status": self.status, "diff": self.diff}


@dataclass(frozen=True)
class UpdatePreview:
    """What an update changes and what it adds (issue 14), before anything is written.

    Attributes:
        files: changed files, by path.
        new_findings: findings of the new version absent from the old one (matched by rule, path
            and message, not line).
        old_review, new_review: the reviews of both versions.
    """

    files: tuple[FileChangePreview, ...]
    new_findings: tuple[Finding, ...]
    old_review: Review
    new_review: Review


def new_findings(old: Review, new: Review) -> tuple[Finding, ...]:
    """Findings of ``new`` whose (rule, path, message) is not among ``old``'s."""
    seen = {f.key for f in old.findings}
    return tuple(f for f in new.findings if f.key not in seen)


def _materialize(files: Sequence[SkillFile]) -> list[SkillFile]:
    out = []
    for f in files:
        try:
            data = f.read()
        except OSError:
            data = None
        out.append(SkillFile(f.path, f.size, f.mode, data))
    return out


def update_preview(old: Sequence[SkillFile], new: Sequence[SkillFile], context: int = 3) -> UpdatePreview:
    """Compare two versions of a skill folder (the installed upstream content → the new one).

    Args:
        old: the installed version's files (e.g. its import snapshot, :func:`files_from_mapping`).
        new: the new upstream version's files (e.g. :func:`files_from_tree` at the new commit).
        context: diff context lines.

    Returns:
        An :class:`UpdatePreview`: files added, modified (content or mode) and removed with
        their unified diffs, and the new findings. Each lazy reader is called once.
    """
    old_m, new_m = _materialize(old), _materialize(new)
    a = {f.path: f for f in old_m}
    b = {f.path: f for f in new_m}
    changes: list[FileChangePreview] = []
    for path in sorted(set(a) | set(b)):
        fa, fb = a.get(path), b.get(path)
        da = None if fa is None else (fa.read() or b"")
        db = None if fb is None else (fb.read() or b"")
        if fa is not None and fb is not None and da == db and fa.mode == fb.mode:
            continue
        status = "added" if fa is None else "removed" if fb is None else "modified"
        diff = unified_diff(path, da, db, context)
        if status == "modified" and da == db:
            diff = f"mode {fa.mode} → {fb.mode}\n"  # type: ignore[union-attr]
        changes.append(FileChangePreview(path, status, diff))
    old_review, new_review = review_skill(old_m), review_skill(new_m)
    return UpdatePreview(tuple(changes), new_findings(old_review, new_review), old_review, new_review)
