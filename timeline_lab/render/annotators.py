"""Detections drawn with Pillow as RGBA pictures, one per source frame (boxes, labels, traces, masks,
heat maps, zones), in the style of supervision's annotators.

supervision draws onto the BGR frame with OpenCV; the render engine needs straight-alpha overlays
(composited by libavfilter through the clip's crop, effects and transform), so the drawing is done
here with Pillow and only supervision's vocabulary (palette by class or track, thickness, label
template) is kept, without adding its OpenCV/matplotlib dependencies.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from ..core.file_hash import file_sha256
from ..errors import RenderError
from ..model.annotation import ANNOTATION_COLUMNS, AnnotateParams, AnnotationStyle
from .compile.text_fonts import font_chain
from .live import Pixels

__all__ = ["Annotator", "detections_table", "file_sha256"]

RGBA = tuple[int, int, int, int]
_HEAT_SCALE = 4  # the heat map is accumulated at 1/4 size, then scaled up


def detections_table(params: AnnotateParams, *, clip: str = "?") -> Any:
    """The rows to draw (a Polars frame): inline columns, or the Parquet file once its sha256 matches."""
    import polars as pl

    if params.columns is not None:
        df = pl.DataFrame(params.columns, strict=False)
    else:
        assert params.table is not None  # AnnotateParams holds exactly one of the two
        path = Path(params.table.path).expanduser()
        if not path.is_file():
            raise RenderError(f"clip {clip!r}: detections file {path} not found")
        if file_sha256(path) != params.table.sha256:
            raise RenderError(f"clip {clip!r}: detections file {path} changed since it was attached (sha256)")
        df = pl.read_parquet(path)
        if params.source is not None and "source" in df.columns:
            df = df.filter(pl.col("source") == params.source)
        missing = [c for c in ANNOTATION_COLUMNS if c not in df.columns]
        if missing:
            raise RenderError(f"clip {clip!r}: detections file {path} lacks columns {', '.join(missing)}")
    return df


def _rgba(value: str, what: str) -> RGBA:
    try:
        c = ImageColor.getcolor(value, "RGBA")
    except (ValueError, TypeError) as exc:
        raise RenderError(f"annotation style {what}: bad colour {value!r} ({exc})") from None
    assert isinstance(c, tuple) and len(c) == 4  # RGBA mode gives four channels
    return c[0], c[1], c[2], c[3]


class _Label(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        raise RenderError(
            f"annotation label template: unknown field {{{key}}} (class_name, class_id, conf, track_id)"
        )


class Annotator:
    """Draws one source frame's annotations; built once per clip from its table and style."""

    def __init__(
        self, table: Any, style: AnnotationStyle, size: tuple[int, int], offset: tuple[int, int] = (0, 0)
    ):
        self.style, self.size = style, size
        cols = {c: table[c].to_numpy() for c in ("frame", "x1", "y1", "x2", "y2")}
        self.frame = cols["frame"].astype(np.int64)
        ox, oy = offset
        self.box = np.stack([cols["x1"] - ox, cols["y1"] - oy, cols["x2"] - ox, cols["y2"] - oy], 1).astype(
            float
        )
        self.class_id = table["class_id"].fill_null(-1).to_numpy().astype(np.int64)
        self.class_name = [str(x) for x in table["class_name"].to_list()]
        self.conf = table["conf"].fill_null(float("nan")).to_numpy().astype(float)
        self.track = table["track_id"].fill_null(-1).to_numpy().astype(np.int64)
        self.polygon = table["polygon"].to_list() if "polygon" in table.columns else None
        self.offset = offset
        self.rows: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(self.frame.tolist()):
            self.rows[f].append(i)
        self.sampled = sorted(self.rows)
        self.palette = [_rgba(c, "palette") for c in style.palette]
        self.text_color = _rgba(style.text_color, "text_color")
        self.zone_color = _rgba(style.zone_color, "zone_color")

    def color(self, i: int) -> RGBA:
        """Row ``i``'s colour: by track id (else class) or by class id, from the palette."""
        key = self.track[i] if self.style.color_by == "track" and self.track[i] >= 0 else self.class_id[i]
        return self.palette[int(key) % len(self.palette)]

    def draw(self, j: int) -> Pixels | None:
        """The RGBA picture for source frame ``j`` (None when nothing is drawn on it)."""
        s = self.style
        rows = self._sighting(j)
        if not (rows or s.zones or s.heat or s.traces):
            return None
        image = Image.new("RGBA", self.size, (0, 0, 0, 0))
        drawn = False
        if s.heat:
            drawn |= self._heat(image, j)
        if s.masks and self.polygon is not None:
            drawn |= self._masks(image, rows)
        pen = ImageDraw.Draw(image)
        for zone in s.zones:
            pts = [(x - self.offset[0], y - self.offset[1]) for x, y in zone]
            if len(pts) >= 2:
                pen.line([*pts, pts[0]], fill=self.zone_color, width=s.thickness)
                drawn = True
        if s.traces:
            drawn |= self._traces(pen, rows, j)
        for i in rows:
            if s.boxes:
                pen.rectangle(tuple(self.box[i]), outline=self.color(i), width=s.thickness)  # type: ignore[arg-type]
                drawn = True
        if s.labels:
            for i in rows:
                self._label(pen, i)
                drawn = True
        return np.asarray(image) if drawn else None

    def _sighting(self, j: int) -> list[int]:
        """Rows of the latest sampled frame at or before ``j``, if within ``hold`` frames of it."""
        at = bisect.bisect_right(self.sampled, j) - 1
        if at < 0 or j - self.sampled[at] >= self.style.hold:
            return []
        return self.rows[self.sampled[at]]

    def _label(self, pen: ImageDraw.ImageDraw, i: int) -> None:
        track = int(self.track[i])
        fields = _Label(
            class_name=self.class_name[i], class_id=int(self.class_id[i]), conf=float(self.conf[i]),
            track_id=track if track >= 0 else "-",
        )  # fmt: skip
        text = self.style.label.format_map(fields)
        if not text:
            return
        x1, y1 = float(self.box[i][0]), float(self.box[i][1])
        try:  # class names in any script, drawn as titles are
            chain = font_chain(None, self.style.font_size, text)
        except RenderError as exc:
            raise RenderError(f"annotation label {text!r}: {exc}") from None
        runs = chain.runs(text)
        ascent = max(f.getmetrics()[0] for f in chain.fonts)
        descent = max(f.getmetrics()[1] for f in chain.fonts)
        pad = max(2, self.style.font_size // 6)
        w = round(sum(f.getlength(part) for part, f in runs)) + 2 * pad
        h = ascent + descent + 2 * pad
        y = y1 - h if y1 - h >= 0 else y1  # above the box, inside it at the picture's top edge
        pen.rectangle((x1, y, x1 + w, y + h), fill=self.color(i))
        x = x1 + pad
        for part, font in runs:
            pen.text((x, y + pad + ascent), part, fill=self.text_color, font=font, anchor="ls")
            x += font.getlength(part)

    def _traces(self, pen: ImageDraw.ImageDraw, rows: list[int], j: int) -> bool:
        """Each shown track's centres over its last ``traces`` source frames up to ``j``."""
        drawn = False
        for i in rows:
            track = self.track[i]
            if track < 0:
                continue
            mine = np.nonzero(
                (self.track == track) & (self.frame <= j) & (self.frame > j - self.style.traces)
            )[0]
            mine = mine[np.argsort(self.frame[mine], kind="stable")]
            b = self.box[mine]
            pts = list(
                zip(((b[:, 0] + b[:, 2]) / 2).tolist(), ((b[:, 1] + b[:, 3]) / 2).tolist(), strict=True)
            )
            if len(pts) >= 2:
                pen.line(pts, fill=self.color(i), width=self.style.thickness, joint="curve")
                drawn = True
        return drawn

    def _masks(self, image: Image.Image, rows: list[int]) -> bool:
        assert self.polygon is not None
        layer = Image.new("RGBA", self.size, (0, 0, 0, 0))
        pen = ImageDraw.Draw(layer)
        alpha = round(255 * self.style.fill_opacity)
        drawn = False
        for i in rows:
            poly = self.polygon[i]
            if poly is None or len(poly) < 3:
                continue
            r, g, b, _ = self.color(i)
            pen.polygon(
                [(float(x) - self.offset[0], float(y) - self.offset[1]) for x, y in poly],
                fill=(r, g, b, alpha),
            )
            drawn = True
        if drawn:
            image.alpha_composite(layer)
        return drawn

    def _heat(self, image: Image.Image, j: int) -> bool:
        """Box centres of the last ``heat`` source frames, blurred, coloured blue -> red."""
        near = (self.frame <= j) & (self.frame > j - self.style.heat)
        if not near.any():
            return False
        w, h = self.size
        gw, gh = max(1, w // _HEAT_SCALE), max(1, h // _HEAT_SCALE)
        b = self.box[near]
        cx = np.clip(((b[:, 0] + b[:, 2]) / 2 / _HEAT_SCALE).astype(int), 0, gw - 1)
        cy = np.clip(((b[:, 1] + b[:, 3]) / 2 / _HEAT_SCALE).astype(int), 0, gh - 1)
        grid = np.zeros((gh, gw), np.float32)
        np.add.at(grid, (cy, cx), 1.0)
        radius = max(2.0, float(np.median(b[:, 2] - b[:, 0])) / _HEAT_SCALE / 3)
        heat = _gaussian(_gaussian(grid, radius, 0), radius, 1)
        top = float(heat.max())
        if top <= 0:
            return False
        v = heat / top
        rgba = np.zeros((gh, gw, 4), np.uint8)
        rgba[..., 0] = np.clip(v * 2, 0, 1) * 255
        rgba[..., 1] = np.clip(1 - np.abs(v - 0.5) * 2, 0, 1) * 255
        rgba[..., 2] = np.clip(1 - v * 2, 0, 1) * 255
        rgba[..., 3] = np.clip(v, 0, 1) * 255 * self.style.fill_opacity
        layer = Image.fromarray(rgba, "RGBA").resize(self.size, Image.Resampling.BILINEAR)
        image.alpha_composite(layer)
        return True


def _gaussian(a: np.ndarray[Any, np.dtype[np.float32]], sigma: float, axis: int) -> np.ndarray[Any, Any]:
    """Gaussian blur along one axis in float (Pillow blurs 8-bit images, which rounds small heat away)."""
    r = max(1, round(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    taps /= taps.sum()
    pad = [(0, 0), (0, 0)]
    pad[axis] = (r, r)
    padded = np.pad(a, pad)
    n = a.shape[axis]
    out = np.zeros_like(a)
    for i, w in enumerate(taps):
        out += w * (padded[i : i + n] if axis == 0 else padded[:, i : i + n])
    return out
