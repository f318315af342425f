"""Media named by URL: workers read them through fsspec file objects (memory:// in one process,
http:// from a loopback server with ranges on worker processes), check their fingerprints there,
and an output URL gets the finished file in one piece."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.cluster import render_on_cluster
from timeline_lab.errors import MediaError
from timeline_lab.media.synth import read_frame_index
from timeline_lab.media.urls import as_url
from timeline_lab.render.plan import ExportSettings
from timeline_lab.studio import Studio

from ..render.conftest import decode_audio, decode_video
from .conftest import sound_matches

fsspec = pytest.importorskip("fsspec")
pytestmark = pytest.mark.slow


class _Ranges(http.server.SimpleHTTPRequestHandler):
    """Static files with ``Range: bytes=a-b`` (what a demuxer's seeks become over HTTP)."""

    def log_message(self, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        spec = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not spec or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        a, _, b = spec.removeprefix("bytes=").partition("-")
        first, last = int(a or 0), min(int(b) if b else size - 1, size - 1)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        f = path.open("rb")
        f.seek(first)
        self.range_left = last - first + 1
        return f

    def copyfile(self, source: Any, outputfile: Any) -> None:
        left = getattr(self, "range_left", None)
        outputfile.write(source.read() if left is None else source.read(left))


@pytest.fixture
def server(sources: dict[str, Path]) -> Iterator[str]:
    """The media folder over http on a free loopback port."""
    folder = sources["a"].parent

    def handler(*args: Any) -> _Ranges:
        return _Ranges(*args, directory=str(folder))

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _project(studio: Studio, a: str, b: str) -> Any:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(a, 0, 40))
    project.tracks[0].append(studio.clip(b, 10, 50))
    return project


def _same(single: Path, parallel: Path, project: Any) -> None:
    assert [read_frame_index(f) for f in decode_video(parallel)] == [
        read_frame_index(f) for f in decode_video(single)
    ]
    x, _ = decode_audio(single)
    y, _ = decode_audio(parallel)
    sound_matches(x, y, [])  # no join placed by hand here: a click would still fail the SNR


def test_http_inputs_on_worker_processes(
    client: Any, sources: dict[str, Path], server: str, tmp_path: Path
) -> None:
    studio = Studio(workspace=tmp_path)
    local = _project(studio, str(sources["a"]), str(sources["b"]))
    remote = _project(studio, f"{server}/a.mp4", f"{server}/b.mp4")
    assert remote.tracks[0].items[0].media.path == f"{server}/a.mp4"
    assert remote.tracks[0].items[0].media.fingerprint == local.tracks[0].items[0].media.fingerprint
    single = studio.render(local, tmp_path / "single.mp4", progress=False, cluster=False)
    out = render_on_cluster(remote, ExportSettings(path=tmp_path / "par.mp4"), client, segments=2)
    _same(single, out, remote)


def test_memory_urls_in_and_out(sources: dict[str, Path], tmp_path: Path) -> None:
    """memory:// is one process's: a LocalCluster of threads shares it with the test."""
    import distributed

    memory = fsspec.filesystem("memory")
    for name in ("a", "b"):
        memory.pipe(f"/tl-test/{name}.mp4", sources[name].read_bytes())
    studio = Studio(workspace=tmp_path)
    project = _project(studio, "memory://tl-test/a.mp4", "memory://tl-test/b.mp4")
    single = studio.render(_project(studio, str(sources["a"]), str(sources["b"])), tmp_path / "one.mp4",
                           progress=False, cluster=False)  # fmt: skip
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    try:
        with distributed.Client(cluster) as client:
            out = render_on_cluster(project, ExportSettings(path=Path("memory://tl-test/out/r.mp4")), client,
                                    segments=2)  # fmt: skip
            assert as_url(out) == "memory://tl-test/out/r.mp4"
            assert memory.ls("/tl-test/out", detail=False) == ["/tl-test/out/r.mp4"]  # no .part left
            (tmp_path / "r.mp4").write_bytes(memory.cat("/tl-test/out/r.mp4"))
            _same(single, tmp_path / "r.mp4", project)
            data = bytearray(memory.cat("/tl-test/b.mp4"))
            data[-10] ^= 0xFF  # same size, other content
            memory.pipe("/tl-test/b.mp4", bytes(data))
            with pytest.raises(MediaError, match=r"worker .*memory://tl-test/b\.mp4: content differs"):
                render_on_cluster(project, ExportSettings(path=tmp_path / "stale.mp4"), client, segments=2)
            memory.rm("/tl-test/b.mp4")
            with pytest.raises(
                MediaError, match=r"memory://tl-test/b\.mp4: no such file"
            ):  # the driver sees it
                render_on_cluster(project, ExportSettings(path=tmp_path / "gone.mp4"), client, segments=2)
    finally:
        cluster.close()
        memory.rm("/tl-test", recursive=True)
