"""Media server benchmark: timeline_lab's range server vs nginx (sendfile on) on the same 1 MiB ranges.

Both serve one large file (random bytes, 256 MiB by default) on 127.0.0.1; the same load generator
(wrk with a Lua script picking a random 1 MiB-aligned range per request, or a raw-socket asyncio
client when wrk is missing) drives each with 100 keep-alive connections, bounded in time and
requests. Rounds alternate between the servers and medians are reported, because a shared
machine is noisy; the throughput target is judged on the median of per-round (back-to-back)
ratios. Prints throughput (MiB/s, req/s), p50/p99 latency, single-client p99, the ratios and the
targets of issue 21 (>= 0.8x nginx throughput, single-client p99 < 2 ms), with the machine's load
average before, after and at each measurement, since a shared machine's load moves every figure.

Single-client latency is the load generator's own (wrk -c1, or the python client): from sending the
request to reading the last byte of the 1 MiB body, so the client's copy of that MiB is in it, the
same for both servers; nginx's figure is printed beside ours. Both servers run as one process each
(our standalone server is one event-loop thread; nginx one worker); server CPU per request is the
figure a busy machine cannot move.

nginx runs from a temp prefix and config (1 worker, like our single-threaded server); the system's
nginx config is never read or touched. As root, missing nginx/wrk are installed with apt-get.
``--processes N`` compares N of each instead: nginx's N workers against our server's N processes on
one port (``MediaServer(processes=N)``: workers on its listening socket), for machines with more cores.
Usage: python benchmarks/server.py [--size-mib 256] [--seconds 8] [--rounds 3] [--client wrk|python]
[--processes 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
TARGET_RATIO = 0.8  # issue 21: median of per-round throughput ratios vs nginx
TARGET_P99_MS = 2.0  # issue 21: single-client p99


def _load() -> str:
    """The 1-minute load average (what else the machine is doing), or "?" where unknown."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_us: float = float("nan")  # server CPU (user + system) per request; nan where unknown

    @property
    def mibps(self) -> float:
        return self.rps  # one MiB per request


def server_pids(proc: subprocess.Popen[bytes] | subprocess.Popen[str], serves: bool) -> list[int]:
    """The processes that serve: nginx's workers (children of its master, which ``serves`` not), or
    our process and its workers."""
    try:
        kids = [int(k) for k in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    except OSError:
        return [proc.pid]
    return [proc.pid, *kids] if serves or not kids else kids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes so far (Linux /proc); nan elsewhere.

    Load-independent where throughput is not: on a shared machine the scheduler decides how much CPU
    each server gets, but not how much it needs per request."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def ensure_tools(client: str) -> None:
    """nginx (and wrk) from Debian when we are root and they are missing."""
    want = ["nginx"] + (["wrk"] if client in ("auto", "wrk") else [])
    missing = [t for t in want if shutil.which(t) is None and not Path(f"/usr/sbin/{t}").exists()]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(missing)} with apt-get ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL
        )


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as f:
        for _ in range(size // (16 * MIB)):
            f.write(os.urandom(16 * MIB))
        f.write(os.urandom(size % (16 * MIB)))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


def start_nginx(work: Path, root: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], int]:
    """nginx in the foreground from a temp prefix: sendfile on, ``workers`` workers, no access log."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix = work / "nginx"
    prefix.mkdir()
    port = free_port()
    temp = "\n".join(
        f"  {k}_temp_path {prefix}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the 0700 temp dir
    conf = f"""worker_processes {workers};
daemon off;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
{temp}
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""
    (prefix / "nginx.conf").write_text(conf)
    cmd = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def start_ours(path: Path, processes: int = 1) -> tuple[subprocess.Popen[str], int, str]:
    """Our server in its own process (as in a kernel), so the load generator never shares its GIL."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(path), "--processes", str(processes)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
    if m is None:
        raise RuntimeError(f"server said {url!r}")
    return proc, int(m.group(1)), m.group(2)


def serve(path: str, processes: int) -> None:
    """--serve: run a standalone MediaServer (on ``processes`` processes) until stdin closes."""
    from timeline_lab.server import MediaServer

    with MediaServer(processes=processes) as srv:
        print(srv.media_url(path), flush=True)
        sys.stdin.read()


def check_bytes(port: int, target: str, data_path: Path) -> None:
    """Both servers must return the same exact bytes for a range before being timed."""
    a = 37 * MIB + 123
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{target}", headers={"Range": f"bytes={a}-{a + MIB - 1}"}
    )
    with urllib.request.urlopen(req, timeout=30) as r, data_path.open("rb") as f:
        f.seek(a)
        if r.status != 206 or r.read() != f.read(MIB):
            raise RuntimeError(f"port {port}: wrong bytes for a range")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def run_wrk(port: int, target: str, n_ranges: int, conns: int, seconds: float, work: Path) -> Result:
    script = work / f"ranges-{port}.lua"
    script.write_text(
        f"""math.randomseed({random.randrange(1 << 30)})
