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

__all__ = ["Decoded", "Decoding"]

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
                    self._put(RenderError(f"{self._path}: cannot decode ({exc})"))
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
