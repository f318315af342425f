"""A range of the timeline as a project of its own, for previews of the area around the playhead."""

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING, Any

from ...errors import ProjectError, RenderError
from ...model import edits
from ...model.edits import end_frame, start_frame
from ...model.items import Clip, SequenceClip
from ...model.speed_ramp import is_ramped
from ...model.time import RationalTime
from ...model.validation import check_transitions

if TYPE_CHECKING:
    from fractions import Fraction

    from ...model.items import Item
    from ...model.project import Project
    from ...model.track import Track
    from ...model.transition import Transition

__all__ = ["excerpt", "on_sample_grid", "range_error", "safe_window"]


def range_error(project: Project, first: object, end: object) -> str | None:
    """Why timeline frames [first, end) cannot be asked of a render or preview (None: they can).

    One rule for the Python API and the CLI's ``--range``: frames past the timeline's end would
    come out as black, silent frames that are nowhere in the edit.
    """
    total = project.duration().to_frames(project.settings.frame_rate)
    if not all(isinstance(v, Integral) and not isinstance(v, bool) for v in (first, end)):
        return f"expected whole frame numbers, got {type(first).__name__} and {type(end).__name__}"
    if not 0 <= int(first) < int(end) <= total:  # type: ignore[call-overload]
        return f"must be within the timeline's {total} frames, first before end"
    return None


def excerpt(project: Project, first: int, end: int) -> Project:
    """Frames [first, end) of ``project`` moved to start at 0 (the original is not touched)."""
    from ...model.project import Project

    if not 0 <= first < end:
        raise RenderError(f"excerpt frames {first}..{end}: need 0 <= first < end")
    copy = Project.model_validate(_near_dump(project, first, end))
    rate = copy.settings.frame_rate
    for track in copy.tracks:
        items, trs = track.items, track.transitions
        edits.split_at(items, trs, first, rate)
        edits.split_at(items, trs, end, rate)
        keep = [i for i in items if first <= edits.start_frame(i, rate) and edits.end_frame(i, rate) <= end]
        ids = {i.id for i in keep}
        items[:] = [edits.placed(i, edits.start_frame(i, rate) - first, rate) for i in keep]
        track.trailing_gap = RationalTime.from_frames(max(0, end - first - track.items_end()), rate)
        trs[:] = _fitting(track, [t for t in trs if {t.from_clip, t.to_clip} - {None} <= ids], rate)
    # markers (chapters) where the excerpt shows them; those before it at its start, the latest
    # first (of markers on one frame the first names the chapter): the chapter under ``first``
    start, zero = RationalTime.from_frames(first, rate), RationalTime(0, rate)
    at = [(m.time.to_frames(rate), m) for m in copy.markers]
    inside = [m.model_copy(update={"time": m.time - start}) for f, m in at if first <= f < end]
    before = sorted((fm for fm in at if fm[0] < first), key=lambda fm: fm[0], reverse=True)
    copy.markers[:] = inside + [m.model_copy(update={"time": zero}) for _, m in before]
    copy.validate_timeline()
    return copy


def _near_dump(project: Project, first: int, end: int) -> dict[str, Any]:
    """The project as data with only the items on screen in frames [first, end) and the
    transitions between them: what the excerpt keeps of a track (a transition lies within its two
    clips), so its cost is the window's, not the timeline's (a preview frame of 16,000 clips
    copied and validated every one of them)."""
    data = project.model_dump(exclude={"tracks"})
    tracks = []
    for track in project.tracks:
        near = _near(track, first, end)
        ids = {i.id for i in near}
        entry = track.model_dump(exclude={"items", "transitions"})
        entry["items"] = [i.model_dump() for i in near]
        entry["transitions"] = [
            t.model_dump() for t in track.transitions if {t.from_clip, t.to_clip} - {None} <= ids
        ]
        tracks.append(entry)
    return {**data, "tracks": tracks}


def _near(track: Track, first: int, end: int) -> list[Item]:
    """The items that can matter to frames [first, end): those on screen there, the one before
    and the one after (a transition or fade over the edge has one of them as a side), and their
    other neighbours (the far side of such a transition, whose own transitions count when that
    clip is kept whole). O(log n + the window's items)."""
    lo = max(0, track.first_from(first + 1) - 2)  # the last to start at or before ``first``, less one
    hi = min(len(track.items), track.first_from(end) + 2)
    return track.items[lo:hi]


def _fitting(track: Track, candidates: list[Transition], rate: Fraction) -> list[Transition]:
    """The transitions the cut-down clips can still carry (those cut at the edges are dropped)."""
    kept: list[Transition] = []
    for tr in candidates:
        track.transitions[:] = [*kept, tr]
        try:
            check_transitions(track, rate)
        except ProjectError:
            continue
        kept.append(tr)
    return kept


def safe_window(project: Project, first: int, end: int, *, sound: bool = False) -> tuple[int, int]:
    """Frames to excerpt so that frames [first, end) come out as in the whole timeline (their
    sound too, with ``sound``: sound tracks' fades then count).

    Cutting changes only what crosses a cut, so the window around the first and the last frame
    asked for covers everything (see ``_window``).
    """
    a0, a1 = _window(project, first, sound)
    b0, b1 = _window(project, end - 1, sound)
    return min(a0, b0), max(a1, b1, end)


