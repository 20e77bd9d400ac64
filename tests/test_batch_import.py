"""Batch import in parallel with per-skill progress (issue 18 §3): ``app.browse.import_all``
downloads several skills at once, reports each skill queued → downloading → installing →
installed / failed (with its reason, by name), one failure stops nothing else, installs stay
atomic and in plan order, and a cancellation still stops the batch.

Concurrency is asserted by behaviour, never by timing: one skill's download is held by the fake
server (``hang``) while the downloads of the other skills are seen arriving."""

from __future__ import annotations

import json
import threading

import pytest
from fake_github import git_blob_sha

from skill_studio.app.browse import ImportStage, SkillProgress, import_all
from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination, ImportOptions

pytestmark = pytest.mark.integration

LIB, SET = Destination.LIBRARY, Destination.SETTINGS
NAMES = ("alpha", "beta", "gamma", "delta", "epsilon")


def skill_md(name: str, slot: str | None = None) -> str:
    extra = f"slot: {slot}\n" if slot else ""
    return f"---\nname: {name}\ndescription: The {name} helper for tests.\n{extra}---\n# {name}\n\nDo {name} things.\n"


def market(names=NAMES, slot: str | None = None) -> dict[str, str]:
    files = {".claude-plugin/marketplace.json": json.dumps(
        {"name": "acme-tools", "owner": {"name": "Acme"}, "plugins": [{"name": "kit", "source": "./kit"}]})}
    for n in names:
        files[f"kit/skills/{n}/SKILL.md"] = skill_md(n, slot)
        files[f"kit/skills/{n}/notes/{n}.txt"] = f"notes of {n}\n"
    return files


@pytest.fixture
def studio(github, use_github):
    github.add_repo_from_dir("acme", "market", market())
    use_github(github)
    with SkillStudio.open() as s:
        s.add_registry("acme/market")
        yield s


class Recorder:
    """A thread-safe ``on_skill`` callback keeping every event."""

    def __init__(self) -> None:
        self.events: list[SkillProgress] = []
        self.lock = threading.Lock()

    def __call__(self, event: SkillProgress) -> None:
        with self.lock:
            self.events.append(event)

    def stages(self, name: str) -> list[ImportStage]:
        with self.lock:
            return [e.stage for e in self.events if e.local_name == name]

    def last(self, name: str) -> SkillProgress:
        with self.lock:
            return [e for e in self.events if e.local_name == name][-1]


def plans_of(studio: SkillStudio, names=NAMES):
    listing = studio.list_registry(studio.find_registry("acme-tools"))
    by = {s.name: s for s in listing.skills}
    return listing, [(by[n], ImportOptions()) for n in names]


def test_downloads_of_a_batch_overlap(studio, github) -> None:
    """While alpha's notes are held by the server, the files of the other skills are asked for: the
    batch does not wait for one skill before downloading the next (a one-by-one import would
    ask for nothing else until alpha's answer came)."""
    listing, plans = plans_of(studio)
    github.hang("notes/alpha.txt", 30, times=1)
    rec = Recorder()
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("r", import_all(studio, listing, LIB, plans, lambda d, t: None,
                                                                        on_skill=rec)))
    t.start()
    try:
        assert github.wait_for_request("notes/alpha.txt", timeout=20)
        for name in NAMES[1:]:  # alpha is still held: these arrive only if downloads run side by side
            assert github.wait_for_request(f"notes/{name}.txt", timeout=20), f"{name} was not downloaded alongside alpha"
        assert rec.stages("alpha")[-1] is ImportStage.DOWNLOADING
        # installs are in plan order: nothing after alpha is installed while alpha is still downloading
        assert all(ImportStage.INSTALLED not in rec.stages(n) for n in NAMES)
    finally:
        studio.cancel_requests()  # wakes alpha's request: alpha is cancelled, the others install or cancel
        t.join(30)
    assert not t.is_alive()


