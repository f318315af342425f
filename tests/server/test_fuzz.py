"""Fuzzing a real standalone server with >= 10,000 random and malformed requests: Range headers,
tokens, paths, methods and other headers. Invariants: no 5xx, no traceback in the logs, every 2xx
body is the exact slice of the registered file its token names, the unregistered secret never leaks."""

from __future__ import annotations

import email.parser
import re
import socket
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.server._http import RawClient, Response
from tests.server.conftest import LogWatch
from timeline_lab.server import MediaRegistry, MediaServer, TokenSealer
from timeline_lab.server._ranges import http_date
from timeline_lab.server.processes import SHARE_SOCKET, WorkerConfig, Workers

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")  # failure reports only
MAX_HEADER = 16 * 1024  # the standalone server's max_header_size: 431 beyond it
HARD_HEADER = 64 * 1024  # Tornado's own limit: past it the connection closes without a reply
SHARE = 2600  # requests per test; four tests: >= 10,000 in all
FUZZ = settings(
    max_examples=SHARE,
    deadline=None,
    database=None,
    derandomize=True,  # the same 10,000+ requests every run: CI is reproducible, coverage is asserted
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_MEDIA_PATH = re.compile(r"/timeline-lab/media/([^/]+)")


class Fuzz:
    """The module's server, client and registered bytes (repr kept short for failure reports)."""

    def __init__(self, server: Any, client: RawClient, data: dict[str, bytes], secret: bytes) -> None:
        self.server, self.client, self.data, self.secret = server, client, data, secret
        self.tokens = sorted(data)
        self.counts: dict[str, int] = {}
        self.seen: Counter[str] = Counter()  # outcomes, to show the fuzz reaches every branch

    def __repr__(self) -> str:
        return f"Fuzz({self.server!r}, sent={self.client.sent})"


class _Workers:
    """A worker process alone on a socket of ours, serving a kernel's sealed registry: what a
    multi-process server's workers run, reached without the kernel's own process taking a share.
    Never replaced: a worker that dies logs an error the fuzz's log watch reports."""

    def __init__(self, runtime: Path) -> None:
        self.registry = MediaRegistry(sealer=TokenSealer(runtime))
        self.registry.sealer.ensure_key()  # type: ignore[union-attr]
        self.access_key = "fuzz-worker-key"
        self._listener = socket.socket()
        try:
            self._listener.bind(("127.0.0.1", 0))
            self._listener.listen(64)
            self.port: int = self._listener.getsockname()[1]
            self._workers = Workers(restarts=0)
            config = WorkerConfig(
                self._listener.fileno(), str(runtime), self.access_key, [], 4096, True, 10.0, MAX_HEADER
            )
            self._workers.start(1, config)
        except BaseException:
            self._listener.close()
            raise
        self.pids = self._workers.pids

    def close(self) -> None:
        """Stop the worker; it must be the one that started (none died under the fuzz)."""
        try:
            assert self._workers.pids == self.pids and self._workers.restarts == 0, "the worker died"
        finally:
            self._workers.stop()
            self._listener.close()

    def __repr__(self) -> str:
        return f"worker on {self.port}"


@pytest.fixture(scope="module", params=["kernel", "worker"])
def fuzz(
    request: pytest.FixtureRequest,
    blobs: dict[str, Path],
    log_watch: LogWatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Fuzz]:
    """The same fuzz against a one-process server, and against a worker of a multi-process one
    (sealed tokens opened with the kernel's key, its revocation list, settings from its pipe)."""
    if request.param == "worker":
        if not SHARE_SOCKET:
            pytest.skip("no socket sharing on this platform")
        srv: Any = _Workers(tmp_path_factory.mktemp("fuzz-rt"))
    else:
        srv = MediaServer(chunk_size=4096).start()  # small chunks: multi-chunk streams on small files
    try:
        data = {srv.registry.register(p): p.read_bytes() for n, p in blobs.items() if n != "secret"}
        client = RawClient(srv.port)
        yield Fuzz(srv, client, data, blobs["secret"].read_bytes()[:24])
        client.close()
    finally:
        srv.close() if request.param == "worker" else srv.stop()


def _clean(value: str) -> str:
    """No CR/LF: they would split one fuzzed request into two and desynchronize the connection."""
    return value.replace("\r", "").replace("\n", "")


def check(f: Fuzz, resp: Response, method: str, token: str | None) -> None:
    """The invariants; ``token`` is the registered token this request legitimately names, if any."""
    f.seen[str(resp.status)] += 1
    if resp.status == 0:  # allowed only past Tornado's header limit: it then closes without a reply
        assert f.client.last_size > HARD_HEADER, "connection closed without a response"
        return
    if resp.status == 431:
        assert f.client.last_size > MAX_HEADER, "431 for a head under the limit"
    assert resp.status < 500, resp
    assert f.secret not in resp.body
    if not 200 <= resp.status < 300:
        return
    if resp.status == 204:  # OPTIONS that is not a CORS preflight: no body, nothing served
        assert method == "OPTIONS" and resp.body == b""
        return
    assert token is not None, f"2xx for a request naming no registered file: {resp.status}"
    data = f.data[token]
    if method == "HEAD":
        assert resp.body == b""
        return
    if resp.status == 200:
        assert resp.body == data
        return
    assert resp.status == 206
    ctype = resp.headers["content-type"]
    f.seen["multipart" if ctype.startswith("multipart/") else "single"] += 1
    if not ctype.startswith("multipart/byteranges"):
        parts = [(resp.headers["content-range"], resp.body)]
    else:
        msg = email.parser.BytesParser().parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + resp.body)
        parts = [(p["Content-Range"], p.get_payload(decode=True)) for p in msg.get_payload()]
        assert len(parts) >= 2
    for content_range, body in parts:
        m = _CONTENT_RANGE.fullmatch(content_range)
        assert m is not None, content_range
        first, last, total = map(int, m.groups())
        assert total == len(data) and first <= last < total
        assert body == data[first : last + 1]


