"""Decoded sound brought to one sample format, layout and rate, whatever shape each frame has.

Why: a broadcast capture switches between stereo and 5.1 midway, joined files differ, and PyAV's
``AudioResampler`` takes the shape of the first frame it sees and refuses any other ("Frame does
not match AudioResampler setup"). Every reader of sound (the render, proxies, waveforms, analysis)
goes through one of these instead.
"""

from __future__ import annotations

import av
from av.audio.frame import AudioFrame

__all__ = ["SoundShape"]


class SoundShape:
    """Converts frames to ``format``/``layout``/``rate`` (None: the first frame's own), with one
    resampler for the current input shape; a change of shape flushes the one before."""

    def __init__(self, format: str | None = None, layout: str | None = None, rate: int | None = None) -> None:
        self.format, self.layout, self.rate = format, layout, rate
        self._key: tuple[str, str, int] | None = None
        self._resampler: av.AudioResampler | None = None
        self._new = False

    @staticmethod
    def of(frame: AudioFrame) -> tuple[str, str, int]:
        """A frame's (sample format, layout, rate)."""
        return frame.format.name, frame.layout.name, frame.sample_rate

    def resample(self, frame: AudioFrame | None) -> list[AudioFrame]:
        """``frame`` in the target shape (several frames or none where the rate changes; None: the
        samples a resampler still holds). A frame already in it passes as it is, after the tail
        of the shape before, so a shape that comes back never meets stale samples."""
        if frame is None:
            return self._flush()
        key = self.of(frame)
        self.format, self.layout = self.format or key[0], self.layout or key[1]
        self.rate = self.rate or key[2]
        if key == (self.format, self.layout, self.rate):
            return [*self._flush(), frame]
        out: list[AudioFrame] = []
        self._new = key != self._key
        if self._new:
            out = self._flush()
            self._key = key
            self._resampler = av.AudioResampler(format=self.format, layout=self.layout, rate=self.rate)
        assert self._resampler is not None
        return out + list(self._resampler.resample(frame))

    @property
    def rerated(self) -> bool:
        """Whether the last frame came at another rate and was not the first of its shape: a
        demuxer may have stamped it from the one before at the header's rate (MPEG-TS packs
        several AAC frames in a packet), so its sound runs on by sample count."""
        return self._key is not None and self._key[2] != self.rate and not self._new

    def _flush(self) -> list[AudioFrame]:
        if self._resampler is None:
            return []
        tail = list(self._resampler.resample(None))
        self._key = self._resampler = None
        return tail
