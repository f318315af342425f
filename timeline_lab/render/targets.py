"""Where a render may write: never onto a file the project reads, however the path is spelled."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RenderError
from ..model.items import Clip

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..model.project import Project

__all__ = ["check_target", "project_sources"]


def project_sources(project: Project) -> tuple[Path, ...]:
    """Every media file the project refers to, on any track, enabled or not."""
    paths = {Path(i.media.path) for t in project.tracks for i in t.items if isinstance(i, Clip)}
    return tuple(sorted(paths))


def check_target(target: Path, sources: Iterable[Path]) -> None:
    """Refuse a render whose output (or its ``.part``) is one of ``sources``: it would destroy it.

    Compared by resolved path and by inode, so links and other spellings of a source are caught.
    """
    outputs = [target, target.with_name(target.name + ".part")]
    for src in sources:
        for out in outputs:
            if _same(out, src):
                msg = f"{target}: is a source of this project ({src}); render to another file"
                raise RenderError(msg)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.samefile(b)
    except OSError:  # one of them does not exist (a new output): not the same file
        return False
