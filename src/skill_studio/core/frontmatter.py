"""SKILL.md → :class:`SkillMetadata` (R-FM-1, R-FM-2).

A SKILL.md starts with a YAML frontmatter block between two ``---`` lines, followed by Markdown.
This module splits the block off, parses it with a *safe* YAML loader hardened against alias bombs
and deep nesting, and validates it against the Agent Skills rules as relaxed by the spec:

* ``name`` is required; a name that breaks the Agent Skills rule is listed with a warning and a
  proposed local name; only a name with no usable character is refused.
* ``description`` is required to import, not to list (warning when missing or over 1024 chars).
* version: ``metadata.version``, else top-level ``version``; numbers keep their written form
  (``1.10`` stays ``"1.10"``).

The split and the hardened loader are plugged into python-frontmatter as its YAML handler
(:class:`SkillYAMLHandler`), so a SKILL.md is read into a ``frontmatter.Post`` (:func:`load_post`)
and written back from one (:func:`dumps_post`) by the library, with this module's rules: the same
boundaries, the same size/alias/nesting limits, the same messages.

Everything here is pure: no I/O, no logging side effects beyond ``logging``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import frontmatter
import yaml

from .errors import FrontmatterError
from .models import SkillMetadata

log = logging.getLogger(__name__)

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_NAME_CHARS",
    "MAX_SKILL_MD_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_NODES",
    "NAME_RE",
    "SkillYAMLHandler",
    "dumps_post",
    "is_valid_skill_name",
    "load_post",
    "new_post",
    "parse_skill_md",
    "propose_local_name",
    "split_frontmatter",
]

MAX_SKILL_MD_BYTES = 1024 * 1024
"""Largest SKILL.md parsed for a listing (1 MiB). Larger files raise :class:`FrontmatterError`."""

MAX_NAME_CHARS = 64
"""Agent Skills limit on ``name`` (and on a proposed local name)."""

MAX_DESCRIPTION_CHARS = 1024
"""Agent Skills limit on ``description``; longer ones are listed with a warning."""

MAX_YAML_ALIASES = 32
"""Most YAML aliases (``*anchor``) accepted in one frontmatter block (alias-bomb guard)."""

MAX_YAML_NODES = 100_000
"""Most values in the frontmatter once aliases are expanded (alias-bomb guard)."""

_MAX_DEPTH = 64
"""Deepest nesting of mappings/sequences accepted in the frontmatter."""

NAME_RE = re.compile(r"(?=[a-z0-9-]{1,64}\Z)[a-z0-9]+(?:-[a-z0-9]+)*\Z")
"""Agent Skills name rule: 1–64 chars of ``a-z0-9-``, no leading/trailing ``-``, no ``--``.

Use with ``NAME_RE.match(name)`` (the pattern is anchored at both ends).
"""

_OTHER_RUN = re.compile(r"[^a-z0-9]+")
_BOUNDARY = re.compile(r"-{3,}[ \t]*\Z")


def is_valid_skill_name(name: str) -> bool:
    """Tell whether ``name`` follows the Agent Skills naming rule (R-FM-1).

    Args:
        name: a frontmatter ``name``.

    Returns:
        True for 1–64 chars of ``a-z``, ``0-9`` and ``-``, without a leading or trailing hyphen
        and without ``--``; False otherwise (also for non-strings).
    """
    return isinstance(name, str) and NAME_RE.match(name) is not None


def propose_local_name(name: str) -> str | None:
    """Derive a folder-safe local name from a skill name (R-FM-1).

    The name is lower-cased, every run of characters other than ``a-z``/``0-9`` (hyphens included)
    becomes one ``-``, leading/trailing hyphens are trimmed, and the result is cut to 64 characters
    (trailing hyphens trimmed again after the cut). The result always satisfies
    :func:`is_valid_skill_name`. A valid name is returned unchanged.

    Args:
        name: the frontmatter ``name``, e.g. ``"Writing Hookify Rules"``.

    Returns:
        The proposal, e.g. ``"writing-hookify-rules"``; None when ``name`` has no ``a-z``/``0-9``
        character at all (such a skill is excluded).
    """
    if not isinstance(name, str):
        return None
    proposal = _OTHER_RUN.sub("-", name.lower()).strip("-")
    proposal = proposal[:MAX_NAME_CHARS].rstrip("-")
    return proposal or None


# --------------------------------------------------------------------------------------------
# Splitting


def split_frontmatter(text: str, path: str) -> tuple[str, str, int]:
    """Split a SKILL.md text into its frontmatter block and body (R-FM-2).

    The file must open with a line of three or more hyphens (blank lines before it are tolerated,
    as python-frontmatter does) and the block ends at the next such line.

    Args:
        text: the decoded SKILL.md (a leading BOM is ignored).
        path: repository path of the file, for messages.

    Returns:
        ``(yaml_text, body, first_line)`` where ``first_line`` is the 1-based line number of the
        first YAML line in the file.

    Raises:
        FrontmatterError: no frontmatter block, or an opening ``---`` without a closing one.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not _BOUNDARY.match(lines[i].rstrip("\r\n")):
        raise FrontmatterError(f"{path}: no frontmatter (the file must start with a '---' line)")
    start = i + 1
    for j in range(start, len(lines)):
        if _BOUNDARY.match(lines[j].rstrip("\r\n")):
            return "".join(lines[start:j]), "".join(lines[j + 1 :]), start + 1
    raise FrontmatterError(f"{path}: unterminated frontmatter (no closing '---' line)")