def _count(f: Fuzz, name: str) -> None:
    f.counts[name] = f.counts.get(name, 0) + 1


# --- Range headers ---------------------------------------------------------------------------

_num = st.one_of(
    st.integers(0, 80_000),
    st.sampled_from([0, 1, 2, 999, 1000, 1001, 70_000, 70_001, 70_002, 2**63, 10**30]),
    st.integers(0, 10**25),
)
_spec = st.one_of(
    st.tuples(st.just("ab"), _num, _num),
    st.tuples(st.just("a-"), _num, st.just(0)),
    st.tuples(st.just("-n"), st.just(0), _num),
)


def _spec_text(spec: tuple[str, int, int]) -> str:
    kind, a, b = spec
    return f"{a}-{b}" if kind == "ab" else f"{a}-" if kind == "a-" else f"-{b}"


def _oracle(spec: tuple[str, int, int], size: int) -> tuple[int, slice | None]:
    """Expected answer to one clean range spec, written from RFC 9110 independently of the server."""
    kind, a, b = spec
    if kind == "ab" and a > b:
        return 200, slice(None)
    if kind == "-n":
        return (416, None) if b == 0 or size == 0 else (206, slice(max(0, size - b), size))
    return (416, None) if a >= size else (206, slice(a, size if kind == "a-" else min(b + 1, size)))


def _disjoint(xs: list[int]) -> str:
    """Sorted, non-overlapping ranges from distinct offsets: the multipart case."""
    xs = sorted(xs)
    return "bytes=" + ",".join(f"{a}-{b}" for a, b in zip(xs[::2], xs[1::2], strict=False))


_junk = st.text(alphabet=st.sampled_from(list("-,=; \t0123456789abyBEST\x00\x7f\u00e9\u0663")), max_size=60)
_range_header = st.one_of(
    st.builds(
        lambda unit, specs, ws: unit + ",".join(ws + _spec_text(s) + ws for s in specs),
        st.sampled_from(["bytes=", "BYTES=", "Bytes=", "bytes =", "bites=", "bytes==", "", "bytes"]),
        st.lists(_spec, max_size=40),
        st.sampled_from(["", " ", "\t", " ,"]),
    ),
    st.lists(st.integers(0, 1100) | st.integers(0, 75_000), min_size=2, max_size=24, unique=True).map(
        _disjoint
    ),
    _junk.map(lambda s: "bytes=" + s),
    st.text(max_size=300),
)


