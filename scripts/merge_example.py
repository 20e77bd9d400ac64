"""The README's "Updates that keep your edits" example: a real CLI run against the fake GitHub.

Run from the repository root: ``.venv/bin/python scripts/merge_example.py``. It starts
``tests/fake_github.py`` on 127.0.0.1 with a one-skill marketplace, uses a throw-away
``SKILL_STUDIO_HOME``, and prints each command with its output (issue 13).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fake_github import FakeGitHub  # noqa: E402

CLI = str(Path(sys.executable).with_name("skill-studio"))
STEPS = ["Read the model's SQL.", "List the sources.", "Check the grain.", "Look for fan-out joins.",
         "Check incremental filters.", "Suggest tests.", "Write the summary."]
BODY = "".join(f"{i}. {t}\n" for i, t in enumerate(STEPS, 1))


def skill(version: str, body: str) -> str:
    return (f"---\nname: dbt-review\ndescription: Review dbt models for grain, joins and tests.\n"
            f"metadata:\n  version: \"{version}\"\n---\n# dbt review\n\n{body}")


def repo(md: str) -> dict[str, str | bytes]:
    catalog = {"name": "acme-data-skills", "owner": {"name": "Acme"},
               "plugins": [{"name": "data", "source": "./", "skills": ["./skills/dbt-review"]}]}
    return {".claude-plugin/marketplace.json": json.dumps(catalog), "skills/dbt-review/SKILL.md": md}


def main() -> None:
    home = Path(tempfile.mkdtemp())
    env = dict(os.environ, SKILL_STUDIO_HOME=str(home), HOME=str(home),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, check=False)

    def sh(command: str) -> None:
        print(f"$ {command}")
        r = cli(*shlex.split(command)[1:])
        sys.stdout.write(r.stdout.replace(str(home / "data"), "~/.local/share/skill-studio"))
        sys.stdout.write(r.stderr)
        if r.returncode:
            print(f"$ echo $?\n{r.returncode}")
        print()

    with FakeGitHub() as gh:
        gh.add_repo_from_dir("acme", "data-skills", repo(skill("1.0.0", BODY)))
        env["SKILL_STUDIO_GITHUB_API"] = gh.base_url
        cli("registry", "add", "acme/data-skills")
        sh('skill-studio import acme-data-skills data:dbt-review --to library '
           '--description "Review our dbt models (Snowflake, dbt 1.8)."')
        md = Path(json.loads(cli("list", "--json").stdout)[0]["path"]) / "SKILL.md"
        md.write_text(md.read_text().replace("7. Write the summary.", "7. Write the summary in our PR template."))
        v11 = BODY.replace("1. Read the model's SQL.", "1. Read the model's SQL and its YAML.")
        gh.push("acme", "data-skills", repo(skill("1.1.0", v11)))
        sh("skill-studio update --check")
        sh("skill-studio update dbt-review --to library --merge")
        print("$ cat ~/.local/share/skill-studio/skills/library/dbt-review/SKILL.md")
        print(md.read_text())
        sh("skill-studio rollback dbt-review --to library")
        # the user and upstream both rewrite step 6
        md.write_text(md.read_text().replace("6. Suggest tests.", "6. Suggest tests (unique + not_null first)."))
        gh.push("acme", "data-skills", repo(skill("1.2.0", v11.replace("6. Suggest tests.",
                                                                       "6. Suggest dbt tests and contracts."))))
        item = json.loads(cli("update", "--check", "--json").stdout)["destinations"]["library"][0]
        print("$ skill-studio update --check --json   # the item, abridged")
        keys = ("local_name", "available_version", "customized", "status", "merge", "merge_files")
        conflicts = [{k: c[k] for k in ("path", "ours_lines", "theirs_lines")} for c in item["merge_conflicts"]]
        print(json.dumps({k: item[k] for k in keys} | {"merge_conflicts": conflicts}))
        print()
        sh("skill-studio update dbt-review --to library --merge")
        sh("skill-studio update dbt-review --to library --merge --prefer ours")


if __name__ == "__main__":
    main()
