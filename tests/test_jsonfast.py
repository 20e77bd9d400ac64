"""core.jsonfast (issue 18): the big JSON documents go through orjson, with the standard module's
results and errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill_studio.core import jsonfast


def test_same_documents_as_the_standard_module() -> None:
    doc = {"format": 3, "entries": [["skills/pdf/SKILL.md", "100644", "blob", "a" * 40, 12], ["é/ü", "040000", "tree", "b" * 40, None]],
           "flag": True, "ratio": 0.5, "name": "naïve “quotes” / slash"}
    data = jsonfast.dumps(doc)
    assert isinstance(data, bytes)
    assert data == json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    assert jsonfast.loads(data) == doc == jsonfast.loads(data.decode())


def test_documents_orjson_refuses_get_the_standard_answer() -> None:
    assert jsonfast.loads(b'{"x": NaN}')["x"] != jsonfast.loads(b'{"x": NaN}')["x"]  # NaN, as json reads it
    big = 2 ** 70
    assert jsonfast.loads(str(big).encode()) == big
    assert jsonfast.dumps({"n": big}) == b'{"n":' + str(big).encode() + b"}"
    assert jsonfast.dumps({1: "a"}) == b'{"1":"a"}'  # json turns the key into text


def test_errors_are_the_standard_modules() -> None:
    with pytest.raises(json.JSONDecodeError):
        jsonfast.loads(b"<html>captive portal</html>")
    with pytest.raises(TypeError):
        jsonfast.dumps({"x": object()})


# -- loads_tree (issue 18): a tree answer parsed in slices, with loads' result ----------------------

NASTY = ['a},{"path":"b', 'x\\"},{\\"path\\":\\"y', "brace}{", "quote\"s", "ünï/çødé", "\u00a0", "back\\slash\\",
         "tab\there", "] ,{", "new\nline", '"tree":[']


def tree_doc(n: int, *, sha_first: bool = True) -> dict[str, object]:
    entries = []
    for i in range(n):
        entry: dict[str, object] = {"path": f"skills/{NASTY[i % len(NASTY)]}/{i}", "mode": "100644", "type": "blob",
                                    "sha": f"{i:040x}", "url": f"https://api.test/git/blobs/{i:040x}"}
        if i % 3:
            entry["size"] = i * 7
        entries.append(entry)
    doc: dict[str, object] = {"sha": "f" * 40, "url": "https://api.test/trees/x"} if sha_first else {}
    doc["tree"] = entries
    doc["truncated"] = False
    return doc


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Slices of 512 bytes (so a few hundred entries are cut many times); records each parse."""
    monkeypatch.setattr(jsonfast, "TREE_SLICE_BYTES", 512)
    sizes: list[int] = []
    real = jsonfast.loads

    def counting(data):  # type: ignore[no-untyped-def]
        sizes.append(len(data))
        return real(data)

    monkeypatch.setattr(jsonfast, "loads", counting)
    return sizes


@pytest.mark.parametrize("indent", [None, 1])
def test_a_tree_parsed_in_slices_equals_one_parse(small_slices: list[int], indent: int | None) -> None:
    doc = tree_doc(300)
    data = json.dumps(doc, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":")).encode()
    assert jsonfast.loads_tree(data) == doc == json.loads(data)
    assert len(small_slices) > 20, "the array was parsed in many slices"
    assert max(small_slices) < len(data) // 10, "no slice is the whole document"


def test_small_trees_are_parsed_at_once(small_slices: list[int]) -> None:
    data = json.dumps(tree_doc(2)).encode()
    assert len(data) <= 2 * 512
    assert jsonfast.loads_tree(data) == tree_doc(2)
    assert small_slices == [len(data)]


@pytest.mark.parametrize("broken", [
    b'{"sha":"x","tree":[{"path":"a","mode":"1"},{"path":"b","mode":"2"}',  # cut short
    b'{"sha":"x","tree":[{"path":"a"},{"path":"b"},],"truncated":false}',  # trailing comma
    b"<html>captive portal</html>",
])
def test_broken_answers_raise_what_one_parse_raises(small_slices: list[int], broken: bytes) -> None:
    data = broken.replace(b'{"path":"a"', b'{"path":"a","pad":"' + b"p" * 2000 + b'"')
    with pytest.raises(json.JSONDecodeError):
        jsonfast.loads_tree(data)


@pytest.mark.parametrize("odd", [
    # entries holding objects whose keys look like an entry's start: cut inside an entry, so fall back
    {"sha": "x", "tree": [{"path": "a", "sub": [{"k": "p" * 600}, {"path": "inner", "z": "q" * 600}]}] * 4},
    # a second "tree" key, and a tree that is not a list of objects
    {"sha": "x", "tree": [{"path": "a" * 700}, {"path": "b" * 700}], "extra": {"tree": [1, 2, 3]}},
    {"sha": "x", "tree": [[1] * 400, {"path": "b" * 900}, "text", {"path": "c" * 900}]},
    {"tree": [{"path": "a" * 900}, {"path": "b" * 900}], "truncated": True, "url": "https://x/]"},
])
def test_odd_shapes_get_the_same_result(small_slices: list[int], odd: dict[str, object]) -> None:
    data = json.dumps(odd, separators=(",", ":")).encode()
    assert jsonfast.loads_tree(data) == odd


_path_text = st.lists(st.sampled_from(list('ab/{}[],:" \\\u00e9\u2028\n') + ['},{"path":"', '"tree":[']),
                      max_size=12).map("".join)
_entry = st.fixed_dictionaries({"path": _path_text, "mode": st.sampled_from(["100644", "040000", "120000"]),
                                "type": st.sampled_from(["blob", "tree", "commit"])},
                               optional={"size": st.integers(0, 10**9), "url": _path_text})


@settings(max_examples=150, deadline=None)
@given(entries=st.lists(_entry, max_size=60), truncated=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_any_tree_document_parses_as_one_parse_does(entries: list[dict[str, object]], truncated: bool,
                                                    indent: int | None) -> None:
    doc = {"sha": "s", "url": "u", "tree": entries, "truncated": truncated}
    data = json.dumps(doc, ensure_ascii=False, indent=indent).encode()
    old = jsonfast.TREE_SLICE_BYTES
    jsonfast.TREE_SLICE_BYTES = 64  # cut nearly every entry apart
    try:
        assert jsonfast.loads_tree(data) == doc
    finally:
        jsonfast.TREE_SLICE_BYTES = old
