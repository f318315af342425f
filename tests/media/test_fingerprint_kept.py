"""A media file's fingerprint is kept on disk by what the file is: opening a project of thousands of
files in a new process does not read 2 MiB of each again, and a rewritten file is read anew."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_CHECK = """
import sys
from timeline_lab.media import relink
if sys.argv[2] == "no-read":
    def refuse(*a, **k):
        raise AssertionError("read the file again")
    relink.stream_fingerprint = refuse
print(relink.fingerprint(sys.argv[1]))
"""


def _fingerprint(path: Path, cache: Path, mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIMELINE_LAB_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", _CHECK, str(path), mode], env=env, capture_output=True, text=True
    )


def test_a_new_process_takes_the_kept_fingerprint_and_a_rewrite_is_read_anew(tmp_path: Path) -> None:
    media = tmp_path / "take.mov"
    media.write_bytes(os.urandom(3 << 20))
    first = _fingerprint(media, tmp_path / "cache", "read")
    assert first.returncode == 0, first.stderr
    again = _fingerprint(media, tmp_path / "cache", "no-read")
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    st = media.stat()
    data = bytearray(media.read_bytes())
    data[0] ^= 0xFF
    media.write_bytes(bytes(data))
    os.utime(media, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: only ctime tells
    assert _fingerprint(media, tmp_path / "cache", "no-read").returncode != 0
    changed = _fingerprint(media, tmp_path / "cache", "read")
    assert changed.returncode == 0 and changed.stdout != first.stdout