# --------------------------------------------------------------------------------------------
# Safe YAML


class _TooManyAliases(Exception):
    pass


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader (plain data only) with a cap on alias use."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._alias_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            self._alias_count += 1
            if self._alias_count > MAX_YAML_ALIASES:
                raise _TooManyAliases
        return super().compose_node(parent, index)


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
_FAST_MAX_BYTES = 64 * 1024
_FAST_MAX_BRACKETS = 256


def _fast_load(block: str) -> tuple[Any, Any] | None:
    """``(data, root node)`` from libyaml's C SafeLoader (several times faster), or None to use
    :class:`_SafeLoader`. Only for a block that cannot use an alias — no ``&`` anchor, so the alias
    cap is moot — and cannot nest deeply (small, few flow brackets: the C composer recurses
    without Python's recursion limit). Any error also returns None, so rejections and their
    messages always come from the pure-Python loader (libyaml words them differently)."""
    if (_CSafeLoader is None or "&" in block or len(block) > _FAST_MAX_BYTES
            or block.count("[") + block.count("{") > _FAST_MAX_BRACKETS):
        return None
    try:
        loader = _CSafeLoader(block)
    except Exception:  # noqa: BLE001 - e.g. a control character: the slow path reports it
        return None
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except Exception:  # noqa: BLE001 - the slow path reports it
        return None
    finally:
        loader.dispose()


class _Unsafe(Exception):
    """Raised by :func:`_to_json` for values that cannot become JSON (cycles, size)."""


def _to_json(value: Any, budget: list[int], stack: set[int], depth: int = 0) -> Any:
    """Copy ``value`` into JSON-serialisable data, expanding shared references within a budget."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Unsafe(f"frontmatter too large once aliases are expanded (over {MAX_YAML_NODES} values)")
    if depth > _MAX_DEPTH:
        raise _Unsafe(f"frontmatter nested too deeply (over {_MAX_DEPTH} levels)")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else _int_text(value)  # keep it storable
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        if id(value) in stack:
            raise _Unsafe("frontmatter refers to itself (recursive alias)")
        stack.add(id(value))
        try:
            if isinstance(value, dict):
                return {_key_text(k): _to_json(v, budget, stack, depth + 1) for k, v in value.items()}
            items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
            return [_to_json(v, budget, stack, depth + 1) for v in items]
        finally:
            stack.discard(id(value))
    return str(value)


def _key_text(key: Any) -> str:
    """Mapping key as JSON text: strings unchanged, scalars as YAML would write them."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (_dt.date, _dt.datetime)):
        return key.isoformat()
    if isinstance(key, int):
        return _int_text(key)
    return str(key)


def _int_text(value: int) -> str:
    """Decimal text of an int, or hex when it is too long for Python's str() limit."""
    try:
        return str(value)
    except ValueError:
        return hex(value)


