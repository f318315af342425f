"""Writing a smart render: copy whole GOPs, re-encode the cut edges, encode the audio alongside."""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av
import numpy as np

from ...core.events import EventBus, RenderProgress
from ...core.jobs import Job
from ...errors import CancelledError, RenderError
from ..chapters import container_chapters
from ..targets import output_tag
from .h264 import HEADER_NALS, encoder, nal_units
from .plan import Piece, Plan, Refused
from .splice import codec
from .track import Track

if TYPE_CHECKING:
    from av.packet import Packet
    from av.stream import Stream
    from av.video.codeccontext import VideoCodecContext
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream


class Run:
    """One smart render: the video pass in timeline order, with the audio encoded alongside."""

    def __init__(self, plan: Plan, part: Path, job: Job, bus: EventBus | None) -> None:
        self.plan, self.job, self.bus = plan, job, bus
        self.t0, self.last_report = time.monotonic(), 0.0
        self.tb = 1 / plan.rate
        self.muxed = self.queued = self.copied = 0  # video packets written, frames inside x264
        self.enc: VideoCodecContext | None = None
        self.head = True  # looking for the GOP that holds the current clip's first frame
        opts = {"movflags": "+faststart"} if plan.export.faststart else {}
        timescale = math.lcm(plan.rate.numerator, plan.sample_rate)  # edit lists exact to the sample
        if timescale < 2**31:
            opts["movie_timescale"] = str(timescale)
        self.out = av.open(str(part), "w", format="mp4", options=opts)
        self.out.metadata["comment"] = output_tag(plan.project_id, plan.project_name)
        if plan.chapters:
            self.out.set_chapters(container_chapters(plan.chapters, plan.rate))
        first = next(p for p in plan.pieces if p.path is not None)
        with av.open(str(first.path), metadata_errors="replace") as src:
            template = cast("VideoStream", src.streams[first.video])  # the plan's H.264 stream
            self.vs = self.out.add_stream_from_template(template, opaque=True)
        self.vs.codec_context.extradata = plan.avcc
        self.vs.time_base = self.tb
        self.track = Track(plan, codec(plan).add_to(self.out))

    def run(self) -> None:
        for piece in self.plan.pieces:
            if piece.path is None:
                bg = np.empty((self.plan.size[1], self.plan.size[0], 3), np.uint8)
                bg[...] = self.plan.background
                frame = av.VideoFrame.from_ndarray(bg, "rgb24").reformat(format="yuv420p")
                for _ in range(piece.frames):
                    self.encode(frame)
            else:
                self.clip(piece)
        self.flush_encoder()
        self.audio(None)
        self.track.close()
        self.out.close()
        if self.muxed != self.plan.total:
            raise RenderError(f"smart render wrote {self.muxed} frames, expected {self.plan.total}")

    def abort(self) -> None:
        self.track.close()
        with contextlib.suppress(Exception):  # closing a half-written file may itself fail
            self.out.close()

    def clip(self, piece: Piece) -> None:
        """Walk the GOPs from the keyframe before the clip's first frame to past its last one."""
        assert piece.path is not None
        rate, self.head = self.plan.rate, True
        with av.open(str(piece.path), metadata_errors="replace") as c:
            st = cast("VideoStream", c.streams[piece.video])  # the plan's H.264 stream
            tb, extradata = st.time_base, st.codec_context.extradata
            assert tb is not None  # every demuxed stream has one
            if piece.first - self.plan.delay - 1 > 0:  # index times may be dts: seek that much early
                c.seek(round((piece.first - self.plan.delay - 1) / rate / tb), stream=st, backward=True)
            gop: list[Packet[VideoStream]] = []
            for pk in c.demux(st):
                if pk.pts is None or pk.dts is None:
                    continue
                if pk.is_keyframe and gop:
                    if self.gop(gop, round(pk.pts * tb * rate), piece, extradata):
                        return
                    gop = []
                if gop or pk.is_keyframe:
                    gop.append(pk)
            if not gop or not self.gop(gop, None, piece, extradata):
                raise RenderError(f"{piece.path}: ended before source frame {piece.first + piece.frames - 1}")

    def gop(
        self, packets: list[Packet[VideoStream]], end: int | None, piece: Piece, extradata: bytes | None
    ) -> bool:
        """Copy, partly re-encode or skip one GOP; True once the clip's last frame is out."""
        tb, rate, a, b = packets[0].time_base, self.plan.rate, piece.first, piece.first + piece.frames
        idx = [round(cast(int, p.pts) * tb * rate) for p in packets]  # clip() keeps packets with a pts
        k = idx[0]
        end = k + len(packets) if end is None else end
        if end <= a:
            return False
        if self.head and k > a:
            raise RenderError(f"{piece.path}: seek landed after source frame {a}")
        self.head = False
        idr = any(n and n[0] & 0x1F == 5 for n in nal_units(bytes(packets[0]), self.plan.length_size))
        if sorted(idx) != list(range(k, end)) or not idr:
            raise Refused(f"{piece.path}: GOP at source frame {k} is open or irregular")
        if a <= k and end <= b:
            self.flush_encoder()
            base = self.muxed
            for p, i in zip(packets, idx, strict=True):
                self.mux(p, base + i - k, p.is_keyframe)
            self.copied += len(packets)
        else:
            dec = av.CodecContext.create("h264", "r")
            dec.extradata = extradata
            pending: list[Packet[VideoStream] | None] = [*packets, None]
            for pk in pending:
                for f in dec.decode(pk):
                    assert f.pts is not None  # the decoder passes the packets' pts through
                    if a <= round(f.pts * tb * rate) < b:
                        self.encode(f)
        self.progress()
        return end >= b

    def encode(self, frame: VideoFrame) -> None:
        if self.enc is None:
            self.enc = encoder(self.plan.options, self.plan.rate, *self.plan.size)
        frame.pts, frame.time_base = self.muxed + self.queued, self.tb
        frame.pict_type = av.video.frame.PictureType.NONE  # let x264 place its own keyframes
        self.queued += 1
        for p in self.enc.encode(frame):
            self.mux_encoded(p)
        if self.queued % 16 == 0:
            self.progress()

    def flush_encoder(self) -> None:
        if self.enc is not None:
            for p in self.enc.encode(None):
                self.mux_encoded(p)
            self.enc = None
        if self.queued:
            raise RenderError(f"libx264 returned {self.queued} frame(s) too few")

    def mux_encoded(self, p: Packet[Stream]) -> None:
        size, keep = self.plan.length_size, nal_units(bytes(p), None)
        data = b"".join(len(n).to_bytes(size, "big") + n for n in keep if n[0] & 0x1F not in HEADER_NALS)
        self.queued -= 1
        assert p.pts is not None  # libx264 stamps every packet
        self.mux(cast("Packet[VideoStream]", av.Packet(data)), p.pts, p.is_keyframe)  # goes to self.vs

    def mux(self, p: Packet[VideoStream], pts: int, key: bool) -> None:
        """Write one video packet at output frame ``pts``; dts run evenly, ``delay`` frames early."""
        dts = self.muxed - self.plan.delay
        if pts < dts:
            raise Refused(f"output frame {pts} reorders deeper than the {self.plan.delay} planned")
        p.pts, p.dts, p.duration, p.time_base = pts, dts, 1, self.tb
        p.is_keyframe, p.stream = key, self.vs
        self.out.mux_one(p)
        self.muxed += 1
        if self.muxed % 32 == 0:
            self.audio(self.muxed)

    def audio(self, upto: int | None) -> None:
        """Write the audio up to video frame ``upto`` (None: all), so the file interleaves as it grows."""
        plan = self.plan
        limit = None if upto is None else round(upto / plan.rate * plan.sample_rate)
        for p in self.track.take(limit):
            self.out.mux_one(p)

    def progress(self, force: bool = False) -> None:
        if self.job.cancelled:
            raise CancelledError("render cancelled")
        self.job.progress(self.muxed / max(self.plan.total, 1))
        now = time.monotonic()
        if self.bus is None or (not force and now - self.last_report < 0.2):
            return
        self.last_report = now
        done, total = self.muxed, self.plan.total
        fps = done / max(now - self.t0, 1e-6)
        eta = (total - done) / fps if fps > 0 else None
        self.bus.publish(RenderProgress(self.job.job_id, done, total, fps, eta))