def test_every_skill_reports_progress_and_one_failure_is_named(studio, github) -> None:
    listing, plans = plans_of(studio)
    gone = git_blob_sha(b"notes of gamma\n")  # gamma's notes are gone from both the raw host and the API
    github.fail("notes/gamma.txt", 404)
    github.fail(f"/git/blobs/{gone}", 404)
    rec = Recorder()
    totals: list[tuple[int, int]] = []
    results = import_all(studio, listing, LIB, plans, lambda d, t: totals.append((d, t)), on_skill=rec)
    assert [r.skill.name for r in results] == list(NAMES)
    failed = [r for r in results if r.error]
    assert [r.skill.name for r in failed] == ["gamma"]
    for name in NAMES:
        stages = rec.stages(name)
        assert stages[0] is ImportStage.QUEUED
        assert ImportStage.DOWNLOADING in stages
        if name == "gamma":
            assert stages[-1] is ImportStage.FAILED
            assert rec.last(name).error == failed[0].error
            assert rec.last(name).text.startswith("failed: ")
        else:
            assert stages[-2:] == [ImportStage.INSTALLING, ImportStage.INSTALLED]
    assert sorted(s.local_name for s in studio.installed(LIB)) == sorted(set(NAMES) - {"gamma"})
    assert totals[-1] == (500, 500)  # the global figure reaches its end, failure included


def test_installs_follow_plan_order_for_the_slot_rule(github, use_github) -> None:
    """Settings skills wanting the same slot: the first of the plan takes it, as one by one."""
    github.add_repo_from_dir("acme", "market", market(("one", "two", "three"), slot="batch-test"))
    use_github(github)
    with SkillStudio.open() as s:
        s.add_registry("acme/market")
        listing, plans = plans_of(s, ("one", "two", "three"))
        rec = Recorder()
        results = import_all(s, listing, SET, plans, lambda d, t: None, on_skill=rec)
        assert all(r.error is None for r in results)
        active = {sk.local_name: sk.active for sk in s.installed(SET) if sk.local_name in ("one", "two", "three")}
        assert active == {"one": True, "two": False, "three": False}
        installing = [e.local_name for e in rec.events if e.stage is ImportStage.INSTALLING]
        assert installing == ["one", "two", "three"]


def test_a_collision_fails_that_skill_only(studio) -> None:
    listing, plans = plans_of(studio)
    studio.import_skill(listing, plans[1][0], LIB)  # beta is installed already
    rec = Recorder()
    results = import_all(studio, listing, LIB, plans, lambda d, t: None, on_skill=rec)
    assert [r.skill.name for r in results if r.error] == ["beta"]
    assert rec.stages("beta")[-1] is ImportStage.FAILED
    assert "beta" in (rec.last("beta").error or "")


def test_cancel_stops_what_is_not_installed(studio, github) -> None:
    listing, plans = plans_of(studio)
    github.hang("notes/beta.txt", 30, times=1)
    flag = threading.Event()
    rec = Recorder()
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("r", import_all(
        studio, listing, LIB, plans, lambda d, t: None, flag.is_set, on_skill=rec, limit=2)))
    t.start()
    assert github.wait_for_request("notes/beta.txt", timeout=20)
    flag.set()
    studio.cancel_requests()
    t.join(30)
    assert not t.is_alive()
    results = out["r"]
    assert [r.error for r in results][1] == "Cancelled."
    assert rec.stages("beta")[-1] is ImportStage.CANCELLED
    installed = {s.local_name for s in studio.installed(LIB)}
    for r in results:  # each skill is either installed whole or not at all
        assert (r.skill.name in installed) == (r.error is None)
        assert rec.stages(r.skill.name)[-1] in (ImportStage.INSTALLED, ImportStage.CANCELLED)
    assert installed <= {"alpha"}  # installs follow plan order: nothing after the held beta is installed


def test_one_at_a_time_still_works(studio) -> None:
    listing, plans = plans_of(studio, ("alpha", "beta"))
    results = import_all(studio, listing, LIB, plans, lambda d, t: None, limit=1)
    assert [r.installed.local_name for r in results if r.installed] == ["alpha", "beta"]
