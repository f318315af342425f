"""Timeline widget benchmark: a large project stays responsive.

1. Kernel side, for projects of 500 and 5,000 clips (4 tracks): the first view (sent once), then
   per edit the diff the widget sends, beside the naive approach of re-sending the whole project —
   bytes on the comm and milliseconds to compute.
2. Browser side (Debian's chromium through Playwright, the committed bundle, a stand-in model with
   no Jupyter): time to draw the whole timeline, to apply a one-clip patch and redraw, and one
   pointer-move step of a drag.

3. The edit round trip through the real ``TimelineWidget`` at 10,000 clips (issue 14): the browser's
   edit message applied, the patch sent back as JSON, applied and redrawn in chromium.

Target: an edit's round trip (model, diff, redraw) costs < 50 ms of kernel + browser work at 500 clips,
and < 50 ms at 10,000 clips (issue 14).
Usage: python benchmarks/widgets.py [--clips 500 5000] [--round-trip 10000] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from timeline_lab.media.reference import reference_for
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project, RationalTime, Track
from timeline_lab.model._base import new_id
from timeline_lab.model.media_ref import MediaReference
from timeline_lab.widgets._live_view import LiveView
from timeline_lab.widgets.view import diff, view_of

STATIC = Path(__file__).resolve().parents[1] / "timeline_lab" / "widgets" / "static"


def build(clips: int, media: MediaReference) -> Project:
    project = Project(name="bench")
    project.settings = project.settings.model_copy(update={"frame_rate": Fraction(25)})
    from timeline_lab import Studio

    template = Studio(workspace=Path(tempfile.gettempdir())).clip(media, 0, 20)
    per_track = clips // 4
    for t in range(4):
        items = [
            template.model_copy(update={"id": new_id("clip"), "start": RationalTime(22 * k, 25)})
            for k in range(per_track)
        ]
        project.add_track(track=Track(kind="video", name=f"V{t + 1}", items=items))
    return project


def ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def kernel_side(project: Project) -> dict[str, float]:
    first = view_of(project, 0)
    full_bytes = len(json.dumps(first.to_json()))
    track = project.tracks[1]
    target = track.items[len(track.items) // 2].id
    track.trim(target, "out", -2)
    patch = diff(first, view_of(project, 1))
    op = {"op": "trim", "track": track.id, "item_id": target, "edge": "out", "delta": -1}
    live = LiveView(project)  # as the widget keeps one: it replays each edit's steps
    project.subscribe(live.note)

    def edit_and_undo() -> None:
        project.apply(op)
        project.undo()

    def edit_and_patch() -> None:  # what the widget does per edit: the patch from the edit's steps
        project.apply(op)
        live.update(1)
        project.undo()
        live.update(1)

    # a ripple trim of a track's first clip moves every clip after it: sent as one 'moved' group
    ripple = {
        "op": "trim",
        "track": track.id,
        "item_id": track.items[0].id,
        "edge": "out",
        "delta": -1,
        "ripple": True,
    }

    def ripple_and_undo() -> None:
        project.apply(ripple)
        project.undo()

    ripple_bytes: list[int] = []

    def ripple_and_patch() -> None:
        project.apply(ripple)
        ripple_bytes.append(len(json.dumps(live.update(1))))
        project.undo()
        live.update(1)

    return {
        "ripple_ms": max(0.0, ms(ripple_and_patch) - ms(ripple_and_undo)) / 2,
        "ripple_kb": ripple_bytes[-1] / 1024,
        "apply_ms": ms(edit_and_undo) / 2,
        "view_ms": ms(lambda: view_of(project)),
        "full_kb": full_bytes / 1024,
        "patch_kb": len(json.dumps(patch)) / 1024,
        "diff_ms": max(0.0, ms(edit_and_patch) - ms(edit_and_undo)) / 2,
        "naive_ms": ms(lambda: json.dumps(view_of(project).to_json())),
    }


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the bundle without logging each request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


PAGE = """<!doctype html><html><head><link rel="stylesheet" href="timeline.css"></head>
<body><div id="host" style="width:1300px"></div><script type="module">
import widget from "./timeline.js";
class Model { constructor() { this.v = {playhead: 0, playing: 0, zoom: 4, selection: [], in_point: null,
  out_point: null, lanes: [], message: "", clock: "self"}; this.h = {}; }
  get(k) { return this.v[k]; } set(k, x) { this.v[k] = x; (this.h["change:" + k] || []).forEach(f => f()); }
  save_changes() {} on(e, f) { (this.h[e] = this.h[e] || []).push(f); } off() {} send() {}
  emit(m) { (this.h["msg:custom"] || []).forEach(f => f(m, [])); } }
