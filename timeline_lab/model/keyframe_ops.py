"""Keyframe edits (add, move, remove, set interpolation): each one undoable operation on a clip.

Frames are clip-relative on the project grid (0 is the clip's first frame); a keyframe is stored at
the source time shown there (see ``keyframes.py``), so it stays on the content under trims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import ProjectError, first_error
from .items import Clip, TextClip
from .keyframes import Interp, Keyframe, keyframe_time
from .speed_ramp import SPEED

if TYPE_CHECKING:
    from .time import RationalTime
    from .track import Track

__all__ = ["add_keyframe", "move_keyframe", "remove_keyframe", "set_keyframe_interp", "set_keyframes"]

Handles = tuple[float, float, float, float]


Keyed = Clip | TextClip


def _clip(track: Track, item_id: str) -> Keyed:
    item = track.item(item_id)
    if not isinstance(item, (Clip, TextClip)):
        raise ProjectError(f"{item.type} {item_id!r}: only media and text clips have keyframes")
    return item


def _time(track: Track, clip: Keyed, frame: int, what: str) -> RationalTime:
    n = clip.frames(track.rate)
    if not 0 <= frame < n:
        raise ProjectError(f"clip {clip.label()!r}: {what} frame {frame} is outside the clip (0..{n - 1})")
    return keyframe_time(clip, frame, track.rate)


def _find(clip: Keyed, prop: str, time: RationalTime, frame: int) -> int:
    for n, kf in enumerate(clip.keyframes.get(prop, [])):
        if kf.time == time:
            return n
    raise ProjectError(f"clip {clip.label()!r}: no {prop!r} keyframe at frame {frame}")


def _keyframe(time: RationalTime, value: float, interp: Interp, handles: Handles | None) -> Keyframe:
    try:
        return Keyframe(time=time, value=value, interp=interp, handles=handles)
    except ValidationError as exc:
        raise ProjectError(f"keyframe at {time}: {first_error(exc)[1]}") from None


def _with(clip: Keyed, prop: str, frames: list[Keyframe]) -> Keyed:
    """The clip with ``prop``'s keyframes replaced (dropped when empty), validated as a whole."""
    media = getattr(clip, "media", None)
    if prop == SPEED and frames and media is not None and media.variable_rate and media.has_video:
        # (refused here, not when a project loads: one saved so still opens to be mended)
        raise ProjectError(
            f"clip {clip.label()!r}: a speed ramp on a variable-frame-rate source cannot render; "
            "give the clip one speed, or convert the file to a constant frame rate first"
        )
    keyframes = {k: v for k, v in clip.keyframes.items() if k != prop}
    if frames:
        keyframes[prop] = sorted(frames, key=lambda kf: kf.time)
    try:
        return type(clip).model_validate({**dict(clip), "keyframes": keyframes})
    except ValidationError as exc:
        raise ProjectError(first_error(exc)[1]) from None


def _edit(track: Track, op: str, args: dict[str, Any], old: Keyed, new: Keyed) -> Keyed:
    track._edit(op, {"item_id": old.id, **args}, lambda tx: tx.replace(track, old, new))
    return new


def add_keyframe(
    track: Track,
    item_id: str,
    prop: str,
    frame: int,
    value: float,
    interp: Interp = "linear",
    handles: Handles | None = None,
) -> Keyed:
    """Set ``prop`` to ``value`` at clip frame ``frame`` (replacing a keyframe already there)."""
    clip = _clip(track, item_id)
    time = _time(track, clip, frame, "keyframe")
    kf = _keyframe(time, value, interp, handles)
    frames = [k for k in clip.keyframes.get(prop, []) if k.time != time] + [kf]
    args = {"property": prop, "frame": frame, "value": value, "interp": interp, "handles": handles}
    return _edit(track, "add_keyframe", args, clip, _with(clip, prop, frames))


def move_keyframe(track: Track, item_id: str, prop: str, frame: int, to: int) -> Keyed:
    """Move the keyframe at clip frame ``frame`` to clip frame ``to`` (refused onto another one)."""
    clip = _clip(track, item_id)
    frames = list(clip.keyframes.get(prop, []))
    n = _find(clip, prop, _time(track, clip, frame, "keyframe"), frame)
    time = _time(track, clip, to, "destination")
    if any(k.time == time for i, k in enumerate(frames) if i != n):
        raise ProjectError(f"clip {clip.label()!r}: {prop!r} already has a keyframe at frame {to}")
    frames[n] = frames[n].model_copy(update={"time": time})
    args = {"property": prop, "frame": frame, "to": to}
    return _edit(track, "move_keyframe", args, clip, _with(clip, prop, frames))


def remove_keyframe(track: Track, item_id: str, prop: str, frame: int) -> Keyed:
    """Remove the keyframe at clip frame ``frame`` (the last one: the property is constant again)."""
    clip = _clip(track, item_id)
    frames = list(clip.keyframes.get(prop, []))
    del frames[_find(clip, prop, _time(track, clip, frame, "keyframe"), frame)]
    return _edit(
        track, "remove_keyframe", {"property": prop, "frame": frame}, clip, _with(clip, prop, frames)
    )


def set_keyframe_interp(
    track: Track, item_id: str, prop: str, frame: int, interp: Interp, handles: Handles | None = None
) -> Keyed:
    """How the curve leaves the keyframe at clip frame ``frame`` for the next one."""
    clip = _clip(track, item_id)
    frames = list(clip.keyframes.get(prop, []))
    n = _find(clip, prop, _time(track, clip, frame, "keyframe"), frame)
    frames[n] = _keyframe(frames[n].time, frames[n].value, interp, handles)
    args = {"property": prop, "frame": frame, "interp": interp, "handles": handles}
    return _edit(track, "set_keyframe_interp", args, clip, _with(clip, prop, frames))


def set_keyframes(track: Track, item_id: str, prop: str, frames: list[Keyframe]) -> Keyed:
    """Replace all of ``prop``'s keyframes at once (an empty list removes them): what ducking writes."""
    clip = _clip(track, item_id)
    data = [kf.model_dump(mode="json") for kf in frames]
    return _edit(
        track, "set_keyframes", {"property": prop, "keyframes": data}, clip, _with(clip, prop, frames)
    )
