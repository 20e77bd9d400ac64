"""Issue 18: ``update --check`` lists every registry at once, and reports them in registry order."""

from __future__ import annotations

import threading

from test_updates import V1

from skill_studio.app import updates as upd
from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination, ImportOptions


def test_registries_are_listed_concurrently_and_reported_in_order(github, use_github, monkeypatch) -> None:
    for repo in ("one", "two", "three"):
        github.add_repo_from_dir("acme", repo, V1)
    use_github(github)
    with SkillStudio() as studio:
        for i, repo in enumerate(("one", "two", "three")):
            reg = studio.add_registry(f"acme/{repo}")
            listing = studio.list_registry(reg)
            skill = next(s for s in listing.skills if s.name == "alpha")
            studio.import_skill(listing, skill, Destination.LIBRARY, ImportOptions(local_name=f"alpha-{i}"))

        together = threading.Barrier(3, timeout=20)  # broken unless all three listings run at once
        real = studio.list_registry

        def listing_at_once(reg, **kwargs):
            if reg.source.owner == "acme":
                together.wait()
            return real(reg, **kwargs)

        monkeypatch.setattr(studio, "list_registry", listing_at_once)
        steps: list[tuple[int, int]] = []
        report = upd.check_updates(studio, progress=lambda d, t: steps.append((d, t)))
        expected = [studio.find_registry(f"acme/{repo}").name for repo in ("one", "two", "three")]
    assert not together.broken and report.errors == []
    assert report.registries == expected  # the order of the installed skills, whoever answered first
    assert report.checked == 3 and steps[0] == (0, 3) and steps[-1] == (3, 3)