window.model = new Model();
widget.render({model: window.model, el: document.getElementById("host")});
window.ready = true;
</script></body></html>"""


def browser_side(project: Project, chromium: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    first = view_of(project)
    track = project.tracks[1]
    target = track.items[len(track.items) // 2].id
    track.trim(target, "out", -1)
    patch = diff(first, view_of(project, 1))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("timeline.js", "timeline.css"):
            shutil.copy(STATIC / name, Path(tmp) / name)
        (Path(tmp) / "index.html").write_text(PAGE, "utf-8")
        handler = functools.partial(Quiet, directory=tmp)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as pw:
                b = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                page = b.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
                page.wait_for_function("() => window.ready")
                doc = first.to_json()
                draw = page.evaluate(
                    """(doc) => { const t0 = performance.now(); model.emit({kind: "reset", doc});
                       document.body.offsetHeight; return performance.now() - t0; }""",
                    doc,
                )
                applied = page.evaluate(
                    """(patch) => { const times = [];
                       for (let i = 0; i < 5; i++) { const t0 = performance.now();
                         model.emit({kind: "patch", patch}); document.body.offsetHeight;
                         times.push(performance.now() - t0); }
                       times.sort((a, b) => a - b); return times[2]; }""",
                    patch,
                )
                box = page.locator(".tl-item").first.bounding_box()
                assert box is not None
                x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                page.mouse.move(x, y)
                page.mouse.down()
                step = page.evaluate(
                    """([x, y]) => { const t0 = performance.now();
                       for (let i = 1; i <= 20; i++) window.dispatchEvent(new PointerEvent("pointermove",
                         {clientX: x + i * 3, clientY: y, bubbles: true}));
                       document.body.offsetHeight; return (performance.now() - t0) / 20; }""",
                    [x, y],
                )
                page.mouse.up()
                b.close()
        finally:
            server.shutdown()
    return {"draw_ms": draw, "patch_draw_ms": applied, "drag_step_ms": step}


def _bundle_page(pw: Any, chromium: str, tmp: str) -> tuple[Any, Any, http.server.ThreadingHTTPServer]:
    """Chromium showing the committed bundle over the stand-in model (PAGE), served from ``tmp``."""
    for name in ("timeline.js", "timeline.css"):
        shutil.copy(STATIC / name, Path(tmp) / name)
    (Path(tmp) / "index.html").write_text(PAGE, "utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=tmp))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
    page.wait_for_function("() => window.ready")
    return browser, page, server


def widget_round_trip(project: Project, chromium: str | None, repeat: int = 9) -> dict[str, float]:
    """An edit through the real ``TimelineWidget`` (issue 14: < 50 ms at 10,000 clips): the browser's
    message applied to the model, the diff sent back (JSON, as the comm does), and in chromium the
    patch applied and the visible range redrawn; also a first draw and a scroll step there."""
    from timeline_lab.widgets import TimelineWidget

    widget = TimelineWidget(project)
    sent: list[dict[str, object]] = []
    widget.send = lambda content, buffers=None: sent.append(content)
    widget._on_msg(widget, {"kind": "ready"}, [])
    doc = sent[-1]["doc"]
    track = project.tracks[1]
    target = track.items[len(track.items) // 2].id
    kernel: list[float] = []
    kernel_cpu: list[float] = []  # process CPU time: wall time is noisy on a shared machine
    patches: list[str] = []
    for k in range(repeat):  # alternately shorten and restore one clip in the middle of the film
        delta = -1 if k % 2 == 0 else 1
        op = {"op": "trim", "track": track.id, "item_id": target, "edge": "out", "delta": delta}
        t0, c0 = time.perf_counter(), time.process_time()
        widget._on_msg(widget, {"kind": "edit", "seq": k + 1, "view": "bench", "ops": [op]}, [])
        message = json.dumps(next(m for m in reversed(sent) if m["kind"] == "patch"))
        kernel.append((time.perf_counter() - t0) * 1000)
        kernel_cpu.append((time.process_time() - c0) * 1000)
        patches.append(message)
    out = {
        "kernel_ms": statistics.median(kernel),
        "kernel_cpu_ms": statistics.median(kernel_cpu),
        "patch_kb": len(patches[0]) / 1024,
    }
    if chromium is None:
        return out
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser, page, server = _bundle_page(pw, chromium, tmp)
        try:
            frame = track.items[len(track.items) // 2].start.to_frames(project.settings.frame_rate)
            timings = page.evaluate(
                """([doc, patches, frame]) => {
                   const layout = () => document.body.offsetHeight;
                   let t0 = performance.now(); model.emit({kind: "reset", doc}); layout();
                   const draw = performance.now() - t0;
                   model.set("playhead", frame); model.set("zoom", 4);  // zoom in where the edit is
                   const hs = document.querySelector(".tl-hscroll"), steps = [], edits = [];
                   for (let i = 0; i < 9; i++) { t0 = performance.now();
                     hs.scrollLeft += 40; hs.dispatchEvent(new Event("scroll")); layout();
                     steps.push(performance.now() - t0); }
                   for (const p of patches) { const msg = JSON.parse(p); t0 = performance.now();
                     model.emit(msg); layout(); edits.push(performance.now() - t0); }
                   const mid = (a) => a.sort((x, y) => x - y)[a.length >> 1];
                   return {draw, scroll: mid(steps), edit: mid(edits),
                           nodes: document.querySelectorAll(".tl-item, .tl-run").length}; }""",
                [doc, patches, frame],
            )
        finally:
            browser.close()
            server.shutdown()
            server.server_close()
    out.update(
        draw_ms=timings["draw"],
        scroll_ms=timings["scroll"],
        browser_ms=timings["edit"],
        nodes=timings["nodes"],
        total_ms=out["kernel_ms"] + timings["edit"],
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, nargs="*", default=[500, 5000])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--round-trip", type=int, nargs="*", default=[10_000], help="clips of the round trip")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = make_clip(Path(tmp) / "c.mp4", width=160, height=90, rate=25, frames=50, tag=1)
        media = reference_for(path)
        for n in args.clips:
            k = kernel_side(build(n, media))
            print(f"\n{n} clips — kernel")
            print(f"  first view      {k['full_kb']:9.1f} KiB  {k['view_ms']:8.1f} ms")
            print(f"  edit: model     {'':9}      {k['apply_ms']:8.1f} ms   (validate + apply, as the API)")
            print(f"  edit: diff      {k['patch_kb']:9.2f} KiB  {k['diff_ms']:8.1f} ms")
            print(f"  edit: resend    {k['full_kb']:9.1f} KiB  {k['naive_ms']:8.1f} ms   (naive)")
            ripple = f"{k['ripple_kb']:9.2f} KiB  {k['ripple_ms']:8.1f} ms"
            print(f"  ripple: patch   {ripple}   (first clip of a track)")
            print(f"  bytes ratio resend/diff: {k['full_kb'] / k['patch_kb']:.0f}x")
            if Path(args.chromium).exists():
                b = browser_side(build(n, media), args.chromium)
                print(f"{n} clips — browser (chromium)")
                print(f"  first draw      {b['draw_ms']:8.1f} ms")
                print(f"  patch + redraw  {b['patch_draw_ms']:8.1f} ms")
                print(f"  drag step       {b['drag_step_ms']:8.2f} ms")
                total = k["apply_ms"] + k["diff_ms"] + b["patch_draw_ms"]
                print(f"  edit round trip (model + diff + browser redraw): {total:.1f} ms (target < 50 ms)")
            else:
                print(f"(no chromium at {args.chromium}: browser side skipped)")
        for n in args.round_trip:
            chromium = args.chromium if Path(args.chromium).exists() else None
            r = widget_round_trip(build(n, media), chromium)
            print(f"\n{n} clips — TimelineWidget edit round trip (trim one clip; target < 50 ms)")
            kib = r["patch_kb"]
            print(f"  kernel: message -> model -> diff -> JSON  {r['kernel_ms']:8.1f} ms  ({kib:.2f} KiB)")
            print(f"  kernel, process CPU time                {r['kernel_cpu_ms']:8.1f} ms")
            if chromium:
                print(f"  browser: patch + redraw                 {r['browser_ms']:8.1f} ms")
                print(f"  first draw {r['draw_ms']:.1f} ms, scroll step {r['scroll_ms']:.2f} ms", end="")
                print(f", {r['nodes']:.0f} clip nodes drawn")
                print(f"  round trip {r['total_ms']:.1f} ms")


if __name__ == "__main__":
    main()