def _load_yaml(block: str, path: str, first_line: int) -> tuple[Any, yaml.Node | None]:
    """Parse the YAML block safely; return (JSON-safe data, root node)."""
    fast = _fast_load(block)
    if fast is not None:
        data, node = fast
        try:
            return _to_json(data, [MAX_YAML_NODES], set()), node
        except _Unsafe as err:
            raise FrontmatterError(f"{path}: invalid frontmatter: {err}") from None
    try:
        # PyYAML's reader checks the characters as the loader is built: a control character
        # (BEL, NUL, ...) raises here, and must exclude one skill, not stop the listing (R-FM-2).
        loader = _SafeLoader(block)
    except yaml.reader.ReaderError as err:
        raise FrontmatterError(f"{path}: invalid YAML in frontmatter: {_reader_problem(block, err, first_line)}") from None
    except Exception as err:  # noqa: BLE001 - untrusted input
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise FrontmatterError(f"{path}: invalid YAML in frontmatter: {reason}") from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _TooManyAliases:
        raise FrontmatterError(
            f"{path}: invalid frontmatter: more than {MAX_YAML_ALIASES} YAML aliases"
        ) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + first_line}, column {mark.column + 1}" if mark else ""
        problem = err.problem or err.context or "syntax error"
        raise FrontmatterError(f"{path}: invalid YAML in frontmatter{where}: {problem}") from None
    except RecursionError:
        raise FrontmatterError(f"{path}: invalid frontmatter: nested too deeply") from None
    except yaml.reader.ReaderError as err:
        raise FrontmatterError(f"{path}: invalid YAML in frontmatter: {_reader_problem(block, err, first_line)}") from None
    except Exception as err:  # YAMLError, ValueError from bad dates, ... — untrusted input
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise FrontmatterError(f"{path}: invalid YAML in frontmatter: {reason}") from None
    finally:
        loader.dispose()
    try:
        return _to_json(data, [MAX_YAML_NODES], set()), node
    except _Unsafe as err:
        raise FrontmatterError(f"{path}: invalid frontmatter: {err}") from None
    except RecursionError:
        raise FrontmatterError(f"{path}: invalid frontmatter: nested too deeply") from None


def _reader_problem(block: str, err: yaml.reader.ReaderError, first_line: int) -> str:
    """Describe a character PyYAML's reader refuses, e.g. ``control character U+0007 at line 2``
    (line of the SKILL.md; ``first_line`` is the file line of the block's first line)."""
    char = err.character
    code = ord(char) if isinstance(char, str) else int(char)
    line = block.count("\n", 0, max(err.position, 0)) + first_line
    kind = "control character" if code < 0x20 or 0x7F <= code < 0xA0 else "character"
    return f"{kind} U+{code:04X} at line {line} (not allowed in YAML)"


def _scalar_node(node: yaml.Node | None, *keys: str) -> yaml.ScalarNode | None:
    """Follow plain string keys through mapping nodes; return the scalar node at the end."""
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        found = None
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found = v
        node = found
    return node if isinstance(node, yaml.ScalarNode) else None


