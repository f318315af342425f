"""The Lab's JSON routes under hostile sizes: over-long paths and huge bodies are clear 4xx replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.server import companion
from timeline_lab.server.companion import MAX_BODY


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"timeline_lab.server.jupyter": True}}}


async def _call(jp_fetch: Any, route: str, body: Any = None, **params: str) -> tuple[int, dict[str, Any]]:
    if body is None:
        r = await jp_fetch("timeline-lab", "api", route, params=params, raise_error=False)
    else:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        r = await jp_fetch("timeline-lab", "api", route, method="POST", body=data, raise_error=False)
    return r.code, json.loads(r.body)


LONG = {
    "one 256-char name": "x" * 256,
    "one 300-char name": "x" * 300,
    "a 300-char name in a folder": "sub/" + "y" * 300,
    "a path over PATH_MAX": "/".join(["z" * 200] * 25),
}


def _requests(long: str) -> list[tuple[str, Any, dict[str, str]]]:
    return [
        ("projects", None, {"directory": long}),
        ("projects", {"directory": long}, {}),
        ("projects", {"directory": "", "name": long}, {}),
        ("companion", {"path": f"{long}.tlproj"}, {}),
        ("render", {"path": f"{long}.tlproj"}, {}),
    ]


@pytest.mark.parametrize("kind", sorted(LONG))
async def test_overlong_paths_are_a_400_naming_the_path(
    jp_fetch: Any, jp_root_dir: Path, log_watch: Any, kind: str
) -> None:
    (jp_root_dir / "sub").mkdir()
    long = LONG[kind]
    for route, body, params in _requests(long):
        code, reply = await _call(jp_fetch, route, body, **params)
        assert code in (400, 404), (route, body, params, code, reply)
        assert "Unhandled error" not in reply["message"]
        assert long.split("/")[-1][:50] in reply["message"]  # names the path as the client did
        assert str(jp_root_dir) not in reply["message"]
    assert not [r for r in log_watch.records if r.exc_info or "Unhandled" in r.getMessage()]
    assert sorted(p.name for p in jp_root_dir.iterdir()) == ["sub"]


@pytest.mark.parametrize("route", ["projects", "companion", "render"])
@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"path": "a.tlproj", "pad": "x" * MAX_BODY}),
        json.dumps({"directory": "", "pad": ["x" * 1000] * 200}),
        "[" * (MAX_BODY + 1),
        " " * (MAX_BODY + 1) + "{}",
    ],
    ids=["long string", "long list", "deep nesting", "whitespace"],
)
async def test_huge_bodies_are_refused_unparsed(
    jp_fetch: Any, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch, route: str, body: str
) -> None:
    parsed: list[int] = []
    loads = json.loads
    monkeypatch.setattr(companion.json, "loads", lambda s, **kw: parsed.append(len(s)) or loads(s, **kw))
    code, reply = await _call(jp_fetch, route, body)
    assert code == 413 and f"at most {MAX_BODY}" in reply["message"]
    assert not [n for n in parsed if n > MAX_BODY]
    assert list(jp_root_dir.iterdir()) == []


async def test_bodies_are_parsed_once(
    jp_fetch: Any, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"directory": "", "name": "Cut", "pad": "x" * (MAX_BODY - 100)})
    assert len(body) <= MAX_BODY
    parsed: list[bytes] = []
    loads = json.loads
    monkeypatch.setattr(companion.json, "loads", lambda s, **kw: parsed.append(s) or loads(s, **kw))
    code, reply = await _call(jp_fetch, "projects", body)
    assert code == 200 and reply["project"] == "Cut.tlproj"
    assert [p for p in parsed if p == body.encode()] == [body.encode()]
