"""Keyframes that travel with pasted clips and pasted attributes, re-keyed to their new clip.

A keyframe of an effect's parameter is keyed by the effect's id (``effects[fx_1a2b].sigma``), so a
paste that gives effects new ids renames those keys; paste attributes (Premiere's Paste Attributes)
also moves each keyframe of a pasted property to the same clip-relative frame of the target clip,
whose source times differ from the copied clip's (and run the other way when one clip plays
backwards; a keyframe's interpolation shapes the frames after it either way, so it travels as is).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ..model.items import Clip, TextClip
from ..model.keyframes import _EFFECT, Keyframe  # _EFFECT: the model's effect property path
from ..model.time import RationalTime
from ._keyframes import clip_frame, clip_seconds, ramp_of

__all__ = ["attribute_keyframes", "renamed_effect_keys"]


def _effect_key(path: str) -> str | None:
    """The effect id or index an ``effects[...]`` property path names (None: another property)."""
    m = _EFFECT.fullmatch(path)
    return m.group(1) if m is not None else None


def _renamed(path: str, ids: dict[str, str]) -> str:
    key = _effect_key(path)
    if key is None or key not in ids:
        return path
    return f"effects[{ids[key]}]{path[len(f'effects[{key}]') :]}"


def renamed_effect_keys(keyframes: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """``keyframes`` with each ``effects[old id]`` path renamed by ``ids`` (old id -> new id)."""
    return {_renamed(path, ids): frames for path, frames in keyframes.items()}


def _pasted(path: str, attributes: Iterable[str]) -> bool:
    """Whether keyframes of ``path`` belong to one of the pasted ``attributes``."""
    for name in attributes:
        if name == "effects" and _effect_key(path) is not None:
            return True
        if path == name or path.startswith(f"{name}."):
            return True
    return False


def attribute_keyframes(
    source: Clip, target: Clip | TextClip, attributes: Iterable[str], ids: dict[str, str], rate: Fraction
) -> dict[str, list[Keyframe]] | None:
    """The target's keyframes after pasting ``attributes`` of ``source``: the pasted properties'
    keyframes replaced by the source's, at the same clip-relative frames (effects renamed by
    ``ids``); None when neither clip keys any of them (nothing to change)."""
    names = list(attributes)
    if not any(_pasted(p, names) for p in (*source.keyframes, *target.keyframes)):
        return None
    out = {p: list(v) for p, v in target.keyframes.items() if not _pasted(p, names)}
    if "effects" in names and isinstance(target, Clip):  # its direction as pasted (reverse is an effect)
        target = target.model_copy(update={"effects": source.effects})
    src_ramp, dst_ramp = ramp_of(source, rate), ramp_of(target, rate)
    at = target.source_range.start.rate if isinstance(target, Clip) else rate
    for path, frames in source.keyframes.items():
        if not _pasted(path, names):
            continue
        moved = []
        for kf in frames:
            frame = clip_frame(source, kf.time.to_seconds(), rate, src_ramp)
            secs = clip_seconds(target, frame, rate, dst_ramp)
            if secs < 0 and isinstance(target, Clip):
                continue  # before the target's media starts: no source time holds it
            moved.append(kf.model_copy(update={"time": RationalTime.from_seconds(secs, at)}))
        if moved:  # a clip that plays the other way keys them in the other order of source time
            out[_renamed(path, ids)] = sorted(moved, key=lambda kf: kf.time)
    return out
