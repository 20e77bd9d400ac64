"""core.jsonfast (issue 18): the big JSON documents go through orjson, with the standard module's
results and errors."""

from __future__ import annotations

import json

import pytest

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
