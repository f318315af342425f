"""Exactness at scale: many random timelines through every path, checked frame by frame.

The same harness as ``tests/render/test_exactness.py`` (sources, strategies, oracle, paths), with
many more examples per timeline class. Prints, per class and path, the frames checked and how many
differ, the failures by kind, and the smallest failing timeline of each kind. ``--shrink`` lets
Hypothesis shrink the first failure of each class to a minimal timeline (slow: every try renders).
Usage: python benchmarks/exactness.py [--examples 200] [--classes one-track,layers] [--seed 0]
[--shrink [--match REGEX]] [--no-cli] [--previews 2] [--strict]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.render._exact_media import make_pool
from tests.render._exact_paths import PathResult, Report, check, make_refs
from tests.render._exact_timelines import CLASSES, Spec


def _kind(text: str) -> str:
    """A failure's kind: its message with paths, numbers and ids blanked, so like groups with like."""
    text = re.sub(r"/\S+", "<path>", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return text[:140]


def _signature(p: PathResult) -> str:
    """``path: kind`` of a failing path (what --match selects and the summary groups by)."""
    return f"{p.name}: {_kind(p.error) if p.error else ('wrong frames' if p.mismatches else 'sound')}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=200, help="timelines per class")
    ap.add_argument("--classes", default=",".join(CLASSES), help=f"comma-separated: {', '.join(CLASSES)}")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shrink", action="store_true", help="shrink each class's first failure (slow)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when any timeline fails")
    ap.add_argument("--no-cli", action="store_true", help="skip the ffmpeg CLI path")
    ap.add_argument("--previews", type=int, default=2, help="timeline_frame() calls per timeline")
    ap.add_argument(
        "--match",
        default="",
        help="with --shrink: only failures whose 'path: kind | path: kind ...' matches this regex",
    )
    args = ap.parse_args()
    names = [c for c in args.classes.split(",") if c]
    unknown = [c for c in names if c not in CLASSES]
    if unknown:
        ap.error(f"unknown classes {unknown}; known: {', '.join(CLASSES)}")
    work = Path(tempfile.mkdtemp(prefix="tl-exactness-"))
    try:
        print(f"making the source pool in {work} ...", flush=True)
        sources = make_pool(work)
        refs = make_refs(sources)
        print(f"{len(sources)} sources, {len(refs)} probed; ffmpeg CLI: {shutil.which('ffmpeg') or 'absent'}")
        failing = 0
        for name in names:
            failing += _run_class(name, args, sources, refs)
        print(f"\n{failing} failing timelines in all" if failing else "\nevery timeline exact on every path")
        return 1 if failing and args.strict else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_class(name: str, args: argparse.Namespace, sources: dict, refs: dict) -> int:  # type: ignore[type-arg]
    """Run one class; print its summary; return how many examples failed."""
    checked: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    smallest: dict[str, tuple[int, Report]] = {}
    count = {"examples": 0, "failed": 0}
    t0 = time.perf_counter()
    phases = [Phase.generate, Phase.shrink] if args.shrink else [Phase.generate]

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(spec=CLASSES[name])
    def run(spec: Spec) -> None:
        try:
            report = check(spec, sources, refs, previews=args.previews, cli=not args.no_cli)
        except AssertionError as exc:  # the model refused the timeline
            report = None
            kind = _kind(str(exc))
            kinds["model"][kind] += 1
            errors["model"] += 1
            if args.shrink:
                raise
        if report is None:
            count["failed"] += 1
            return
        count["examples"] += 1
        size = sum(len(t) for t in spec.tracks)
        for p in report.paths:
            checked[p.name] += p.checked
            wrong[p.name] += len(p.mismatches) + len(p.sound)
            if p.error:
                errors[p.name] += 1
                kinds[p.name][_kind(p.error)] += 1
            elif p.mismatches:
                kinds[p.name]["wrong frames"] += 1
            elif p.sound:
                kinds[p.name]["misplaced sound"] += 1
            if not p.ok:
                key = _signature(p)
                if key not in smallest or size < smallest[key][0]:
                    smallest[key] = (size, report)
        if not report.ok:
            count["failed"] += 1
            sigs = " | ".join(_signature(p) for p in report.paths if not p.ok)
            if args.shrink and re.search(args.match, sigs):
                raise AssertionError(str(report))

    print(f"\n=== {name}: {args.examples} timelines ===", flush=True)
    try:
        run()
    except AssertionError as exc:
        print(f"smallest failing timeline after shrinking:\n{exc}")
    wall = time.perf_counter() - t0
    print(f"{count['examples']} timelines rendered, {count['failed']} failed, {wall:.1f}s")
    print(f"{'path':<26}{'checked':>10}{'differ':>10}{'crashed':>10}")
    for p in sorted(set(checked) | set(errors)):
        print(f"{p:<26}{checked[p]:>10}{wrong[p]:>10}{errors[p]:>10}")
    for p, ks in sorted(kinds.items()):
        for k, n in ks.most_common():
            print(f"  {p}: {n} x {k}")
    for key, (size, report) in sorted(smallest.items()):
        print(f"\n--- smallest timeline for [{key}] ({size} clips) ---\n{report}")
    return count["failed"]


if __name__ == "__main__":
    sys.exit(main())
