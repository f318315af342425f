"""Demux + decode one input on a worker thread, so decoding overlaps the graph and the encoder."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import av

from ...errors import RenderError

if TYPE_CHECKING:
    from pathlib import Path

    from av.packet import Packet
    from av.stream import Stream

__all__ = ["Decoded", "Decoding", "damaged_image"]

_DEPTH = 3
"""Packets decoded ahead per input: a few frames overlap the work and keep memory flat."""

_POLL = 0.05
"""Seconds a blocked worker waits before it looks at the stop flag again (prompt cancel)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """One demuxed packet's stream, its decoded frames, and whether it was the stream's flush."""

    stream: Stream
    frames: list[object]
    flush: bool


class _End:
    """The packets ran out (the file ended)."""


_END = _End()


class Decoding:
    """Decodes ``packets`` ahead of the reader on a daemon thread; errors reach the caller in order.

    ``convert`` runs on the worker too (the pixel-format conversion the graph's source expects),
    so it overlaps as well. The order of packets and frames is the file's: output is unchanged.
    """

    def __init__(
        self,
        path: Path,
        packets: Iterator[Packet[Stream]],
        convert: Callable[[Stream, object], object],
        decode: Callable[[Packet[Stream]], Iterable[object]] | None = None,
    ) -> None:
        self._path = path
        self._packets = packets
        self._convert = convert
        self._decode = decode or (lambda packet: packet.decode())
        self._queue: queue.Queue[Decoded | _End | BaseException] = queue.Queue(maxsize=_DEPTH)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"render-decode {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for packet in self._packets:
                if self._stop.is_set():
                    return
                try:
                    frames = [self._convert(packet.stream, f) for f in self._decode(packet)]
                except av.FFmpegError as exc:
                    where = _packet_image(self._path, packet)
                    self._put(RenderError(f"{self._path}: cannot decode{where} ({exc})"))
                    return
                if not self._put(Decoded(packet.stream, frames, packet.size == 0)):
                    return
            self._put(_END)
        except BaseException as exc:  # a demux error: raised where the reader asks for the packet
            self._put(exc)

    def _put(self, item: Decoded | _End | BaseException) -> bool:
        """Queue ``item``, giving up once stopped so a reader that stopped early never hangs us."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
            except queue.Full:
                continue
            return True
        return False

    def next(self) -> Decoded | None:
        """The next decoded packet; None once the file ended. Raises the worker's error."""
        item = self._queue.get()
        if isinstance(item, _End):
            self._queue.put(item)  # asking again keeps answering None
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop the worker and wait for it (before the container is closed under it)."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(timeout=_POLL)


def _packet_image(path: Path, packet: Packet[Stream]) -> str:
    """``damaged_image`` at a packet's image (an image sequence's packet is one image)."""
    rate = packet.stream.average_rate
    if packet.pts is None or packet.time_base is None or not rate:
        return ""
    return damaged_image(path, round(packet.pts * packet.time_base * rate))


def damaged_image(path: Path, index: int) -> str:
    """`` image NAME`` of the first image up to ``index`` of a sequence that does not decode on its
    own (else the one at ``index``), or ``""`` for a file: which of a thousand images is damaged is
    what the user must know, and a threaded decoder reports the error a few images late."""
    from ...media import sequence

    try:
        if not sequence.is_sequence(path):
            return ""
        images = sequence.files(path)
    except Exception:  # the error being reported matters more than this detail
        return ""
    for image in images[max(0, index - _DECODER_LAG) : index + 1]:
        if not _decodes(image):
            return f" image {image.name}"
    return f" image {images[index].name}" if 0 <= index < len(images) else ""


_DECODER_LAG = 16
"""Images before the failing packet to check: a frame-threaded decoder reports an error late."""


def _decodes(image: Path) -> bool:
    """Does one image decode on its own?"""
    try:
        with image.open("rb") as f, av.open(f, "r") as c:  # (a file object: no name read as a pattern)
            return any(True for _ in c.decode(video=0))
    except (av.FFmpegError, OSError):
        return False
