"""The timeline's "duck" action: ``analysis.duck`` run on a snapshot off the kernel's thread.

Ducking decodes the dialogue's sound (seconds to minutes), so a worker runs it on a copy of the
project; back on the kernel's thread the music clips' new volume curves become ``set_keyframes``
operations applied as one undo step, unless those clips changed meanwhile (then it is refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..analysis.ducking import duck
from ..errors import ProjectError
from ..model import io
from ..model.items import Clip

if TYPE_CHECKING:
    from ..model.project import Project

__all__ = ["DUCK_WORKER", "DuckJob", "duck_ops"]

DUCK_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="timeline-duck")
"""Ducks run one at a time, beside (not in the way of) the thumbnails' workers."""


@dataclass(frozen=True)
class DuckJob:
    """What the worker needs: the project as text, and the duck's arguments."""

    snapshot: str
    track: str
    under: tuple[str, ...]
    amount_db: float
    before: dict[str, str]  # music clip id -> its JSON when the duck was asked for

    @classmethod
    def of(cls, project: Project, track: str, under: Sequence[str], amount_db: float) -> DuckJob:
        """Snapshot ``project`` (on the kernel's thread, so no edit is half done)."""
        if not under:
            raise ProjectError("duck: pick the dialogue tracks to duck under")
        music = _music(project, track)
        if not music:
            raise ProjectError(f"duck: track {track!r} has no clips with sound")
        before = {c.id: c.model_dump_json() for c in music}
        return cls(io.dumps(project), track, tuple(under), float(amount_db), before)

    def run(self) -> list[dict[str, Any]]:
        """Duck the snapshot (the slow part, safe on a worker) and return the ops that redo it."""
        copy = io.loads(self.snapshot)
        duck(copy, self.track, list(self.under), amount_db=self.amount_db)
        track = _find(copy, self.track)
        return [
            {
                "op": "set_keyframes",
                "track": track.id,
                "item_id": c.id,
                "property": "volume",
                "keyframes": [k.model_dump(mode="json") for k in c.keyframes.get("volume", [])],
            }
            for c in _music(copy, self.track)
        ]


def duck_ops(project: Project, job: DuckJob, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``ops`` when the music clips are as they were when the duck was asked for; else refused."""
    now = {c.id: c.model_dump_json() for c in _music(project, job.track)}
    if now != job.before:
        raise ProjectError("duck: the music track changed while its dialogue was measured; duck again")
    return ops


def _find(project: Project, key: str) -> Any:
    for t in project.tracks:
        if key in (t.id, t.name):
            return t
    raise ProjectError(f"duck: no track with id or name {key!r}")


def _music(project: Project, key: str) -> list[Clip]:
    return [i for i in _find(project, key).items if isinstance(i, Clip) and i.media.has_audio]
