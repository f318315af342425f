"""`timeline-lab` command: probe, render, demo; errors are one clear line unless --debug."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import first_error

__all__ = ["main", "run_parsed"]


def _jsonable(obj: Any) -> Any:
    from ..model.time import RationalTime

    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: _jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, RationalTime):
        return {**obj.to_json(), "seconds": float(obj.to_seconds())}
    if isinstance(obj, Fraction):
        return str(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _probe(args: argparse.Namespace) -> int:
    from ..media.probe import probe

    info = probe(args.file)
    if args.json:
        print(json.dumps(_jsonable(info), indent=2))
        return 0
    dur = f"{float(info.duration.to_seconds()):.3f}s" if info.duration else "unknown"
    print(f"{info.path}  {info.format_name}  {dur}  {info.size_bytes} bytes")
    for v in info.video:
        vfr = " VFR (average)" if v.variable_frame_rate else ""
        extras = [f"starts at {float(v.start.to_seconds()):.3f}s"] if v.start.value else []
        if v.sample_aspect_ratio != 1 or v.rotation:
            extras.append(f"shown {v.display_width}x{v.display_height} (SAR {v.sample_aspect_ratio})")
        if v.flip:
            extras.append("mirrored")
        if v.rotation:
            extras.append(f"rotated {v.rotation}°")
        if v.field_order in ("tff", "bff"):
            extras.append(f"interlaced {v.field_order.upper()}")
        if v.timecode:
            extras.append(f"timecode {v.timecode}")
        if v.default:
            extras.append("default")
        print(
            f"  video #{v.index}: {v.codec} {v.width}x{v.height} {v.pix_fmt} {v.frame_rate} fps{vfr}, "
            f"{v.frame_count} frames" + "".join(f", {e}" for e in extras)
        )
    for a in info.audio:
        extra = f", starts at {float(a.start.to_seconds()):.3f}s" if a.start.value else ""
        extra += ", default" if a.default else ""
        print(f"  audio #{a.index}: {a.codec} {a.sample_rate} Hz {a.layout} ({a.channels} ch){extra}")
    return 0


def _render(args: argparse.Namespace) -> int:
    from ..model.time import parse_rate
    from ..studio import Studio

    studio = Studio(workspace=Path.cwd())
    project = studio.open(args.project, rate=args.rate)
    if args.rate is not None and project.settings.frame_rate != parse_rate(args.rate):
        raise ValueError(
            f"--rate {args.rate}: {args.project} is a project at {project.settings.frame_rate} fps; "
            "--rate sets the rate of an imported timeline (.otio, .edl, .xml, .fcpxml, .aaf)"
        )
    export: dict[str, Any] = {
        "format": args.format,
        "video_codec": args.encoder,
        "crf": args.crf,
        "preset": args.preset,
        "chapters": args.chapters,
    }
    if args.size:  # the project drawn as at its own size, resized: offsets and titles keep their place
        from ..render.compile.canvas import size_error

        why = size_error(args.size, project.settings)
        if why is not None:
            raise ValueError(f"--size {args.size[0]}x{args.size[1]}: {why}")
        export["size"] = args.size
    if args.range:
        export["frames"] = _frame_range(args.range, project)
    if args.dry_run:
        plan = studio.plan(project, args.output, **export)
        print(plan.describe())
        print()
        print(" ".join(_quote(a) for a in plan.to_ffmpeg_args()))
        return 0
    cluster = args.scheduler or args.workers or None  # segment-parallel on Dask when asked
    out = studio.render(
        project, args.output, progress=not args.quiet, overwrite=args.overwrite, cluster=cluster, **export
    )
    print(out)
    return 0


def _chapters(args: argparse.Namespace) -> int:
    from ..render.chapters import youtube_chapters
    from ..studio import Studio

    project = Studio(workspace=Path.cwd()).open(args.project, rate=args.rate)
    print(youtube_chapters(project, args.select, strict=not args.lenient), end="")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from ..atomic import atomic_write_bytes
    from ..model.io import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        if not args.overwrite and os.path.lexists(args.output) and not _is_schema_file(Path(args.output)):
            raise FileExistsError(
                f"{args.output}: exists and is not a timeline_lab JSON Schema; pass --overwrite to replace it"
            )
        print(atomic_write_bytes(args.output, text.encode()))
    else:
        print(text, end="")
    return 0


def _is_schema_file(path: Path) -> bool:
    """An earlier ``schema -o`` output (a regular file whose ``$id`` is ours): safe to replace."""
    from ..fs import is_regular_file

    if not is_regular_file(path) or path.stat().st_size > 1 << 22:
        return False
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and str(doc.get("$id", "")).startswith(
        "https://timeline-lab.invalid/schema/"
    )


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _first_error(exc: Any) -> str:
    """A pydantic ValidationError's first error as ``field: reason`` (its str starts "2 validation
    errors for ProjectSettings", which names neither)."""
    where, msg = first_error(exc)
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where or exc.title}: {msg}{more}"


