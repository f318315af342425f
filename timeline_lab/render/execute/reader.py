"""Feeding the graph: one reader per source span, stepped in timeline order so memory stays flat."""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import av
import numpy as np

from ...errors import RenderError
from ...media import sequence
from ...media.channel_layout import standard_layout
from ...media.fit import Refit
from ...media.sound_shape import SoundShape
from ...media.sound_starts import coarse, counted, sound_starts
from ...media.timestamps import stream_times
from ...media.urls import as_url, input_for
from .decode import Decoding, damaged_image
from .decode_threads import DecodeThreads
from .still import still_rgba

if TYPE_CHECKING:
    from av.audio.frame import AudioFrame
    from av.audio.stream import AudioStream
    from av.container import InputContainer
    from av.filter import FilterContext
    from av.frame import Frame
    from av.packet import Packet
    from av.stream import Stream
    from av.video.codeccontext import VideoCodecContext
    from av.video.stream import VideoStream

    from ..plan import InputStream, SourceRead

__all__ = ["Reader", "Steps", "feed_in_order", "push"]

_OGG_LEAD = Fraction(1)
_SOUND_LEAD = Fraction(1, 4)
"""Seconds before its first sample a read with sound seeks: a longer sound frame than any common
one (4608 FLAC samples at 22.05 kHz last 0.21 s)."""
_STRAY = Fraction(1, 10)
"""Seconds converted sound's stamps may stray from its running sample count before they are trusted."""


def push(src: FilterContext | None, frame: Frame | None) -> bool:
    """Push into a buffer source; False once the graph wants no more (a trim reached its end)."""
    assert src is not None  # a read only pushes into the sources the graph made for its inputs
    try:
        src.push(frame)
    except (EOFError, av.EOFError):
        return False
    return True


