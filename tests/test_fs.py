"""Confinement of typed paths to a root (``..``, absolute, symlinks) and file kinds by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import TimelineLabError
from timeline_lab.fs import WorkspaceEscape, media_type_of, resolve_inside, resolve_path


def _symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except (OSError, NotImplementedError):  # Windows without the privilege
        pytest.skip("symlinks not available")


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
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
    return root.resolve(), outside


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
def test_paths_resolve_inside_or_are_refused(tree: tuple[Path, Path], path: str, expected: object) -> None:
    root, _ = tree
    if isinstance(expected, str):
        assert resolve_inside(root, path) == root / expected
    else:
        with pytest.raises(WorkspaceEscape, match=r"outside the workspace|NUL") as info:
            resolve_inside(root, path)
        assert isinstance(info.value, TimelineLabError)
        if "\x00" not in path:
            assert repr(path) in str(info.value)  # the message names the path


def test_absolute_paths(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    assert resolve_inside(root, root / "notes.txt") == root / "notes.txt"  # absolute but inside: fine
    assert resolve_inside(root, root / "link_in" / "clip.mp4") == root / "a" / "clip.mp4"
    with pytest.raises(WorkspaceEscape):
        resolve_inside(root, outside / "secret")
    with pytest.raises(WorkspaceEscape):
        resolve_inside(root, Path(root.anchor) / "etc" / "passwd")
    with pytest.raises(WorkspaceEscape):
        resolve_inside(root, "~")  # the home folder, not a file named "~"
    with pytest.raises(ValueError, match="NUL"):
        resolve_path("a\x00b", root)


def test_a_prefix_of_the_root_is_not_inside(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data-evil").mkdir()
    with pytest.raises(WorkspaceEscape):
        resolve_inside((tmp_path / "data").resolve(), tmp_path / "data-evil" / "x")


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
def test_random_relative_paths(tree: tuple[Path, Path], parts: list[str], sep: str) -> None:
    root, _ = tree
    path = sep.join(parts)
    expected = _model(parts)
    if expected is None:
        with pytest.raises(WorkspaceEscape, match="outside the workspace"):
            resolve_inside(root, path)
    else:
        assert resolve_inside(root, path) == root.joinpath(*expected)


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