@FUZZ
@given(
    token_index=st.integers(0, 3),
    one=_spec,
    header=_range_header,
    clean=st.booleans(),
    method=st.sampled_from(["GET", "GET", "GET", "HEAD"]),
    if_range=st.one_of(
        st.none(),
        st.none(),
        st.none(),  # mostly absent: a mismatching If-Range turns every range into a 200
        st.sampled_from(["<etag>", '"x"', "W/x", "Thu, 01 Jan 1970 00:00:00 GMT", ""]),
        st.text(max_size=40),
    ),
)
def test_fuzz_range_headers(
    fuzz: Fuzz,
    token_index: int,
    one: tuple[str, int, int],
    header: str,
    clean: bool,
    method: str,
    if_range: str | None,
) -> None:
    token = fuzz.tokens[token_index]
    target = f"/timeline-lab/media/{token}?key={fuzz.server.access_key}"
    if clean:  # one well-formed spec: the answer must be exactly the oracle's
        resp = fuzz.client.request(method, target, [("Range", "bytes=" + _spec_text(one))])
        status, part = _oracle(one, len(fuzz.data[token]))
        assert resp.status == status
        if part is not None and method == "GET":
            assert resp.body == fuzz.data[token][part]
        if status == 416:
            assert resp.headers["content-range"] == f"bytes */{len(fuzz.data[token])}"
    else:
        headers = [("Range", _clean(header))]
        if if_range is not None:
            etag = fuzz.server.registry.resolve(token).etag
            headers.append(("If-Range", _clean(if_range.replace("<etag>", etag))))
        resp = fuzz.client.request(method, target, headers)
    check(fuzz, resp, method, token)
    _count(fuzz, "range")


# --- tokens ----------------------------------------------------------------------------------


@st.composite
def _tokens(draw: st.DrawFn, valid: list[str]) -> str:
    base = draw(st.sampled_from(valid))
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return base
    if kind == 1:  # one character changed
        i = draw(st.integers(0, len(base) - 1))
        c = draw(st.sampled_from(string.ascii_letters + string.digits + "-_"))
        return base[:i] + c + base[i + 1 :]
    if kind == 2:
        return base[: draw(st.integers(0, len(base) - 1))]
    if kind == 3:
        return base + draw(st.text(min_size=1, max_size=20))
    if kind == 4:
        return draw(st.from_regex(r"[A-Za-z0-9_-]{1,700}", fullmatch=True))
    if kind == 5:
        return draw(
            st.sampled_from(
                [
                    "..",
                    ".",
                    "%2e%2e",
                    "..%2f..%2fetc%2fpasswd",
                    "%00",
                    base + "%00",
                    base + "/..",
                    "\x00",
                    "A" * 6000,
                    "/etc/passwd",
                    base.upper(),
                    base.swapcase(),
                    "%" + base,
                    base + "?",
                    base + "#",
                ]
            )
        )
    return draw(st.text(max_size=300))


@FUZZ
@given(
    data=st.data(),
    quoting=st.sampled_from(["", "/%", "raw"]),
    key=st.sampled_from(["ok", "ok", "ok", "none", "bad"]),
)
def test_fuzz_tokens(fuzz: Fuzz, data: st.DataObject, quoting: str, key: str) -> None:
    token = data.draw(_tokens(fuzz.tokens))
    if quoting == "raw":
        segment = "".join(c for c in token if c not in " \r\n?#")
    else:
        segment = quote(token, safe=quoting)
    query = {
        "ok": f"?key={fuzz.server.access_key}",
        "none": "",
        "bad": "?key=" + fuzz.server.access_key[::-1],
    }[key]
    resp = fuzz.client.request("GET", f"/timeline-lab/media/{segment}{query}")
    named = _named_token(fuzz, f"/timeline-lab/media/{segment}")
    if named is not None and key == "ok":
        assert resp.status == 200, resp
    check(fuzz, resp, "GET", named if key == "ok" else None)
    _count(fuzz, "tokens")


def _named_token(f: Fuzz, path: str) -> str | None:
    """The registered token a path names after percent-decoding, as the router decodes it."""
    m = _MEDIA_PATH.fullmatch(path)
    if m is None:
        return None
    try:
        token = unquote_to_bytes(m.group(1)).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return token if token in f.data else None


# --- paths -----------------------------------------------------------------------------------

