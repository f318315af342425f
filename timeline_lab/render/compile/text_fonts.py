"""Fonts for titles: the bundled default (DejaVu Sans), and fallback per character through fontconfig.

A title's font is tried first; a character it has no glyph for is drawn in the first font that
fontconfig (``fc-match``) sorts for it and that really maps it; a character no font has is refused
by name, never drawn as the empty box. The choice depends only on the fonts installed, so a render
and a preview on one machine draw alike.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from ...errors import RenderError
from .text_cache import DEFAULT_FONT, font_stamp

__all__ = ["DEFAULT_FONT", "FontChain", "Run", "font_chain", "load_font"]

FontFile = tuple[str, int]  # (path, face index in a collection)
Run = tuple[str, ImageFont.FreeTypeFont]  # consecutive characters drawn in one font

_FC_TIMEOUT = 20  # seconds: fc-match builds its cache on a first run


def load_font(path: str | None, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``path`` (None: the bundled DejaVu Sans), loaded again when the file changes."""
    if path is None:
        return _font(str(DEFAULT_FONT), 0, size, None)
    stamp = font_stamp(path)
    if stamp is None:
        raise RenderError(f"font file not found: {Path(path).expanduser()}")
    return _font(stamp[0], 0, size, stamp)


@functools.lru_cache(maxsize=64)
def _font(path: str, index: int, size: int, stamp: tuple[str, int, int] | None) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError as exc:
        raise RenderError(f"font file {path} cannot be read as TrueType/OpenType: {exc}") from None


@functools.lru_cache(maxsize=64)
def _cmap(path: str, index: int, stamp: tuple[str, int, int] | None) -> frozenset[int]:
    """The code points the font maps to a glyph (what Pillow would otherwise draw as the box)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    try:
        with TTFont(path, fontNumber=index, lazy=True) as tt:
            best = tt["cmap"].getBestCmap() or {}
    except Exception as exc:  # fontTools raises many types for a damaged file
        raise RenderError(f"font file {path}: its character map cannot be read: {exc}") from None
    return frozenset(best)


def _needs_glyph(ch: str) -> bool:
    """False for what follows its neighbour's font: spaces, controls, marks, joiners, selectors."""
    kind = unicodedata.category(ch)
    return kind[0] not in "ZM" and kind not in ("Cc", "Cf")


@dataclass(frozen=True)
class FontChain:
    """The title font and the fallbacks its text needs, each with the characters it draws."""

    fonts: tuple[ImageFont.FreeTypeFont, ...]
    owner: dict[str, int]  # character -> index in ``fonts`` (characters the title font lacks)

    def runs(self, line: str) -> list[Run]:
        """``line`` cut where the font changes; marks and spaces stay with the character before."""
        out: list[Run] = []
        current = 0
        start = 0
        for i, ch in enumerate(line):
            which = self.owner.get(ch, 0) if _needs_glyph(ch) else current
            if which != current and i > start:
                out.append((line[start:i], self.fonts[current]))
                start = i
            current = which
        if start < len(line):
            out.append((line[start:], self.fonts[current]))
        return out


def font_chain(path: str | None, size: int, text: str) -> FontChain:
    """The fonts that draw ``text``: the title font, then a fallback for each character it lacks."""
    primary = load_font(path, size)
    file = str(DEFAULT_FONT) if path is None else str(Path(path).expanduser().resolve())
    stamp = None if path is None else font_stamp(path)
    have = _cmap(file, 0, stamp)
    missing = frozenset(ch for ch in text if _needs_glyph(ch) and ord(ch) not in have)
    if not missing:
        return FontChain((primary,), {})
    found = _fallbacks(missing)
    lost = sorted(missing - found.keys())
    if lost:
        names = ", ".join(f"{ch!r} U+{ord(ch):04X}" for ch in lost[:12]) + (" ..." if len(lost) > 12 else "")
        raise RenderError(
            f"no installed font has {names}: the title font {Path(file).name} lacks them"
            f"{'' if shutil.which('fc-match') else ' and fontconfig (fc-match) is not installed'}; "
            "install a font that covers them (e.g. Debian's fonts-noto-core or fonts-noto-cjk) "
            "or set the style's font to one"
        )
    files = sorted(set(found.values()), key=list(found.values()).index)
    fonts = (primary, *(_font(f, i, size, font_stamp(f)) for f, i in files))
    return FontChain(fonts, {ch: files.index(found[ch]) + 1 for ch in missing})


@functools.lru_cache(maxsize=256)
def _fallbacks(missing: frozenset[str]) -> dict[str, FontFile]:
    """For each character, the first font fontconfig sorts for it that maps it and loads scaled."""
    fc = shutil.which("fc-match")
    if fc is None:
        return {}
    charset = " ".join(f"{ord(ch):x}" for ch in sorted(missing))
    try:
        done = subprocess.run(
            [fc, "-s", "-f", "%{file}\t%{index}\n", f"sans-serif:charset={charset}"],
            capture_output=True,
            text=True,
            timeout=_FC_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {}
    found: dict[str, FontFile] = {}
    for row in done.stdout.splitlines():
        file, _, index = row.partition("\t")
        if not file or not index.isdigit() or not Path(file).is_file():
            continue
        face = (file, int(index))
        try:
            have = _cmap(file, face[1], font_stamp(file))
            _font(file, face[1], 16, font_stamp(file))  # a fixed-size bitmap face (colour emoji) cannot scale
        except RenderError:
            continue
        for ch in missing - found.keys():
            if ord(ch) in have:
                found[ch] = face
        if len(found) == len(missing):
            break
    return found
