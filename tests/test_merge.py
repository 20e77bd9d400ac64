"""Three-way merge of a skill folder (core/merge.py, issue 13) on small synthetic skills."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skill_studio.core.merge import Conflict, merge_skill, merge_update

BODY = [f"line {i}\n" for i in range(1, 13)]


def skill(description: str = "Does things.", version: str = "1.0.0", body: list[str] | None = None,
          extra: str = "") -> bytes:
    head = f"---\nname: demo\ndescription: {description}\nversion: {version}\n{extra}---\n"
    return (head + "".join(BODY if body is None else body)).encode()


def edited(lines: dict[int, str], base: list[str] | None = None) -> list[str]:
    out = list(BODY if base is None else base)
    for i, text in lines.items():
        out[i] = text
    return out


def test_only_upstream_changed_takes_it_only_ours_changed_keeps_it() -> None:
    base = {"SKILL.md": skill(), "a.md": b"a\n", "b.md": b"b\n"}
    ours = {**base, "a.md": b"a mine\n"}
    theirs = {**base, "b.md": b"b new\n"}
    r = merge_skill(base, ours, theirs)
    assert r.clean and r.files == {"SKILL.md": skill(), "a.md": b"a mine\n", "b.md": b"b new\n"}
    assert r.taken_from_theirs == ("b.md",) and r.kept_ours == ("a.md",) and r.merged == ()


def test_done_when_body_edit_near_the_end_and_upstream_top_change_plus_version_bump_merge() -> None:
    base = {"SKILL.md": skill()}
    ours = {"SKILL.md": skill(body=edited({10: "my local tweak\n"}))}
    theirs = {"SKILL.md": skill(version="1.1.0", body=edited({0: "improved first line\n"}))}
    r = merge_skill(base, ours, theirs)
    assert r.clean
    assert r.files["SKILL.md"] == skill(version="1.1.0", body=edited({0: "improved first line\n",
                                                                        10: "my local tweak\n"}))
    (fm,) = r.merged
    assert {c.origin for c in fm.chunks} >= {"ours", "theirs", "unchanged"}


def test_edited_description_and_upstream_version_bump_on_the_next_line_merge_key_by_key() -> None:
    base = {"SKILL.md": skill()}
    ours = {"SKILL.md": skill(description="My own words.")}
    theirs = {"SKILL.md": skill(version="2.0.0")}
    r = merge_skill(base, ours, theirs)
    assert r.clean and r.files["SKILL.md"] == skill(description="My own words.", version="2.0.0")


def test_frontmatter_keys_added_and_removed_on_either_side() -> None:
    base = {"SKILL.md": skill(extra="license: MIT\n")}
    ours = {"SKILL.md": skill(extra="model: opus\nlicense: MIT\n")}         # ours adds model
    theirs = {"SKILL.md": skill(extra="argument-hint: '[f]'\n")}              # theirs swaps license
    r = merge_skill(base, ours, theirs)
    assert r.clean
    # an upstream key lands after its upstream predecessor (version); ours' keys keep their place
    assert r.files["SKILL.md"] == skill(extra="argument-hint: '[f]'\nmodel: opus\n")


def test_same_frontmatter_key_changed_on_both_sides_is_a_conflict_naming_the_key() -> None:
    base = {"SKILL.md": skill()}
    r = merge_skill(base, {"SKILL.md": skill(description="Mine.")}, {"SKILL.md": skill(description="Theirs.")})
    (c,) = r.conflicts
    assert (c.path, c.kind, c.key, c.ours_lines, c.theirs_lines) == ("SKILL.md", "frontmatter", "description",
                                                                     (3, 3), (3, 3))
    assert "description" in c.describe()


def test_same_body_line_on_both_sides_is_a_conflict_with_line_ranges() -> None:
    base = {"SKILL.md": skill(), "ref.md": b"one\ntwo\nthree\nfour\n"}
    ours = {"SKILL.md": skill(body=edited({5: "ours 6\n", 6: "ours 7\n"})), "ref.md": b"one\nTWO\nthree\nfour\n"}
    theirs = {"SKILL.md": skill(body=edited({5: "theirs 6\n"})), "ref.md": b"one\n2\n2b\nthree\nfour\n"}
    r = merge_skill(base, ours, theirs)
    assert not r.clean and r.conflicted_paths == ("SKILL.md", "ref.md")
    body_start = 5  # the body's first line is line 6 of the file
    by_path = {c.path: c for c in r.conflicts}
    assert by_path["SKILL.md"] == Conflict("SKILL.md", "lines", (body_start + 6, body_start + 7),
                                           (body_start + 6, body_start + 7), (body_start + 6, body_start + 7),
                                           chunk=by_path["SKILL.md"].chunk)
    assert by_path["ref.md"].ours_lines == (2, 2) and by_path["ref.md"].theirs_lines == (2, 3)
    assert by_path["ref.md"].describe() == "ref.md line 2 (upstream: lines 2-3)"
    assert r.files["ref.md"] == ours["ref.md"]  # unresolved: never conflict markers, ours' side


def test_prefer_resolves_every_conflicting_hunk_one_way_and_keeps_clean_changes() -> None:
    base = {"SKILL.md": skill()}
    ours = {"SKILL.md": skill(description="Mine.", body=edited({0: "ours top\n", 11: "ours end\n"}))}
    theirs = {"SKILL.md": skill(description="Theirs.", version="3.0.0", body=edited({0: "theirs top\n"}))}
    r = merge_skill(base, ours, theirs, prefer="theirs")
    assert r.clean and len(r.resolved) == 2
    assert r.files["SKILL.md"] == skill(description="Theirs.", version="3.0.0",
                                        body=edited({0: "theirs top\n", 11: "ours end\n"}))
    r = merge_skill(base, ours, theirs, prefer="ours")
    assert r.files["SKILL.md"] == skill(description="Mine.", version="3.0.0",
                                        body=edited({0: "ours top\n", 11: "ours end\n"}))


def test_binary_files_follow_git_rules() -> None:
    png0, png1, png2 = b"\x89PNG\0base", b"\x89PNG\0ours", b"\x89PNG\0theirs"
    base = {"SKILL.md": skill(), "logo.png": png0, "icon.png": png0}
    ours = {**base, "logo.png": png1}
    theirs = {**base, "logo.png": png2, "icon.png": png2}
    r = merge_skill(base, ours, theirs)
    assert r.files["icon.png"] == png2  # only upstream changed it
    (c,) = r.conflicts
    assert (c.path, c.kind, c.ours_lines) == ("logo.png", "binary", None)
    assert r.merged[0].resolve({-1: "theirs"}) == png2 and r.merged[0].resolve({}) == png1
    assert merge_skill(base, ours, theirs, prefer="theirs").files["logo.png"] == png2
    assert merge_skill(base, ours, theirs, prefer="ours").files["logo.png"] == png1
    added = merge_skill(base, {**base, "new.bin": b"\0a"}, {**base, "new.bin": b"\0b"})
    assert [c.kind for c in added.conflicts] == ["add/add"]


def test_added_and_removed_files_on_either_side() -> None:
    base = {"SKILL.md": skill(), "old.md": b"old\n", "gone-upstream.md": b"x\n", "edited-gone.md": b"e\n",
            "gone-mine.md": b"m\n"}
    ours = {"SKILL.md": skill(), "old.md": b"old\n", "gone-upstream.md": b"x\n", "edited-gone.md": b"e mine\n",
            "mine.md": b"my notes\n", "both.md": b"same\n"}
    theirs = {"SKILL.md": skill(), "old.md": b"old\n", "gone-mine.md": b"m\n", "new.md": b"from upstream\n",
              "both.md": b"same\n"}
    r = merge_skill(base, ours, theirs)
    assert set(r.files) == {"SKILL.md", "old.md", "mine.md", "new.md", "both.md", "edited-gone.md"}
    (c,) = r.conflicts
    assert (c.path, c.kind) == ("edited-gone.md", "modify/delete")
    assert "deleted on one side" in c.describe()
    r = merge_skill(base, ours, theirs, prefer="theirs")
    assert r.clean and "edited-gone.md" not in r.files
    assert merge_skill(base, ours, theirs, prefer="ours").files["edited-gone.md"] == b"e mine\n"
    # a text file added on both sides with different content is merged against an empty base
    r = merge_skill(base, {**base, "n.md": b"a\n"}, {**base, "n.md": b"b\n"})
    assert [(c.path, c.kind, c.ours_lines) for c in r.conflicts] == [("n.md", "lines", (1, 1))]


def test_crlf_files_stay_crlf() -> None:
    crlf = lambda b: b.replace(b"\n", b"\r\n")  # noqa: E731
    base = {"SKILL.md": crlf(skill()), "ref.md": crlf(b"a\nb\nc\nd\ne\n")}
    ours = {"SKILL.md": crlf(skill(description="Mine.")), "ref.md": crlf(b"a mine\nb\nc\nd\ne\n")}
    theirs = {"SKILL.md": crlf(skill(version="1.2.0", body=edited({11: "last\n"}))), "ref.md": crlf(b"a\nb\nc\nd\ne up\n")}
    r = merge_skill(base, ours, theirs)
    assert r.clean
    assert r.files["SKILL.md"] == crlf(skill(description="Mine.", version="1.2.0", body=edited({11: "last\n"})))
    assert r.files["ref.md"] == crlf(b"a mine\nb\nc\nd\ne up\n")


def test_skill_md_without_frontmatter_on_a_side_is_merged_by_lines() -> None:
    base = {"SKILL.md": b"no frontmatter\nsecond\nthird\nfourth\n"}
    ours = {"SKILL.md": b"no frontmatter mine\nsecond\nthird\nfourth\n"}
    theirs = {"SKILL.md": b"no frontmatter\nsecond\nthird\nfourth up\n"}
    assert merge_skill(base, ours, theirs).files["SKILL.md"] == b"no frontmatter mine\nsecond\nthird\nfourth up\n"


def test_file_merge_resolve_by_side_or_edited_text() -> None:
    base = {"SKILL.md": skill()}
    ours = {"SKILL.md": skill(body=edited({3: "ours\n"}))}
    theirs = {"SKILL.md": skill(body=edited({3: "theirs\n"}))}
    r = merge_skill(base, ours, theirs)
    (fm,) = r.merged
    (c,) = fm.conflicts
    assert fm.resolve({c.chunk: "theirs"}) == theirs["SKILL.md"]
    assert fm.resolve({c.chunk: "base"}) == base["SKILL.md"]
    assert fm.resolve({c.chunk: b"both\n"}) == skill(body=edited({3: "both\n"}))
    files = r.with_resolutions({"SKILL.md": fm.resolve({c.chunk: "theirs"}), "gone.md": None})
    assert files == theirs


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["SKILL.md", "a.md", "b/c.txt", "d.bin"]), st.binary(max_size=40)),
       st.dictionaries(st.sampled_from(["SKILL.md", "a.md", "b/c.txt", "d.bin"]), st.binary(max_size=40)))
def test_one_sided_changes_always_merge_to_that_side(base: dict[str, bytes], other: dict[str, bytes]) -> None:
    assert merge_skill(base, base, other).files == other
    assert merge_skill(base, other, base).files == other
    r = merge_skill(base, other, other)
    assert r.clean and r.files == other and not r.changed


def test_changed_lines_and_result_origins_for_a_merge_view() -> None:
    base = {"SKILL.md": skill()}
    ours = {"SKILL.md": skill(body=edited({3: "ours\n", 11: "ours end\n"}))}
    theirs = {"SKILL.md": skill(version="2.0.0", body=edited({3: "theirs\n"}))}
    (fm,) = merge_skill(base, ours, theirs).merged
    assert fm.changed_lines("ours") == (5 + 3, 5 + 11)
    assert fm.changed_lines("theirs") == (3, 5 + 3)  # version line, body line 4
    (c,) = fm.conflicts
    origins = fm.result_origins()
    assert origins[3] == "theirs" and origins[5 + 3] == "conflict" and origins[5 + 11] == "ours"
    assert fm.result_origins({c.chunk: b"x\ny\n"})[5 + 3:5 + 5] == ("resolved", "resolved")
    assert len(fm.result_origins({c.chunk: b"x\ny\n"})) == len(fm.resolve({c.chunk: b"x\ny\n"}).splitlines())


def test_merge_update_carries_import_time_metadata_into_the_new_snapshot() -> None:
    base = {"SKILL.md": skill()}
    snapshot = {"SKILL.md": skill(description="Chosen at import.")}
    theirs = {"SKILL.md": skill(description="Upstream rewrote it.", version="2.0.0", body=edited({0: "new top\n"}))}
    want = skill(description="Chosen at import.", version="2.0.0", body=edited({0: "new top\n"}))
    # not customized since import: clean, the import-time choice wins, result == snapshot
    m = merge_update(base, snapshot, snapshot, theirs)
    assert m.result.clean and m.result.files == {"SKILL.md": want} and m.snapshot == {"SKILL.md": want}
    # customized: the user's edit is in the result, not in the snapshot (still customized after)
    ours = {"SKILL.md": skill(description="Chosen at import.", body=edited({11: "my end\n"}))}
    m = merge_update(base, ours, snapshot, theirs)
    assert m.result.clean
    assert m.result.files["SKILL.md"] == skill(description="Chosen at import.", version="2.0.0",
                                               body=edited({0: "new top\n", 11: "my end\n"}))
    assert m.snapshot == {"SKILL.md": want} != m.result.files