_SEGMENTS = [
    "timeline-lab",
    "media",
    "health",
    "..",
    ".",
    "",
    "%2e%2e",
    "%2F",
    "%2f",
    "%00",
    "%5c",
    "\\",
    "etc",
    "passwd",
    "secret.txt",
    "%2e",
    "~",
    "tmp",
    "..%2F..%2F",
    "%c0%ae%c0%ae",
    "media%2F..",
    "A" * 3000,
]


@FUZZ
@given(
    data=st.data(),
    segments=st.lists(st.one_of(st.sampled_from(_SEGMENTS), st.text(max_size=30)), max_size=12),
    query=st.one_of(st.just(""), st.just("key"), st.text(max_size=50)),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_fuzz_paths(fuzz: Fuzz, data: st.DataObject, segments: list[str], query: str, method: str) -> None:
    segments = [data.draw(st.sampled_from(fuzz.tokens)) if s == "~" else s for s in segments]
    path = "/" + "/".join("".join(c for c in s if c not in " \r\n?#") for s in segments)
    q = (
        f"?key={fuzz.server.access_key}"
        if query == "key"
        else ("?" + _clean(query).replace(" ", "") if query else "")
    )
    resp = fuzz.client.request(method, path + q)
    named = _named_token(fuzz, path) if query == "key" else None
    if resp.status == 200 and path == "/timeline-lab/health":
        assert query == "key" and (method == "HEAD" or b'"ok": true' in resp.body)
    else:
        check(fuzz, resp, method, named)
    _count(fuzz, "paths")


# --- methods and other headers ---------------------------------------------------------------

_HEADER_NAMES = [
    "If-None-Match",
    "If-Modified-Since",
    "If-Match",
    "If-Unmodified-Since",
    "If-Range",
    "Range",
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "X-Timeline-Lab-Key",
    "Accept",
    "Accept-Encoding",
    "Cookie",
    "Authorization",
    "X-Forwarded-For",
    "Host",
]
_value = st.one_of(
    st.text(max_size=100),
    st.sampled_from(["*", '"x"', "W/*", "bytes=0-0", "http://evil.example", "null", "\x00", "GET", "gzip"]),
    st.sampled_from(["<etag>", "W/<etag>", "<last-modified>"]),  # the real validators, filled in per file
    st.integers(1, 8000).map(lambda n: "a" * n),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
)


@FUZZ
@given(
    method=st.one_of(
        st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE"]),
        st.from_regex(r"[A-Z]{1,12}", fullmatch=True),
    ),
    headers=st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(_HEADER_NAMES), st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True)
            ),
            _value,
        ),
        max_size=6,
    ),
    token_index=st.integers(0, 3),
)
@example(method="GET", headers=[("If-None-Match", "<etag>")], token_index=0)  # a 304 in every run
@example(method="HEAD", headers=[("If-None-Match", "W/<etag>")], token_index=1)
def test_fuzz_methods_and_headers(
    fuzz: Fuzz, method: str, headers: list[tuple[str, str]], token_index: int
) -> None:
    body_headers = {"content-length", "transfer-encoding", "expect"}  # would make the server wait for a body
    token = fuzz.tokens[token_index]
    entry = fuzz.server.registry.resolve(token)
    real = {"<etag>": entry.etag, "<last-modified>": http_date(entry.last_modified)}
    for k, v in real.items():
        headers = [(n, val.replace(k, v)) for n, val in headers]
    sent = [(n, _clean(v)) for n, v in headers if n.lower() not in body_headers]
    resp = fuzz.client.request(method, f"/timeline-lab/media/{token}?key={fuzz.server.access_key}", sent)
    check(fuzz, resp, method, token if method in ("GET", "HEAD") else None)
    _count(fuzz, "headers")


def test_fuzz_totals(fuzz: Fuzz, log_watch: LogWatch) -> None:
    """Runs last: every fuzz test above sent its share, and nothing was logged as an error."""
    missing = {"range", "tokens", "paths", "headers"} - set(fuzz.counts)
    if missing:
        pytest.skip(f"fuzz tests not run here: {sorted(missing)}")
    assert sum(fuzz.counts.values()) >= 10_000, fuzz.counts
    assert fuzz.client.sent >= 10_000
    print(f"fuzz: {fuzz.client.sent} requests, outcomes {dict(fuzz.seen)}")
    assert {"200", "206", "304", "400", "403", "404", "405", "412", "416", "multipart", "single"} <= set(
        fuzz.seen
    )
    assert log_watch.problems() == []
