"""Decoded sound placed by its timestamps, as the render's ``aresample`` places it: one rule, one bound.

Why here: the render (``render/compile/sound.py``: ``aresample``'s ``min_hard_comp``), the smart
render and analysis keep a hole in a stream's times (packets lost in a WebRTC recording) as
silence; a reader that joined decoded samples end to end (the waveform did) put everything after
the hole early by its length. The media layer cannot import the render, so the bound lives here.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["HOLE", "SoundClock", "hole_seconds"]

HOLE = Fraction(1, 100)
"""Seconds a packet's time may stray from the sound before it before the gap counts as a hole
(silence) or an overlap (dropped): under half a codec frame (AAC's is 21 ms at 48 kHz, so one
dropped packet counts), over the few ms that capture clocks jitter (a stricter bound cut such
sound into silence and drops every few packets)."""


def hole_seconds(time_base: Fraction) -> Fraction:
    """``HOLE``, or two ticks of a coarser time base (rounding, not a hole); the smart render's
    model reads a stream's sound by the same bound."""
    return max(HOLE, 2 * time_base)


class SoundClock:
    """Where each decoded frame's samples go, counted from the first frame's first sample.

    A frame stamped within ``hole_seconds`` of where the sound before it ends runs on from there
    (a capture clock's jitter); stamped later, silence fills the hole first; earlier, its overlap
    is dropped. ``delay``: seconds decoded samples are stamped late (``AudioStreamInfo.delay``).
    """

    def __init__(self, sample_rate: int, time_base: Fraction, delay: Fraction = Fraction(0)) -> None:
        self._rate, self._tb, self._delay = sample_rate, time_base, delay
        self._hard = round(hole_seconds(time_base) * sample_rate)
        self.first: int | None = None
        """Sample (at ``sample_rate``, from time 0 of the stream's clock) where the sound starts."""
        self.end = 0
        """Samples placed so far, silence included."""

    def place(self, pts: int | None, samples: int) -> tuple[int, int]:
        """``(silence before, samples to drop from its start)`` for a frame of ``samples`` stamped
        ``pts`` (in ``time_base``; None: it runs on from the sound before it)."""
        if pts is None:
            at = (self.first or 0) + self.end
        else:
            at = round((pts * self._tb - self._delay) * self._rate)
        if self.first is None:
            self.first = at
        at -= self.first
        if abs(at - self.end) <= self._hard:
            at = self.end
        silence = max(0, at - self.end)
        drop = min(samples, max(0, self.end - at))
        self.end += silence + samples - drop
        return silence, drop