def _workers(text: str) -> int:
    """``--workers N``: N >= 1 (a Dask cluster of no workers would wait forever)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {n}")
    return n


def _size(text: str) -> tuple[int, int]:
    """``WxH`` (e.g. ``1280x720``) for --size, read as ``size="WxH"`` is in Python."""
    from ..render.plan import parse_size

    try:
        return parse_size(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 1280x720") from None


def _frame_range(text: str, project: Any) -> tuple[int, int]:
    """``IN-OUT`` (frames from 0, or timecodes as the editor shows them, from the timeline's start
    timecode: ``01:00:01:00-01:00:02:00`` where it starts at 01:00:00:00): frames [IN, OUT)."""
    from ..interchange.otio import start_time
    from ..model.time import RationalTime
    from ..render.compile.excerpt import range_error

    rate = project.settings.frame_rate
    head, sep, tail = text.partition("-")
    if not sep:
        raise ValueError(f"--range {text!r}: expected IN-OUT, in frames or timecode")
    if not head.strip() or not tail.strip():  # IN- or -OUT: the render needs both ends
        raise ValueError(f"--range {text!r}: give both ends, IN-OUT (e.g. 0-250), in frames or timecode")
    start = start_time(project.metadata, rate)
    origin = start.to_frames(rate, "nearest")
    timecode = not (head.strip().isdigit() and tail.strip().isdigit())
    shown = f" (timecodes count from the timeline's start, {start.to_timecode(rate)}; frame numbers from 0)"

    def frame(part: str) -> int:
        part = part.strip()
        return (
            int(part) if part.isdigit() else RationalTime.from_timecode(part, rate).to_frames(rate) - origin
        )

    first, end = frame(head), frame(tail)
    if (why := range_error(project, first, end)) is not None:
        raise ValueError(f"--range {text!r}: {why}" + (shown if timecode and origin else ""))
    return first, end


def _relink(args: argparse.Namespace) -> int:
    from ..studio import Studio

    studio = Studio(workspace=Path.cwd())
    source = Path(args.project)
    target = Path(args.output) if args.output else _relinked_target(source)
    try:
        project = studio.open(source, search=args.folders)  # raises listing what is still missing
        out = studio.save(project, target)  # never over a file that is not ours (save's own checks)
    finally:
        studio.close()
    print(f"{out}: every media file found; saved with paths relative to the project where possible")
    if target != source:
        print(f"{source}: left as it was")
    return 0


def _relinked_target(source: Path) -> Path:
    """Where a relinked project goes: a .tlproj in place; any other timeline (.otio, .edl, FCP XML...)
    is another tool's file, which an export of ours would strip of what it could not import (start
    timecode, generators, effects, other media references), so a new .tlproj of its name beside it."""
    if source.suffix.lower() == ".tlproj":
        return source
    return source.with_name(source.stem + ".tlproj")


def _demo(args: argparse.Namespace) -> int:
    from ..demo import run_demo

    result = run_demo(Path(args.dir), progress=not args.quiet)
    for line in result.report():
        print(line)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="timeline-lab", description=__doc__)
    p.add_argument("--version", action="version", version=f"timeline-lab {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("probe", help="print a media file's streams and exact timing")
    pr.add_argument("file")
    pr.add_argument("--json", action="store_true", help="machine-readable output")
    pr.set_defaults(run=_probe)
    r = sub.add_parser(
        "render",
        help="render a project or another editor's timeline to a video, GIF, WebP, PNG frames or sound",
    )
    r.add_argument(
        "project",
        help="a .tlproj, or a timeline to import: .otio (or an .otiod bundle), .edl, FCP 7 .xml, "
        ".fcpxml(d), .aaf",
    )
    r.add_argument(
        "-o",
        "--output",
        required=True,
        help="the file to write; its suffix picks the format unless --format does: .mp4 .m4v .mov .mkv "
        ".webm .gif .webp, a pattern such as out/frame_%%06d.png for PNG frames, .m4a .wav .flac .opus "
        ".ogg for sound only",
    )
    r.add_argument("--encoder", default="auto", help="auto (NVENC if usable, else libx264), libx264, ...")
    r.add_argument("--format", default="auto", help="export preset (mp4-h264, webm-vp9, gif, ...)")
    r.add_argument("--crf", type=int, default=None)
    r.add_argument("--preset", default=None, help="encoder speed preset (e.g. veryfast)")
    r.add_argument(
        "--size",
        type=_size,
        default=None,
        help="render at WIDTHxHEIGHT (e.g. 1280x720) of the project's shape: drawn as at its size, resized",
    )
    r.add_argument("--range", default=None, help="only timeline frames IN-OUT (frames or timecode)")
    r.add_argument(
        "--rate", default=None, help="rate of an imported timeline (e.g. 25 or 30000/1001; an EDL has none)"
    )
    r.add_argument("--workers", type=_workers, default=0, help="render in segments on N local Dask workers")
    r.add_argument("--scheduler", default=None, help="render in segments on the Dask scheduler at ADDRESS")
    r.add_argument(
        "--chapters", default="auto", help="markers as chapters: auto (point markers), all, none, or #rrggbb"
    )
    r.add_argument("--dry-run", action="store_true", help="print the plan and ffmpeg command only")
    r.add_argument(
        "-y",
        "--overwrite",
        action="store_true",
        help="replace OUTPUT even if it is not an earlier render of this project",
    )
    r.add_argument("-q", "--quiet", action="store_true")
    r.set_defaults(run=_render)
    ch = sub.add_parser("chapters", help="print the markers as a YouTube chapter list")
    ch.add_argument("project")
    ch.add_argument("--select", default="auto", help="auto (point markers), all, or a marker colour #rrggbb")
    ch.add_argument("--rate", default=None, help="rate of an imported timeline (e.g. 25 or 30000/1001)")
    ch.add_argument("--lenient", action="store_true", help="print even when YouTube would not show them")
    ch.set_defaults(run=_chapters)
    rl = sub.add_parser("relink", help="find a moved project's media in folders and save it")
    rl.add_argument("project")
    rl.add_argument("folders", nargs="+", help="folders to look in (and their subfolders)")
    rl.add_argument(
        "-o",
        "--output",
        default=None,
        help="save the relinked project here (default: PROJECT itself if a .tlproj, else PROJECT's "
        "name as .tlproj beside it: another tool's timeline file is never rewritten)",
    )
    rl.set_defaults(run=_relink)
    sc = sub.add_parser("schema", help="print (or write) the JSON Schema of .tlproj files")
    sc.add_argument("-o", "--output", help="write to this file instead of stdout")
    sc.add_argument("-y", "--overwrite", action="store_true", help="replace OUTPUT if it is not a schema")
    sc.set_defaults(run=_schema)
    from .secrets import register as register_secrets

    register_secrets(sub)
    d = sub.add_parser("demo", help="make synthetic media, build a project, render it")
    d.add_argument(
        "--dir", default="timeline-lab-demo", help="folder for the media, project and render (made if absent)"
    )
    d.add_argument("-q", "--quiet", action="store_true")
    d.set_defaults(run=_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (1 for a clean error, 2 for bad usage)."""
    if "numpy" not in sys.modules:
        # no command does linear algebra, and OpenBLAS's idle worker threads spin on cores a
        # render's decoders and encoder need (the user's own setting wins)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return run_parsed(_parser().parse_args(argv))


def run_parsed(args: argparse.Namespace) -> int:
    """Run a parsed command: errors become one line on stderr (tracebacks only with --debug)."""
    from ..errors import TimelineLabError

    try:
        return int(args.run(args))
    except BrokenPipeError:
        # the reader went away (`timeline-lab probe --json f | head`): not an error of ours;
        # point stdout at nothing so Python's own flush at exit does not complain either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (TimelineLabError, OSError, ValueError) as exc:
        if args.debug:
            raise
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            first = f"{exc.title}: {_first_error(exc)}"
        elif isinstance(exc, OSError) and exc.strerror:  # its own words, not "[Errno 30] ..."
            first = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
        else:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"timeline-lab {args.command}: error: {first}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"timeline-lab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