request = function()
  local a = math.random(0, {n_ranges - 1}) * {MIB}
  return wrk.format("GET", "{target}", {{ ["Range"] = "bytes=" .. a .. "-" .. (a + {MIB - 1}) }})
end
"""
    )
    cmd = [
        "wrk",
        "-t1",
        f"-c{conns}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        assert m is not None, out
        return float(m.group(1)) * _UNITS[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors:.*?read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, errs.groups())) if errs else 0)
    count = re.search(r"(\d+) requests in", out)
    assert rps is not None and count is not None, out
    return Result(float(rps.group(1)), latency("50"), latency("99"), errors, int(count.group(1)))


def run_python(
    port: int, target: str, n_ranges: int, conns: int, seconds: float, max_requests: int
) -> Result:
    """Fallback load generator: raw sockets, keep-alive, bounded by time and by request count."""
    if conns == 1:
        return _one_client(port, target, n_ranges, seconds, max_requests)

    async def main() -> Result:
        lat: list[float] = []
        budget = [max_requests]
        errors = [0]
        deadline = time.perf_counter() + seconds

        async def conn() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=4 * MIB)
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                a = random.randrange(n_ranges) * MIB
                t = time.perf_counter()
                writer.write(
                    f"GET {target} HTTP/1.1\r\nHost: b\r\nRange: bytes={a}-{a + MIB - 1}\r\n\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
                lat.append(time.perf_counter() - t)
                errors[0] += not head.startswith(b"HTTP/1.1 206")
            writer.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(conn() for _ in range(conns)))
        lat.sort()
        pick = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
        return Result(len(lat) / (time.perf_counter() - t0), pick(0.5), pick(0.99), errors[0], len(lat))

    return asyncio.run(main())


def _one_client(port: int, target: str, n_ranges: int, seconds: float, max_requests: int) -> Result:
    """One keep-alive connection with a blocking socket reading into one reused buffer: the least
    client time a Python client can add to each request's latency (asyncio's streams add more)."""
    import socket

    lat: list[float] = []
    errors = 0
    buf = bytearray(MIB + 64 * 1024)
    view = memoryview(buf)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.perf_counter()
        deadline = t0 + seconds
        while len(lat) < max_requests and time.perf_counter() < deadline:
            a = random.randrange(n_ranges) * MIB
            req = f"GET {target} HTTP/1.1\r\nHost: b\r\nRange: bytes={a}-{a + MIB - 1}\r\n\r\n".encode()
            t = time.perf_counter()
            sock.sendall(req)
            got = 0
            while (end := buf.find(b"\r\n\r\n", 0, got)) < 0:
                n = sock.recv_into(view[got:])
                if not n:
                    raise RuntimeError(f"port {port}: connection closed mid-response")
                got += n
            head = bytes(buf[:end])
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            want = end + 4 + (int(m.group(1)) if m else 0)
            while got < want:
                n = sock.recv_into(view[got:want])
                if not n:
                    raise RuntimeError(f"port {port}: connection closed mid-body")
                got += n
            lat.append(time.perf_counter() - t)
            errors += not head.startswith(b"HTTP/1.1 206")
        elapsed = time.perf_counter() - t0
    lat.sort()
    pick = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    return Result(len(lat) / elapsed, pick(0.5), pick(0.99), errors, len(lat))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    ap.add_argument("--connections", type=int, default=100)
    ap.add_argument("--max-requests", type=int, default=200_000, help="cap per measurement (python client)")
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--processes", type=int, default=1, help="nginx workers and our server's processes")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.processes)
        return 0
    ensure_tools(args.client)
    client = "wrk" if args.client in ("auto", "wrk") and shutil.which("wrk") else "python"
    work = Path(tempfile.mkdtemp(prefix="tl-serve-"))
    procs: list[subprocess.Popen[bytes] | subprocess.Popen[str]] = []
    try:
        data = work / "big.bin"
        print(f"making a {args.size_mib} MiB random file in {work} ...", flush=True)
        make_file(data, args.size_mib * MIB)
        nginx, nginx_port = start_nginx(work, work, args.processes)
        ours, our_port, our_target = start_ours(data, args.processes)
        procs += [nginx, ours]
        servers = {"nginx": (nginx_port, "/big.bin"), "timeline_lab": (our_port, our_target)}
        for port, target in servers.values():
            check_bytes(port, target, data)

        time.sleep(0.5)  # nginx's master has started its worker
        pids = {"nginx": server_pids(nginx, serves=False), "timeline_lab": server_pids(ours, serves=True)}

        def measure(name: str, conns: int, seconds: float) -> Result:
            port, target = servers[name]
            cpu0 = cpu_seconds(pids[name])
            if client == "wrk":
                res = run_wrk(port, target, args.size_mib, conns, seconds, work)
            else:
                res = run_python(port, target, args.size_mib, conns, seconds, args.max_requests)
            res.cpu_us = 1e6 * (cpu_seconds(pids[name]) - cpu0) / max(1, res.requests)
            return res

        load0 = _load()
        print(
            f"load: {client}, {args.connections} connections, {args.rounds} rounds x {args.seconds:g} s"
            f" (load average {load0} on {os.cpu_count()} cores)\n"
            f"servers: timeline_lab {len(pids['timeline_lab'])} process(es) (one event-loop thread each) vs"
            f" nginx {len(pids['nginx'])} worker process(es) (worker_processes {args.processes})",
            flush=True,
        )
        for name in servers:  # warm-up: page cache, connection setup
            measure(name, args.connections, 1)
        many: dict[str, list[Result]] = {n: [] for n in servers}
        one: dict[str, list[Result]] = {n: [] for n in servers}
        for r in range(args.rounds):
            for name in servers if r % 2 == 0 else reversed(list(servers)):
                many[name].append(measure(name, args.connections, args.seconds))
                one[name].append(measure(name, 1, args.seconds / 2))
                print(
                    f"  round {r + 1} {name:>12}: {many[name][-1].rps:8.0f} req/s, 1-client p99 "
                    f"{one[name][-1].p99_ms:.2f} ms, server CPU {many[name][-1].cpu_us:.0f} us/request"
                    f" (load average {_load()})",
                    flush=True,
                )
        med = {
            n: {
                k: statistics.median(getattr(x, k) for x in many[n])
                for k in ("mibps", "rps", "p50_ms", "p99_ms", "cpu_us")
            }
            for n in servers
        }
        single = {n: statistics.median(x.p99_ms for x in one[n]) for n in servers}
        errors = {n: sum(x.errors for x in many[n] + one[n]) for n in servers}
        print(f"\n{'':26}{'nginx (sendfile)':>18}{'timeline_lab':>16}{'ratio':>9}")
        rows = [
            ("throughput (MiB/s)", "mibps"),
            ("requests/s", "rps"),
            ("p50 latency (ms)", "p50_ms"),
            ("p99 latency (ms)", "p99_ms"),
            ("server CPU per request (us)", "cpu_us"),
        ]
        for label, key in rows:
            a, b = med["nginx"][key], med["timeline_lab"][key]
            print(f"{label:26}{a:18.2f}{b:16.2f}{b / a:8.2f}x")
        a, b = (statistics.median(x.p50_ms for x in one[n]) for n in ("nginx", "timeline_lab"))
        print(f"{'single-client p50 (ms)':26}{a:18.2f}{b:16.2f}{b / a:8.2f}x")
        a, b = single["nginx"], single["timeline_lab"]
        print(f"{'single-client p99 (ms)':26}{a:18.2f}{b:16.2f}{b / a:8.2f}x")
        print(f"{'errors (non-206, socket)':26}{errors['nginx']:18d}{errors['timeline_lab']:16d}")
        # Each round measures both servers back to back, so its ratio shares that round's machine load.
        paired = [o.rps / n.rps for o, n in zip(many["timeline_lab"], many["nginx"], strict=True)]
        ratio = statistics.median(paired)
        print(f"\nthroughput ratio per round: {', '.join(f'{x:.2f}x' for x in paired)} (median {ratio:.2f}x)")
        ours_p99, nginx_p99 = (
            ", ".join(f"{x.p99_ms:.2f}" for x in one[n]) for n in ("timeline_lab", "nginx")
        )
        print(f"single-client p99 per round (ms): {ours_p99}; nginx: {nginx_p99}")
        print(f"load average before/after: {load0} / {_load()} on {os.cpu_count()} cores")
        met = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"target throughput >= {TARGET_RATIO}x nginx: {met}"
            f" ({ratio:.2f}x, median of {len(paired)} rounds)"
        )
        met = "met" if b < TARGET_P99_MS else "NOT met"
        print(
            f"target single-client p99 < {TARGET_P99_MS:g} ms: {met} ({b:.2f} ms; nginx {a:.2f} ms with the"
            f" same client, median of {len(one['nginx'])} rounds)"
        )
        return 1 if any(errors.values()) else 0
    finally:
        for p in procs:
            if p.stdin:
                p.stdin.close()
            p.terminate()
            p.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