class _Clock:
    """One stream's ticks against its read, in integers: no Fraction arithmetic per frame.

    Tick ``p`` is source second ``p * tb``; it is past the read from tick ``end`` on (the first
    ``p`` with ``p * tb >= read.end``), and plays at timeline second ``(a + p * k) / d``: the
    map of ``SourceRead.timeline_time``, its Fractions multiplied out once per stream.
    """

    __slots__ = ("a", "d", "end", "k", "tb")

    def __init__(self, tb: Fraction, read: SourceRead) -> None:
        self.tb = tb
        self.end = -((-read.end.numerator * tb.denominator) // (read.end.denominator * tb.numerator))
        start = read.tl_anchor - read.src_anchor / read.speed  # timeline second of tick 0
        step = tb / read.speed
        self.a = start.numerator * step.denominator
        self.k = step.numerator * start.denominator
        self.d = start.denominator * step.denominator

    def timeline(self, p: int) -> Fraction:
        """The timeline second tick ``p`` plays at (exact)."""
        return Fraction(self.a + p * self.k, self.d)


class Reader:
    """Decodes one SourceRead packet by packet into its buffer sources; opened on first step, or
    just before it by ``prepare``."""

    def __init__(
        self,
        read: SourceRead,
        inputs: dict[str, InputStream],
        sources: dict[str, FilterContext],
        threads: DecodeThreads | None = None,
    ) -> None:
        self.read = read
        self.threads = threads
        self.vin = inputs.get(read.video) if read.video else None
        self.refit = Refit((self.vin.width, self.vin.height) if self.vin else (0, 0))
        self.own_decoder: VideoCodecContext | None = None
        """The plan's decoder for the video stream, when not FFmpeg's default (a WebM's alpha)."""
        self.ain = inputs.get(read.audio) if read.audio else None
        self.vsrc = sources.get(read.video) if read.video else None
        self.asrc = sources.get(read.audio) if read.audio else None
        self.container: InputContainer | None = None
        self.packets: Iterator[Packet[Stream]] = iter(())
        self.vstream: VideoStream | None = None
        self.astream: AudioStream | None = None
        self.v_open = self.vsrc is not None
        self.a_open = self.asrc is not None
        self.resampler: SoundShape | None = None
        self._next_sample: int | None = None
        """Where the next sound starts, in the buffer source's samples."""
        self._seeked = False
        """The file was read from a seek, not from its start."""
        self._cut_head = False
        """The first sound frame after the seek was left out (its start was not on the count)."""
        self._sound_start: int | None = None
        """Ticks of the sound's first needed instant less its lead: the sound decodes from there."""
        self._unit = (
            Fraction(1, self.ain.sample_rate) if self.ain is not None and self.ain.sample_rate else None
        )
        self.done = False
        self.last_video: int | None = None
        """Ticks of the last picture pushed (of ``vstream``)."""
        self.clocks: dict[int, _Clock] = {}
        self.frame_ticks = 1  # ticks a video frame lasts when it does not say
        self.decoding: Decoding | None = None
        self.remote = as_url(read.path) is not None

    def _open(self, back: int = 0) -> None:
        """Open and seek to the keyframe before the first needed frame (``back`` keyframes earlier).

        Some demuxers (MPEG-TS, MPEG-PS) land past the keyframe asked for; then the read starts over
        one keyframe further back (from the file's start at worst), so no needed frame is skipped.
        """
        r = self.read
        target: int | None = None
        while True:
            try:
                if r.open_rate is not None:
                    container = av.open(**sequence.open_args(r.path, r.open_rate), metadata_errors="replace")
                else:
                    container = av.open(input_for(r.path), metadata_errors="replace")
            except (av.FFmpegError, OSError) as exc:
                raise RenderError(f"{r.path}: cannot open for reading ({exc})") from None
            self.container = container
            streams: list[Stream] = []
            # the plan's inputs name streams probe found of their kind
            if self.vin is not None:
                self.vstream = vs = cast("VideoStream", container.streams[self.vin.stream_index])
                self.own_decoder = _own_decoder(vs, self.vin.decoder)
                cc = vs.codec_context
                vs.thread_type = (
                    self.threads.thread_type(cc.name, cc.width, cc.height) if self.threads else "AUTO"
                )
                streams.append(self.vstream)
            if self.ain is not None:
                self.astream = cast("AudioStream", container.streams[self.ain.stream_index])
                standard_layout(self.astream, r.path)
                streams.append(self.astream)
            if self.vstream is not None:
                self.frame_ticks = (
                    stream_times(r.path, self.vstream.index, rate=r.open_rate).last_duration or 1
                )
            key = self._seek_to(container, back)
            self.packets = self._sound_from(container.demux(streams))
            if key is None or self.vstream is None:
                return
            target = key if target is None else target  # the keyframe the first seek asked for
            head = self._to_keyframe(target)
            if head is not None:
                self.packets = itertools.chain(head, self.packets)
                return
            container.close()  # landed past the keyframe: one further back
            back += 1

    def _sound_from(self, packets: Iterator[Packet[Stream]]) -> Iterator[Packet[Stream]]:
        """The packets without the sound ending before ``_sound_start``: its decoder starts where an
        audio-only read's seek lands, not at the picture's earlier keyframe.

        A decoder's output depends on where it started (AAC's noise substitution draws from a
        generator that runs on from the decoder's first packet), so sound decoded from the
        keyframe differed in its last bits from the same sound in an audio-only render.
        """
        start = self._sound_start
        for packet in packets:
            if (
                start is not None
                and packet.stream is self.astream
                and packet.pts is not None
                and packet.duration
                and packet.pts + packet.duration <= start
            ):
                self._seeked = True  # the sound starts mid-stream, as after a seek
                continue
            yield packet

    def _to_keyframe(self, key: int) -> list[Packet[Stream]] | None:
        """The packets from where a seek landed up to the first video keyframe, without the video
        before it; None when that keyframe is later than the one at ``key`` (landed past it).

        The video before it is the tail of an earlier GOP, cut where the seek landed: an MPEG-PS
        demuxer lands inside it, past the keyframe's start, and stamps those pieces with the
        keyframe's time, so a decoder fed them showed wrong pictures at the clip's first frames.
        """
        assert self.vstream is not None
        times = stream_times(self.read.path, self.vstream.index, rate=self.read.open_rate)
        i = int(np.searchsorted(times.keys, key, side="right"))
        after = int(times.keys[i]) if i < len(times.keys) else None  # the next keyframe
        head: list[Packet[Stream]] = []
        for packet in self.packets:
            if packet.stream is not self.vstream:
                head.append(packet)
                continue
            t = packet.pts if packet.pts is not None else packet.dts
            if t is None:
                continue
            if packet.is_keyframe:
                if t <= key and t in times.keys:
                    head.append(packet)
                    return head
                return None
            if after is not None and t > after:
                return None  # a later GOP's picture: its keyframe went by unflagged
        return None

    def _seek_to(self, container: InputContainer, back: int) -> int | None:
        """Seek to a keyframe at or before ``read.seek``; its ticks, or None when not seeking."""
        r = self.read
        # after an Ogg seek the first page's sound is stamped from a guess: start a second early
        # so that page falls before anything the clip plays
        seek = r.seek - (_OGG_LEAD if "ogg" in container.format.name else 0)
        # the sound frame that holds the read's first sample starts before it, and a muxer puts it
        # before the picture there: a seek to a keyframe at the clip's first frame skipped it
        seek -= _SOUND_LEAD if self.astream is not None else 0
        if self.astream is not None and seek > 0:
            assert self.astream.time_base is not None  # every demuxed stream has one
            self._sound_start = int(seek / Fraction(self.astream.time_base))
        if self.vstream is not None:
            times = stream_times(r.path, self.vstream.index, rate=r.open_rate)
            assert self.vstream.time_base is not None  # every demuxed stream has one
            tb = Fraction(self.vstream.time_base)
            at = int(np.searchsorted(times.keys, math.floor(seek / tb), side="right"))
            i = at - 1 - back - times.lead
            if i <= 0:
                return None  # from the start: the first keyframe is where the stream starts
            key = int(times.keys[i])
            container.seek(key, stream=self.vstream, backward=True, any_frame=False)
            self._seeked = True
            return key
        first = self.astream
        assert first is not None and first.time_base is not None  # a read has video or audio
        target = int(seek / first.time_base)
        if target > 0:
            container.seek(target, stream=first, backward=True, any_frame=False)
            self._seeked = True
        return None

    def _image(self) -> Fraction:
        frame = still_rgba(self.read.path)
        frame.pts, frame.time_base = 0, self.vin.time_base if self.vin else Fraction(1, 25)
        push(self.vsrc, frame)
        self.finish()
        return self.read.opens_at

    def prepare(self) -> None:
        """Open the file and start decoding ahead, before the timeline reaches it (idempotent).

        The worker decodes a few packets and waits, so the first pictures are ready at the cut
        instead of the graph (and the encoder behind it) stalling while the decoder warms up.
        Not for a URL: its connection would sit idle until the cut, and servers drop idle ones.
        """
        if not self.remote:
            self._start()

    def _start(self) -> None:
        """Open the file and start its decode worker, once."""
        if self.container is None and not self.done and not self.read.image:
            self._open()
            self.decoding = Decoding(self.read.path, self.packets, self._convert, self._decode)

    def step(self) -> Fraction | None:
        """Decode the next packet and push its frames; timeline second reached, None when finished."""
        if self.done:
            return None
        if self.read.image:
            return self._image()
        self._start()
        assert self.decoding is not None  # started with the container
        when: Fraction | None = None
        while when is None:
            if not (self.v_open or self.a_open):
                self.finish()
                return None
            packet = self.decoding.next()
            if packet is None:
                self._check_complete()
                self.finish()
                return None
            for frame in packet.frames:
                t = self._push(packet.stream, frame)
                when = t if t is not None else when
            if packet.flush:  # a stream's flush packet: its decoder has given its last frames
                if packet.stream is self.vstream:
                    self._check_complete()
                    self.v_open = push(self.vsrc, None) and False
                elif packet.stream is self.astream:
                    for f in self._audio(None, Fraction(1)) if self.a_open else ():
                        self.a_open = self.a_open and push(self.asrc, f)
                    self.a_open = push(self.asrc, None) and False
                if not (self.v_open or self.a_open):
                    self.finish()
                    return None
        return when

    def _decode(self, packet: Packet[Stream]) -> Iterable[object]:
        """A packet's frames, a video stream's from the decoder the plan names (on the decode worker)."""
        own = self.own_decoder
        if own is None or packet.stream is not self.vstream:
            try:
                return packet.decode()
            except av.FFmpegError:
                if packet.stream is self.astream and self._before_read(packet):
                    return ()  # a seek landed inside a sound frame: its pieces are never played
                raise
        frames = own.decode(cast("Packet[VideoStream]", packet))  # an empty packet flushes it
        for frame in frames:
            frame.time_base = packet.stream.time_base
        return frames

    def _before_read(self, packet: Packet[Stream]) -> bool:
        """The packet starts before the read's first instant (after a seek, nothing of it plays)."""
        t = packet.pts if packet.pts is not None else packet.dts
        tb = packet.stream.time_base
        return t is not None and tb is not None and t * Fraction(tb) < self.read.seek

    def _convert(self, stream: Stream, frame: object) -> object:
        """The picture in the pixel format and size the graph's source expects (on the decode
        worker): one of another size (the stream changed size midway) fitted in, its shape kept."""
        vin = self.vin
        if not isinstance(frame, av.VideoFrame) or stream is not self.vstream or vin is None:
            return frame
        if frame.format.name != vin.pix_fmt:
            frame = frame.reformat(format=vin.pix_fmt)
        return self.refit(frame)

    def _clock(self, stream: Stream) -> _Clock:
        """The stream's clock, made on its first frame."""
        clock = self.clocks.get(stream.index)
        if clock is None:
            assert stream.time_base is not None  # every demuxed stream has one
            clock = self.clocks[stream.index] = _Clock(Fraction(stream.time_base), self.read)
        return clock

    def _push(self, stream: Stream, frame: object) -> Fraction | None:
        """Push one decoded frame of ``stream``; the timeline second it reached, None if unused."""
        if not isinstance(frame, av.VideoFrame | av.AudioFrame) or frame.pts is None:
            return None  # (only video and audio streams are demuxed)
        pts = frame.pts
        if (
            isinstance(frame, av.VideoFrame)
            and stream is self.vstream
            and self.v_open
            and self.vin is not None
        ):
            clock = self._clock(stream)
            if pts >= clock.end:
                self.v_open = push(self.vsrc, None) and False
                return None
            self.last_video = pts
            if frame.format.name != self.vin.pix_fmt:
                frame = frame.reformat(format=self.vin.pix_fmt)
            if not frame.duration:
                # a frame without a duration (MPEG-TS) would end the stream at its own start
                # time, and the frame-rate conversion would drop it: it lasts the stream's step
                frame.duration = self.frame_ticks
            self.v_open = push(self.vsrc, frame)
            return clock.timeline(pts)
        if (
            isinstance(frame, av.AudioFrame)
            and stream is self.astream
            and self.a_open
            and self.ain is not None
        ):
            clock = self._clock(stream)
            if pts >= clock.end:
                self.a_open = push(self.asrc, None) and False
                return None
            for f in self._audio(frame, clock.tb):
                self.a_open = self.a_open and push(self.asrc, f)
            return clock.timeline(pts)
        return None

    def _check_complete(self) -> None:
        """The file ended before the last frame the clip shows: it was truncated or replaced."""
        need = self.read.need
        if not self.v_open or self.vstream is None or need is None:
            return
        slack = Fraction(1, 2) / Fraction(self.vstream.average_rate or 25)  # timestamps jitter
        last = None if self.last_video is None else self.last_video * self._clock(self.vstream).tb
        if last is None or last < need - slack:
            got = "no frames" if last is None else f"frames up to {float(last):.3f}s"
            index = round(need * Fraction(self.vstream.average_rate or 25))
            if image := damaged_image(Path(self.read.path), index):  # a sequence: which image
                got += f";{image} does not decode"
            msg = (
                f"{self.read.path}: file ends early ({got}; the timeline needs the frame at "
                f"{float(need):.3f}s) — truncated or changed since it was added"
            )
            raise RenderError(msg)

    def _audio(self, frame: AudioFrame | None, tb: Fraction) -> list[AudioFrame]:
        """The frame in the buffer source's shape, stamped in its samples (None: what a converter
        still holds, at the end). Sound keeps its stamp, but sound at another rate than the header's
        runs on by its sample count from the first frame of that rate unless its stamp strays past
        ``_STRAY``: a demuxer stamps it at the header's rate (``SoundShape.rerated``); and a stamp
        in ticks coarser than a sample (Matroska's milliseconds) runs on while it is that count
        rounded (``sound_starts.counted``; after a seek, from the count of the whole stream)."""
        inp = self.ain
        assert inp is not None
        if self.resampler is None:
            self.resampler = SoundShape(inp.sample_fmt, inp.layout, inp.sample_rate)
        pts = None if frame is None else frame.pts
        found: int | None = None
        if pts is not None and self._next_sample is None and self._seeked and coarse(tb, inp.sample_rate):
            # after a seek the first stamp is all there is, up to half a tick off: where the
            # count from the stream's start puts that frame (as the whole render does)
            starts = sound_starts(self.read.path, inp.stream_index, inp.sample_rate)
            found = None if starts is None else starts.at(pts)
            if starts is not None and found is None and not self._cut_head:
                # a frame no whole decode has: the decoder cut its head after the seek (Opus's
                # pre-skip moves its stamp), so where it starts is unknown; the seek led by
                # _SOUND_LEAD, and the next frame is one the count places (once: else stamps hold)
                self._cut_head = True
                return []
        out = self.resampler.resample(frame)
        # (one exact Fraction: the same rounding, half to even, as pts * tb * rate)
        stamp = None if pts is None else round(Fraction(pts * tb.numerator * inp.sample_rate, tb.denominator))
        converted = frame is None or self.resampler.rerated
        running = self._next_sample
        if (
            converted
            and running is not None
            and (stamp is None or abs(stamp - running) <= _STRAY * inp.sample_rate)
        ):
            stamp = running
        elif pts is not None and running is not None:
            on = counted(pts, tb, inp.sample_rate, running)
            stamp = stamp if on is None else on
        elif found is not None:
            stamp = found
        if stamp is not None:
            self._next_sample = stamp + sum(f.samples for f in out)
        unit = self._unit
        for f in out:
            f.pts, f.time_base = stamp, unit
            stamp = None
        return out

    def finish(self) -> None:
        """Signal end of input to both sources and close the file."""
        for src in (self.vsrc, self.asrc):
            if src is not None:
                push(src, None)
        self.v_open = self.a_open = False
        self.close()
        self.done = True

    def close(self) -> None:
        """Stop the decode worker, then close the file it reads (idempotent); its decoders (and
        their threads) go with the last references to them, not at the end of the render."""
        if self.decoding is not None:
            self.decoding.close()
            self.decoding = None
        if self.container is not None:
            self.container.close()
            self.container = None
        self.vstream = self.astream = self.own_decoder = None
        self.packets = iter(())


class Steps(Protocol):
    """What ``feed_in_order`` steps: a decoder's Reader, or a live source's pictures."""

    @property
    def read(self) -> Any: ...  # has ``opens_at``: the timeline second of its first frame

    @property
    def container(self) -> InputContainer | None: ...  # an open file, closed when feeding stops

    def step(self) -> Fraction | None: ...


_AHEAD = 1
"""Readers opened and decoding before the timeline reaches them (each holds a few frames)."""


def feed_in_order(readers: Sequence[Steps], after_push: Callable[[], None]) -> None:
    """Step whichever reader is furthest behind on the timeline; readers open when reached.

    The next ``_AHEAD`` readers to open start decoding early (``Reader.prepare``), so a cut
    never waits for a decoder to start.
    """
    heap = [(r.read.opens_at, n) for n, r in enumerate(readers)]
    heapq.heapify(heap)
    order = [n for _, n in sorted(heap)]  # readers in the order they open
    started: set[int] = set()
    ahead = 0  # order[:ahead] are started or prepared
    try:
        while heap:
            _, n = heapq.heappop(heap)
            if n not in started:
                started.add(n)
                while ahead < len(order) and order[ahead] in started:
                    ahead += 1
                for m in order[ahead : ahead + _AHEAD]:
                    prepare = getattr(readers[m], "prepare", None)
                    if prepare is not None:
                        prepare()
            reached = readers[n].step()
            after_push()
            if reached is not None:
                heapq.heappush(heap, (reached, n))
    finally:
        for r in readers:
            if isinstance(r, Reader):
                r.close()


def _own_decoder(stream: VideoStream, name: str) -> VideoCodecContext | None:
    """A decoder ``name`` for ``stream``'s packets (None for the default one: the stream's own)."""
    if not name:
        return None
    ctx = cast("VideoCodecContext", av.CodecContext.create(name, "r"))
    if stream.codec_context.extradata:
        ctx.extradata = stream.codec_context.extradata
    return ctx