def _window(project: Project, k: int, sound: bool = False) -> tuple[int, int]:
    """Frames [first, end) to render so that cutting the timeline there cannot change frame ``k``.

    An excerpt splits the items at its edges, and a split piece restarts its fades, its freeze
    frame and its reverse, and loses transitions it is too short for. So the window reaches back
    over any fade that a split would restart at or before ``k``, and covers whole items that
    reverse or freeze (with their transitions) and both clips of a transition under ``k``.
    """
    rate = project.settings.frame_rate
    first, end = k, k + 1
    for track in project.tracks:
        if not track.enabled or (track.kind == "audio" and not sound):  # sound changes no picture
            continue
        spans = {i.id: (start_frame(i, rate), end_frame(i, rate), i) for i in _near(track, k, k + 1)}
        under = {iid for iid, (s, e, _) in spans.items() if s <= k < e}
        reach: dict[str, list[tuple[int, int]]] = {}  # item -> the frames its transitions span
        for tr in track.transitions:
            sides = {c for c in (tr.from_clip, tr.to_clip) if c in spans}
            if not sides:
                continue
            cut = spans[tr.from_clip][1] if tr.from_clip in spans else spans[str(tr.to_clip)][0]
            frames = tr.duration.to_frames(rate, "nearest")
            for side in sides:
                reach.setdefault(side, []).append((cut - frames, cut + frames))
            if cut - frames <= k < cut + frames:
                first = min(first, cut - frames)
                end = max(end, cut + frames)
                under |= sides
        for iid in under:
            s, e, item = spans[iid]
            fade_in, fade_out, whole = _sensitivity(item, sound)
            if whole:  # with its transitions: one cut away, its handles (where it starts) change
                first = min(first, s, *(lo for lo, _ in reach.get(iid, ())))
                end = max(end, e, *(hi for _, hi in reach.get(iid, ())))
            elif sound and _heard(item):
                # a resampler restarted at a cut settles within a few samples: a piece cut a
                # margin away gives frame ``k`` the whole timeline's samples
                first, end = min(first, max(s, k - SOUND_MARGIN)), max(end, min(e, k + 1 + SOUND_MARGIN))
            # a piece fades over min(n, its length) frames from its own edge, so either k lies in
            # the original fade and the piece keeps that edge and the whole fade, or the piece's
            # own fade must end before k
            if fade_in:
                if k < s + fade_in:
                    first, end = min(first, s), max(end, min(e, s + fade_in))
                else:
                    first = min(first, k - fade_in)
            if fade_out:
                if k >= e - fade_out:
                    first, end = min(first, max(s, e - fade_out)), max(end, e)
                else:
                    end = max(end, k + 1 + fade_out)
    return max(0, first), end


SOUND_MARGIN = 2
"""Frames of a clip's sound kept either side of a range's edge: a resampler (44.1 to 48 kHz)
restarted at a cut differs from the whole clip's for its filter's length (some dozens of samples)."""


def _heard(item: Any) -> bool:
    """A clip whose media has sound (whether its track is heard is left to the mix)."""
    return isinstance(item, Clip) and item.media.has_audio


WHOLE_EFFECTS = frozenset({"reverse", "freeze", "grain"})
"""Effects whose frames depend on where the clip's chain starts: a reversed or frozen piece shows
other source frames, and ``grain``'s noise sequence (``allf=t``) restarts at a cut."""


def _sensitivity(item: Any, sound: bool = False) -> tuple[int, int, bool]:
    """(fade-in frames, fade-out frames, whole?) of an item: what a split at its edges would change.

    With ``sound``, a clip heard at another speed is whole: ``atempo`` restarted at a cut lays its
    windows differently for the rest of the clip.
    """
    fade_in = int(getattr(item, "fade_in_frames", 0))
    fade_out = int(getattr(item, "fade_out_frames", 0))
    whole = sound and _heard(item) and (item.speed != 1 or is_ramped(item))
    for fx in getattr(item, "effects", ()):
        if not fx.enabled:
            continue
        if fx.kind == "fade_in":
            fade_in = max(fade_in, int(fx.params["frames"]))
        elif fx.kind == "fade_out":
            fade_out = max(fade_out, int(fx.params["frames"]))
        elif fx.kind in WHOLE_EFFECTS or "." in fx.kind:  # plugins: unknown timing, keep whole
            whole = True
    return fade_in, fade_out, whole or isinstance(item, SequenceClip)  # its inside is a timeline


def on_sample_grid(project: Project, w0: int, w1: int) -> int:
    """``safe_window``'s first frame moved back (and widened again as it says) until an excerpt
    from there moves every clip's sound by whole samples of the output's and each source's rate."""
    from ...media.probe import probe
    from .sound import sample_period

    heard = {c.media.path for c in project.clips() if c.media.has_audio}
    rates = {project.settings.sample_rate, *(a.sample_rate for path in heard for a in probe(path).audio)}
    period = sample_period(project.settings.frame_rate, rates)
    while w0 % period:
        w0 = safe_window(project, w0 // period * period, w1, sound=True)[0]
    return w0
