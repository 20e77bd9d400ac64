"""Context cost of skills: what an agent keeps in its context for each skill (issue 17).

Agents load a skill in three tiers (progressive disclosure, https://agentskills.io/client-implementation):

* **always loaded** — the skill's entry in the list of available skills the model sees on every
  turn: its name and description;
* **on use** — the ``SKILL.md`` body, read when the model (or the user) invokes the skill;
* **other files** — scripts, references and assets, read only when the instructions point at them
  (reported in bytes: whether and how much of them is read depends on the task).

How Claude Code lists a skill (observed in Claude Code 2.1.330, see ``shared/notes/
claude-code-as-a-client.md``): one line ``- folder-name: description`` (``- folder-name
(frontmatter-name): description`` when the two names differ); ``when_to_use``, when present, is
appended to the description after `` - ``; the description part is cut at
:data:`MAX_LISTED_DESCRIPTION_CHARS` characters; ``disable-model-invocation: true`` hides the skill
from the model's list. The list as a whole is held to a *listing budget* of context window × 4
characters per token × 1 % — 8,000 characters for a 200k-token window; over it, skills shrink to
``- name``. Codex documents the same order of magnitude ("roughly 2% of the model's context window,
or 8,000 characters when the context window is unknown", https://developers.openai.com/codex/skills).

**Every figure here is an estimate.** Claude's tokenizer is not published as an offline package,
so tokens are estimated as characters / :data:`CHARS_PER_TOKEN` (rounded up), the same ratio Claude
Code itself uses to turn its listing budget into characters. :data:`METHOD` states this in one
sentence for the CLI and the GUI.

Everything here is pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from skill_studio.core.errors import SkillStudioError
from skill_studio.core.frontmatter import parse_skill_md

CHARS_PER_TOKEN = 4
"""Characters per token of the estimate; the ratio Claude Code uses for its skill listing budget."""

MAX_LISTED_DESCRIPTION_CHARS = 1536
"""Claude Code cuts each listed description (with `` - when_to_use``) at this many characters
(setting ``skillListingMaxDescChars``)."""

DEFAULT_CONTEXT_WINDOW_TOKENS = 200_000
"""Context window the default budget is computed for (Claude's standard window)."""

LISTING_BUDGET_FRACTION = 0.01
"""Share of the context window Claude Code gives the skill list (setting ``skillListingBudgetFraction``)."""

DEFAULT_LISTING_BUDGET_CHARS = int(DEFAULT_CONTEXT_WINDOW_TOKENS * CHARS_PER_TOKEN * LISTING_BUDGET_FRACTION)
"""8,000 characters: Claude Code's skill listing budget for a 200k-token window."""

DEFAULT_BUDGET_TOKENS = DEFAULT_LISTING_BUDGET_CHARS // CHARS_PER_TOKEN
"""2,000 tokens: the default always-loaded budget per target (the listing budget in tokens)."""

METHOD = (f"estimate: tokens = characters / {CHARS_PER_TOKEN}, rounded up (the ratio Claude Code uses for "
          f"its skill listing budget); always loaded = the skill's line in the agent's skill list "
          f"(name + description, description cut at {MAX_LISTED_DESCRIPTION_CHARS} characters); "
          "on use = the SKILL.md body; other files in bytes")
"""One sentence stating how the figures are estimated (shown by ``cost`` and the Targets page)."""

IGNORED_FILES = frozenset({".skill-studio.json"})
"""Files that are not part of a skill's content (the deploy marker, see ``targets.MARKER_FILE``)."""


def estimate_tokens(text: str) -> int:
    """Estimated tokens of ``text``: ``ceil(len(text) / CHARS_PER_TOKEN)``; 0 for ``""``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class SkillCost:
    """Estimated context cost of one skill.

    Attributes:
        local_name: the folder name (what the agent lists the skill under).
        listing: the line the agent's skill list holds for it (``""`` when hidden from the model).
        always_loaded_tokens: estimated tokens of ``listing`` (loaded on every turn).
        on_use_tokens: estimated tokens of the SKILL.md body (loaded when the skill is used).
        other_bytes: total size of the other files in the folder, in bytes.
        hidden: True when ``disable-model-invocation: true`` keeps it out of the model's list.
        warning: a sentence when the SKILL.md could not be parsed (the raw text was counted), else None.
    """

    local_name: str
    listing: str
    always_loaded_tokens: int
    on_use_tokens: int
    other_bytes: int
    hidden: bool = False
    warning: str | None = None

    def to_json(self) -> dict[str, object]:
        """The ``cost --json`` shape of one skill: ``{local_name, always_loaded_tokens, on_use_tokens, other_bytes}``."""
        return {"local_name": self.local_name, "always_loaded_tokens": self.always_loaded_tokens,
                "on_use_tokens": self.on_use_tokens, "other_bytes": self.other_bytes}


def listing_line(folder_name: str, name: str | None, description: str | None, when_to_use: str | None = None) -> str:
    """The line Claude Code puts in the model's skill list for one skill (see the module docstring).

    Args:
        folder_name: the skill folder's name (the name it is listed and invoked under).
        name: the frontmatter ``name`` (shown in parentheses when it differs from ``folder_name``).
        description: the frontmatter ``description`` (may be None).
        when_to_use: the frontmatter ``when_to_use`` (appended after `` - ``), or None.

    Returns:
        ``- folder-name: description`` with the description part cut at 1,536 characters.
    """
    label = folder_name if not name or name == folder_name else f"{folder_name} ({name})"
    desc = " ".join((description or "").split())
    if when_to_use and str(when_to_use).strip():
        desc = f"{desc} - {' '.join(str(when_to_use).split())}" if desc else " ".join(str(when_to_use).split())
    desc = desc[:MAX_LISTED_DESCRIPTION_CHARS]
    return f"- {label}: {desc}" if desc else f"- {label}"


def skill_cost(local_name: str, files: Mapping[str, bytes]) -> SkillCost:
    """Estimate the context cost of a skill folder.

    Args:
        local_name: the folder name.
        files: the folder's files, ``{relative POSIX path: bytes}``; ``SKILL.md`` is expected
            (without it the skill costs nothing in the list and every file counts as "other").

    Returns:
        The estimate. A SKILL.md whose frontmatter cannot be parsed is counted as raw text (its
        whole text on use, the folder name in the list) with a ``warning``; never raises.
    """
    other = sum(len(data) for rel, data in files.items() if rel != "SKILL.md" and rel not in IGNORED_FILES)
    raw = files.get("SKILL.md")
    if raw is None:
        return SkillCost(local_name, "", 0, 0, other, warning=f"{local_name}: no SKILL.md.")
    text = raw.decode("utf-8", errors="replace")
    try:
        meta = parse_skill_md(raw, f"{local_name}/SKILL.md")
    except SkillStudioError as exc:
        line = listing_line(local_name, None, None)
        return SkillCost(local_name, line, estimate_tokens(line), estimate_tokens(text), other, warning=str(exc))
    hidden = meta.fields.get("disable-model-invocation") is True
    when = meta.fields.get("when_to_use")
    line = "" if hidden else listing_line(local_name, meta.name, meta.description,
                                          when if isinstance(when, str) else None)
    return SkillCost(local_name, line, estimate_tokens(line), estimate_tokens(meta.body), other, hidden=hidden)


@dataclass(frozen=True)
class TargetCost:
    """Estimated context cost of everything deployed to one target.

    Attributes:
        name: the target's name.
        skills: per-skill estimates, sorted by local name.
        budget_tokens: the always-loaded budget in force for this target (user setting or the default).
    """

    name: str
    skills: tuple[SkillCost, ...]
    budget_tokens: int = DEFAULT_BUDGET_TOKENS

    @property
    def always_loaded_tokens(self) -> int:
        """Sum of the skills' always-loaded estimates."""
        return sum(s.always_loaded_tokens for s in self.skills)

    @property
    def on_use_tokens(self) -> int:
        """Sum of the skills' on-use estimates (the cost if every skill were used once)."""
        return sum(s.on_use_tokens for s in self.skills)

    @property
    def listing_chars(self) -> int:
        """Characters of the skill list these skills make (lines joined by newlines)."""
        lines = [s.listing for s in self.skills if s.listing]
        return sum(len(line) for line in lines) + max(0, len(lines) - 1)

    @property
    def over_budget(self) -> bool:
        """True when the always-loaded total passes the budget."""
        return self.always_loaded_tokens > self.budget_tokens

    def warning(self) -> str | None:
        """A sentence when over budget (the agent will shorten or drop skill descriptions), else None."""
        if not self.over_budget:
            return None
        return (f"{self.name}: the skills always loaded come to about {self.always_loaded_tokens:,} tokens, over the "
                f"budget of {self.budget_tokens:,}; the agent will shorten their descriptions, so it may not pick "
                "the right skill. Deploy fewer skills here or shorten their descriptions.")

    def to_json(self) -> dict[str, object]:
        """The ``cost --json`` shape of one target."""
        return {"name": self.name, "always_loaded_tokens": self.always_loaded_tokens,
                "on_use_tokens": self.on_use_tokens, "budget_tokens": self.budget_tokens,
                "over_budget": self.over_budget, "skills": [s.to_json() for s in self.skills]}


def target_cost(name: str, skills: Sequence[SkillCost], budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> TargetCost:
    """Totals of one target's skills (sorted by local name) against ``budget_tokens``."""
    return TargetCost(name, tuple(sorted(skills, key=lambda s: s.local_name)), budget_tokens)
