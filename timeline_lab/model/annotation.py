"""Parameters of the ``annotate`` and ``frame_function`` effects: plain JSON saved with the project.

Detections are kept inline (``columns``, at most :data:`INLINE_ROWS` rows, so a small table travels
inside the project file) or by reference (``table``: a Parquet file and its sha256, so a large table
does not bloat the project JSON and a changed file is refused rather than silently drawn).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ANNOTATION_COLUMNS",
    "DEFAULT_PALETTE",
    "INLINE_ROWS",
    "AnnotateParams",
    "AnnotationStyle",
    "DetectionsFile",
    "FrameFunctionParams",
]

INLINE_ROWS = 2000
"""Largest table saved inside the project; larger ones are saved as Parquet and referenced."""

ANNOTATION_COLUMNS = ("frame", "class_id", "class_name", "conf", "x1", "y1", "x2", "y2", "track_id")
"""What drawing needs of ``recognition.DETECTION_SCHEMA`` (``polygon`` too, when masks are drawn)."""

DEFAULT_PALETTE = (
    "#a351fb", "#e6194b", "#3cb44b", "#ffe119", "#0082c8", "#f58231", "#46f0f0", "#f032e6",
    "#d2f53c", "#fabebe", "#008080", "#e6beff", "#aa6e28", "#fffac8", "#800000", "#aaffc3",
)  # fmt: skip
"""One colour per class id (or track id), cycled; as supervision's default palette does."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnnotationStyle(_Params):
    """What to draw and how, after supervision's annotators (Box, Label, Trace, Mask, HeatMap, Zone)."""

    boxes: bool = True
    hold: int = Field(1, ge=1, le=10_000)
    """Source frames a sighting stays drawn: 1 (exact) draws it on its own frame only; with results
    sampled every N frames, ``hold=N`` draws the latest sighting until the next."""
    labels: bool = True
    label: str = "{class_name} {conf:.2f}"
    """Label template; fields: ``class_name``, ``class_id``, ``conf``, ``track_id`` (``-`` if none)."""
    traces: int = Field(0, ge=0, le=10_000)
    """Draw each track's last N centre positions (source frames up to the one shown); 0: none."""
    masks: bool = False
    """Fill each detection's ``polygon`` (segmentation models) translucently."""
    heat: int = Field(0, ge=0, le=100_000)
    """Heat map of box centres over the last N source frames; 0: none."""
    zones: list[list[tuple[float, float]]] = Field(default_factory=list)
    """Polygons in source pixels, outlined (``analysis.zones`` polygons fit here)."""
    color_by: Literal["class", "track"] = "class"
    palette: list[str] = Field(default_factory=lambda: list(DEFAULT_PALETTE), min_length=1)
    thickness: int = Field(2, ge=1, le=100)
    font_size: int = Field(16, ge=4, le=500)
    text_color: str = "#000000"
    zone_color: str = "#ffffff"
    fill_opacity: float = Field(0.4, ge=0, le=1)
    """Opacity of mask fills and of the heat map at its hottest."""


class DetectionsFile(_Params):
    """A detections table saved as Parquet, with the sha256 of its bytes when it was attached."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class AnnotateParams(_Params):
    """Parameters of the ``annotate`` effect: the detections (inline or by file) and the style."""

    columns: dict[str, list[Any]] | None = None
    """Inline table: :data:`ANNOTATION_COLUMNS` (and ``polygon``) as equal-length lists."""
    table: DetectionsFile | None = None
    source: str | None = None
    """Draw only rows of this source (the ``source`` column); None: every row."""
    style: AnnotationStyle = Field(default_factory=AnnotationStyle)

    @model_validator(mode="after")
    def _one_table(self) -> AnnotateParams:
        if (self.columns is None) == (self.table is None):
            raise ValueError("give the detections either inline (columns) or by file (table), not both")
        if self.columns is not None:
            missing = [c for c in ANNOTATION_COLUMNS if c not in self.columns]
            if missing:
                raise ValueError(f"columns: missing {', '.join(missing)}")
            extra = set(self.columns) - {*ANNOTATION_COLUMNS, "polygon"}
            if extra:
                raise ValueError(f"columns: unexpected {', '.join(sorted(extra))}")
            lengths = {len(v) for v in self.columns.values()}
            if len(lengths) > 1:
                raise ValueError(f"columns: lists of different lengths {sorted(lengths)}")
            if lengths and max(lengths) > INLINE_ROWS:
                raise ValueError(f"columns: more than {INLINE_ROWS} rows; save them as Parquet (table)")
        return self


class FrameFunctionParams(_Params):
    """Parameters of the ``frame_function`` effect: the name a Python function is registered under."""

    name: str = Field(min_length=1, max_length=200)
