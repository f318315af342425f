"""Reading one stream of a source without the others' bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import av

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.stream import Stream


def only(container: InputContainer, stream: Stream) -> None:
    """Discard every other stream: the demuxer skips their samples instead of reading them (a copy
    of the sound need not read a high-bitrate picture stream beside it, nor the walk the sound)."""
    for other in container.streams:
        if other.index != stream.index:
            other.discard = av.stream.Discard.all
