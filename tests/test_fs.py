"""Workspace: confinement (``..``, absolute, symlinks), search, atomic writes, trash and restore."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import TimelineLabError
from timeline_lab.fs import Workspace, WorkspaceError, WorkspaceEscape, media_type_of


def _symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except (OSError, NotImplementedError):  # Windows without the privilege
        pytest.skip("symlinks not available")


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Workspace, Path]:
    """root/{a/{clip.mp4,b/},notes.txt, link_in -> a, link_out -> outside/, file_out -> outside/secret}."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "a" / "b").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret").write_text("secret")
    (root / "a" / "clip.mp4").write_bytes(b"\0" * 10)
    (root / "notes.txt").write_text("hello")
    _symlink(root / "link_in", root / "a")
    _symlink(root / "link_out", outside)
    _symlink(root / "file_out", outside / "secret")
    return Workspace(root), outside


# -- confinement -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("notes.txt", "notes.txt"),
        ("./a/../notes.txt", "notes.txt"),
        ("a/b/../../notes.txt", "notes.txt"),
        ("link_in/clip.mp4", "a/clip.mp4"),
        ("../outside/secret", WorkspaceEscape),
        ("a/../../outside/secret", WorkspaceEscape),
        ("link_out/secret", WorkspaceEscape),  # symlinked parent folder leading outside
        ("file_out", WorkspaceEscape),  # symlink to a file outside
        ("link_in/../../outside/secret", WorkspaceEscape),
        ("nul\x00byte", WorkspaceEscape),
    ],
)
def test_paths_resolve_inside_or_are_refused(
    tree: tuple[Workspace, Path], path: str, expected: object
) -> None:
    ws, _ = tree
    if isinstance(expected, str):
        assert ws.resolve(path) == ws.root / expected
    else:
        with pytest.raises(WorkspaceEscape, match=r"outside the workspace|NUL") as info:
            ws.read_bytes(path)
        assert isinstance(info.value, TimelineLabError)
        if "\x00" not in path:
            assert repr(path) in str(info.value)  # the message names the path


def test_absolute_paths(tree: tuple[Workspace, Path]) -> None:
    ws, outside = tree
    assert ws.read_text(ws.root / "notes.txt") == "hello"  # absolute but inside: fine
    assert ws.relative(ws.root / "link_in" / "clip.mp4") == PurePosixPath("a/clip.mp4")
    with pytest.raises(WorkspaceEscape):
        ws.read_text(outside / "secret")
    with pytest.raises(WorkspaceEscape):
        ws.read_text(Path(ws.root.anchor) / "etc" / "passwd")


@pytest.mark.parametrize(
    "op",
    [
        lambda ws: ws.write_text("link_out/new.txt", "x"),
        lambda ws: ws.write_text("file_out", "overwrite"),
        lambda ws: ws.write_text("../escape.txt", "x"),
        lambda ws: ws.mkdir("link_out/sub"),
        lambda ws: ws.move("notes.txt", "../moved.txt"),
        lambda ws: ws.move("link_out/secret", "stolen"),
        lambda ws: ws.delete("link_out/secret"),
        lambda ws: ws.list("link_out"),
        lambda ws: ws.metadata("file_out"),
        lambda ws: ws.search("*", under="link_out"),
    ],
)
def test_every_operation_refuses_escapes(tree: tuple[Workspace, Path], op: object) -> None:
    ws, outside = tree
    before = sorted(p.name for p in outside.iterdir())
    with pytest.raises(WorkspaceEscape):
        op(ws)  # type: ignore[operator]
    assert sorted(p.name for p in outside.iterdir()) == before
    assert (outside / "secret").read_text() == "secret"
    assert not (ws.root.parent / "escape.txt").exists()


def test_planted_trash_link_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "f.txt").write_text("x")
    _symlink(root / ".trash", outside)
    with pytest.raises(WorkspaceEscape):
        Workspace(root).delete("f.txt")
    assert list(outside.iterdir()) == []


# Property: a random relative path either resolves to where a model of the tree says, or is refused
# exactly when the model says it leaves the root.
SEGMENTS = st.sampled_from(["..", ".", "a", "b", "link_in", "link_out", "x", ""])


def _model(parts: list[str]) -> tuple[str, ...] | None:
    """Where the path leads below root, following the fixture's links; None when it ends outside.

    Positions are parts below ``tmp_path`` (``"<up>"`` stands for a folder above it); only
    ``root/link_in`` and ``root/link_out`` are links, every other name is a plain (maybe missing) folder.
    """
    if len(parts) > 1 and parts[0] == "":
        return None  # a leading separator: an absolute path, from the file-system root
    pos = ["root"]
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if pos and pos[-1] != "<up>":
                pos.pop()
            else:
                pos.append("<up>")
        elif pos == ["root"] and part == "link_in":
            pos = ["root", "a"]
        elif pos == ["root"] and part == "link_out":
            pos = ["outside"]
        else:
            pos.append(part)
    return tuple(pos[1:]) if pos[:1] == ["root"] else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(SEGMENTS, max_size=7), sep=st.sampled_from(["/", os.sep]))