def _scalar_text(value: Any, node: yaml.ScalarNode | None) -> str | None:
    """A scalar as text: strings unchanged, numbers as written in the file; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        if node is not None and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            return node.value
        return _int_text(value) if isinstance(value, int) else str(value)
    return None


# --------------------------------------------------------------------------------------------
# python-frontmatter handler


class SkillYAMLHandler(frontmatter.YAMLHandler):
    """python-frontmatter's YAML handler with this module's rules (R-FM-2): :func:`split_frontmatter`
    finds the block, the hardened safe loader (alias cap, node budget, nesting limit; JSON-safe
    values) reads it, and :class:`~skill_studio.core.errors.FrontmatterError` (naming ``path``)
    reports every problem, where the stock handler would fall back to "no metadata".

    One instance per file: :meth:`split` remembers where the YAML starts (for line numbers in
    messages) and :meth:`load` keeps the YAML root node in :attr:`root` (versions as written).

    Args:
        path: repository path of the SKILL.md, used in messages.
    """

    FM_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "---"

    def __init__(self, path: str = "SKILL.md") -> None:
        super().__init__()
        self.path = path
        self.first_line = 1
        self.root: yaml.Node | None = None

    def detect(self, text: str) -> bool:
        """True when ``text`` has a complete frontmatter block (see :func:`split_frontmatter`)."""
        try:
            split_frontmatter(text, self.path)
        except FrontmatterError:
            return False
        return True

    def split(self, text: str) -> tuple[str, str]:
        """``(yaml_text, body)`` of a SKILL.md text.

        Raises:
            FrontmatterError: no frontmatter block, or no closing ``---`` line.
        """
        block, body, self.first_line = split_frontmatter(text, self.path)
        return block, body

    def load(self, fm: str, **kwargs: object) -> Any:
        """The frontmatter as JSON-safe data (dates as ISO text, non-string keys as text).

        Raises:
            FrontmatterError: invalid YAML (with line and column), too many aliases, too large
                once aliases are expanded, or nested too deeply.
        """
        data, self.root = _load_yaml(fm, self.path, self.first_line)
        return data

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        """YAML text of ``metadata``: block style, keys in their order, Unicode kept."""
        return yaml.dump(metadata, Dumper=yaml.SafeDumper, default_flow_style=False, allow_unicode=True,
                         sort_keys=False).rstrip("\n")

    def format(self, post: frontmatter.Post, **kwargs: object) -> str:
        """``---``, the YAML, ``---``, then the body exactly as given (no blank line added, nothing
        stripped), so that :func:`load_post` then :func:`dumps_post` keeps the body byte for byte."""
        return f"{self.START_DELIMITER}\n{self.export(post.metadata)}\n{self.END_DELIMITER}\n{post.content}"


def load_post(text: str, path: str) -> frontmatter.Post:
    """A SKILL.md text as a ``frontmatter.Post`` (for editing and writing back): ``post.metadata``
    is the frontmatter mapping (JSON-safe values), ``post.content`` the body exactly as written.

    Values are data, not text: writing the post back re-renders them in YAML's own form (a float
    written ``1.10`` comes back as ``1.1``, comments are dropped). A caller that must keep a
    version as written sets it from :attr:`SkillMetadata.version` (text) before writing.

    Args:
        text: the decoded SKILL.md (a leading BOM is ignored).
        path: repository or local path of the file, for messages.

    Raises:
        FrontmatterError: no/unterminated frontmatter, invalid YAML, or frontmatter that is not
            a mapping.
    """
    handler = SkillYAMLHandler(path)
    block, body = handler.split(text)
    fields = handler.load(block)
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise FrontmatterError(f"{path}: frontmatter is a {_kind(fields)}, expected a mapping of keys to values")
    post = frontmatter.Post(body, handler)
    post.metadata.update(fields)
    return post


def new_post(fields: Mapping[str, Any], body: str) -> frontmatter.Post:
    """A ``frontmatter.Post`` of ``fields`` and ``body`` that :func:`dumps_post` writes as a SKILL.md."""
    post = frontmatter.Post(body, SkillYAMLHandler())
    post.metadata.update(fields)
    return post


def dumps_post(post: frontmatter.Post) -> str:
    """The SKILL.md text of ``post``: ``---``, the frontmatter as YAML (keys in order), ``---``,
    then the body unchanged. Reading it back with :func:`parse_skill_md` gives the same fields.
    """
    return frontmatter.dumps(post, handler=SkillYAMLHandler())


# --------------------------------------------------------------------------------------------
# Public entry point


def parse_skill_md(data: bytes | str, path: str) -> SkillMetadata:
    """Parse and validate a SKILL.md for the listing (R-FM-1, R-FM-2).

    Args:
        data: the file's bytes (UTF-8; a BOM is tolerated) or already-decoded text.
        path: repository path of the SKILL.md, used in every message.

    Returns:
        :class:`SkillMetadata` with ``name``, ``name_valid``, ``local_name`` (per
        :func:`propose_local_name`), ``description`` (str or None), ``version`` (``metadata.version``,
        else ``version``, as text, or None), ``model`` and ``purpose`` (str or None), ``fields`` (the
        whole frontmatter as JSON-serialisable data: dates become ISO strings, non-string keys
        become text), ``body`` (the Markdown after the block) and ``warnings`` (invalid name with
        the proposed local name, missing description, description over 1024 chars, unusable
        optional fields). The folder-name check is done by discovery, which knows the folder.

    Raises:
        FrontmatterError: naming ``path`` and the reason: larger than :data:`MAX_SKILL_MD_BYTES`,
            not UTF-8, no frontmatter block, unterminated frontmatter, invalid YAML (with line and
            column), alias bomb or excessive nesting, frontmatter not a mapping, missing or empty
            ``name`` ("no name"), ``name`` not text, or a name with no usable character.
    """
    if isinstance(data, str):
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError:
            raise FrontmatterError(f"{path}: not UTF-8 text (unpaired surrogate)") from None
        text = data
    else:
        size = len(data)
        text = ""
    if size > MAX_SKILL_MD_BYTES:
        raise FrontmatterError(
            f"{path}: too large to list ({size} bytes; the limit is {MAX_SKILL_MD_BYTES} bytes)"
        )
    if not isinstance(data, str):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as err:
            raise FrontmatterError(f"{path}: not UTF-8 text (invalid byte at offset {err.start})") from None

    handler = SkillYAMLHandler(path)
    block, body = handler.split(text)
    fields = handler.load(block)
    root = handler.root
    if fields is None:
        raise FrontmatterError(f"{path}: empty frontmatter (no name)")
    if not isinstance(fields, dict):
        raise FrontmatterError(
            f"{path}: frontmatter is a {_kind(fields)}, expected a mapping of keys to values"
        )

    warnings: list[str] = []

    raw_name = fields.get("name")
    if raw_name is None or (isinstance(raw_name, str) and not raw_name.strip()):
        raise FrontmatterError(f"{path}: no name (the frontmatter 'name' is missing or empty)")
    name = _scalar_text(raw_name, _scalar_node(root, "name"))
    if name is None:
        raise FrontmatterError(f"{path}: the frontmatter 'name' is a {_kind(raw_name)}, expected text")
    name = name.strip()  # a block scalar ends with a newline
    local_name = propose_local_name(name)
    if local_name is None:
        raise FrontmatterError(f"{path}: the name {name!r} has no usable character (a-z, 0-9)")
    name_valid = is_valid_skill_name(name)
    if not name_valid:
        warnings.append(
            f"the name {name!r} breaks the Agent Skills naming rule (1-64 chars of a-z, 0-9 and '-'); "
            f"proposed local name: {local_name!r}"
        )

    raw_description = fields.get("description")
    description = _scalar_text(raw_description, _scalar_node(root, "description"))
    if raw_description is not None and description is None:
        warnings.append(f"the description is a {_kind(raw_description)}, expected text: ignored")
    if description is not None:
        description = description.strip() or None  # block scalars end with a newline
    if description is None:
        warnings.append("no description: the import will ask for one")
    elif len(description) > MAX_DESCRIPTION_CHARS:
        warnings.append(
            f"the description is {len(description)} characters long (the limit is {MAX_DESCRIPTION_CHARS})"
        )

    version = _version(fields, root, warnings)
    model = _optional_text(fields, "model", warnings)
    purpose = _optional_text(fields, "purpose", warnings)

    return SkillMetadata(
        name=name,
        name_valid=name_valid,
        local_name=local_name,
        description=description,
        version=version,
        model=model,
        purpose=purpose,
        fields=fields,
        body=body,
        warnings=tuple(warnings),
    )


def _version(fields: dict[str, Any], root: yaml.Node | None, warnings: list[str]) -> str | None:
    """``metadata.version``, else top-level ``version``, as written (R-FM-1)."""
    metadata = fields.get("metadata")
    candidates = []
    if isinstance(metadata, dict) and metadata.get("version") is not None:
        candidates.append(("metadata.version", metadata["version"], _scalar_node(root, "metadata", "version")))
    if fields.get("version") is not None:
        candidates.append(("version", fields["version"], _scalar_node(root, "version")))
    for label, value, node in candidates:
        text = _scalar_text(value, node)
        if text is not None and text.strip():
            return text.strip()
        warnings.append(f"'{label}' is not a usable version ({value!r}): ignored")
    return None


def _optional_text(fields: dict[str, Any], key: str, warnings: list[str]) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    warnings.append(f"'{key}' is a {_kind(value)}, expected text: ignored")
    return None


def _kind(value: Any) -> str:
    """Short JSON-ish type name for messages."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__
