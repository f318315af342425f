"""Reading one stream of a source without the others' bytes."""

from __future__ import annotations

from pathlib import Path

import av

from timeline_lab.media.synth import make_clip
from timeline_lab.render.smart._demux import only


def test_only_discards_the_other_streams_and_keeps_every_packet_of_its_own(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=160, height=120, rate=25, frames=30)
    with av.open(str(clip)) as c:
        want = [bytes(p) for p in c.demux(audio=0) if p.size]
    with av.open(str(clip)) as c:
        st = c.streams.audio[0]
        only(c, st)
        assert c.streams.video[0].discard == av.stream.Discard.all and st.discard != av.stream.Discard.all
        assert [bytes(p) for p in c.demux(st) if p.size] == want