def test_random_relative_paths(tree: tuple[Workspace, Path], parts: list[str], sep: str) -> None:
    ws, _ = tree
    path = sep.join(parts)
    expected = _model(parts)
    if expected is None:
        with pytest.raises(WorkspaceEscape, match="outside the workspace"):
            ws.resolve(path)
    else:
        assert ws.resolve(path) == ws.root.joinpath(*expected)


# -- file operations -------------------------------------------------------------------------------
def test_write_read_atomic_and_parents(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    ws.write_text("projects/one/edit.tlproj", "{}")
    ws.write_bytes("projects/one/edit.tlproj", b'{"v": 2}')
    assert ws.read_text("projects/one/edit.tlproj") == '{"v": 2}'
    assert [p.name for p in (ws.root / "projects" / "one").iterdir()] == ["edit.tlproj"]  # no .part left
    with pytest.raises(WorkspaceError, match="no such file"):
        ws.read_bytes("missing.mp4")
    with pytest.raises(WorkspaceError, match="not a folder"):
        Workspace(tmp_path / "nope")


def test_list_metadata_and_search(tree: tuple[Workspace, Path]) -> None:
    ws, _ = tree
    for name in ("a/b/tone.WAV", "a/b/still.png", "edit.tlproj", "a/b/Interview_take2.MOV", ".hidden.mp4"):
        ws.write_bytes(name, b"12345")
    names = [str(e.path) for e in ws.list()]
    assert names == ["a", "link_in", "edit.tlproj", "notes.txt"]  # folders first; links outside skipped
    meta = ws.metadata("a/b/tone.WAV")
    assert (meta.size, meta.media_type, meta.path) == (5, "audio", PurePosixPath("a/b/tone.WAV"))
    assert meta.mtime.tzinfo is not None
    assert ws.metadata("a").is_dir
    videos = {str(e.path) for e in ws.search(media_type="video")}
    assert videos == {"a/clip.mp4", "a/b/Interview_take2.MOV"}  # '**' does not descend into link_in
    assert [str(e.path) for e in ws.search(name="take2")] == ["a/b/Interview_take2.MOV"]
    assert [str(e.path) for e in ws.search("*.tlproj")] == ["edit.tlproj"]
    assert [str(e.path) for e in ws.search("*.mp4", under="link_in")] == ["a/clip.mp4"]  # canonical path
    with pytest.raises(WorkspaceEscape):
        ws.search("../*")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.mp4", "video"),
        ("b.MKV", "video"),
        ("c.flac", "audio"),
        ("d.jpeg", "image"),
        ("e.tlproj", "project"),
        ("f.otio", "project"),
        ("g.txt", "other"),
        ("h.qt", "video"),
        ("i.svg", "image"),
        ("noext", "other"),
    ],
)
def test_media_type_of(name: str, kind: str) -> None:
    assert media_type_of(name) == kind


def test_move(tree: tuple[Workspace, Path]) -> None:
    ws, _ = tree
    ws.move("notes.txt", "docs/notes.md")
    assert ws.read_text("docs/notes.md") == "hello"
    ws.write_text("other.txt", "o")
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.move("other.txt", "docs/notes.md")
    ws.move("other.txt", "docs/notes.md", overwrite=True)
    assert ws.read_text("docs/notes.md") == "o"
    ws.move("docs/notes.md", "a")  # into a folder
    assert ws.exists("a/notes.md")
    with pytest.raises(WorkspaceError, match="into itself"):
        ws.move("a", "a/b/a2")
    ws.move("link_in", "renamed_link")  # a link that stays inside moves as a link
    assert (ws.root / "renamed_link").is_symlink() and ws.exists("a/clip.mp4")


def test_delete_to_trash_and_restore(tree: tuple[Workspace, Path]) -> None:
    ws, _ = tree
    first = ws.delete("notes.txt")
    ws.write_text("notes.txt", "second version")
    second = ws.delete("notes.txt")
    folder = ws.delete("a/b")
    assert not ws.exists("notes.txt") and not ws.exists("a/b")
    assert [e.id for e in ws.trash()] == [first.id, second.id, folder.id]
    assert first.id[:8].isdigit() and first.original == PurePosixPath("notes.txt")
    assert ".trash" not in [str(e.path) for e in ws.list(hidden=False)]
    with pytest.raises(WorkspaceError, match="trash"):
        ws.write_text(".trash/evil", "x")
    ws.restore(first.id)
    assert ws.read_text("notes.txt") == "hello"
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.restore(second.id)
    ws.restore(second.id, to="notes-v2.txt")
    assert ws.read_text("notes-v2.txt") == "second version"
    ws.restore(folder.id)
    assert ws.metadata("a/b").is_dir
    ws.delete("link_in")  # deleting a link removes the link, not the folder it points to
    assert ws.exists("a/clip.mp4")
    assert ws.empty_trash() == 1 and ws.trash() == []
    with pytest.raises(WorkspaceError, match="no trash entry"):
        ws.restore(first.id)
    with pytest.raises(WorkspaceError, match="root itself"):
        ws.delete(".")
