"""Per-clip picture and sound settings: transform, crop, colour, and typed effects."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import first_error
from ._base import Model, PathText, new_id
from .annotation import AnnotateParams, FrameFunctionParams

__all__ = ["EFFECT_PARAMS", "ColorCorrection", "Crop", "Effect", "TextStyle", "Transform"]


_FAR = 1e6
"""Pixels (or degrees) a placement may reach: far past any canvas, short of float overflow."""
_LARGEST = 1000.0
"""A scale factor at most (a 1x1 picture to a 1000-pixel canvas)."""


def _within(limit: float) -> Callable[[float], float]:
    """A check that a value is at most ``limit`` either way (a validator, not a bound the editor's
    curves would scale to)."""

    def check(v: float) -> float:
        if abs(v) > limit:
            raise ValueError(f"must be within +-{limit:g}, got {v:g}")
        return v

    return check


Reach = Annotated[float, AfterValidator(_within(_FAR))]
Scale = Annotated[float, Field(gt=0), AfterValidator(_within(_LARGEST))]


class Transform(Model):
    """Placement over the canvas: offsets in pixels, scale factors, rotation in degrees."""

    x: Reach = 0.0
    y: Reach = 0.0
    scale_x: Scale = 1.0
    scale_y: Scale = 1.0
    rotation: Reach = 0.0
    anchor_x: float = Field(0.5, ge=0, le=1)
    anchor_y: float = Field(0.5, ge=0, le=1)

    @property
    def is_identity(self) -> bool:
        """True when the clip is simply fitted to the canvas."""
        return self == Transform()


class Crop(Model):
    """Pixels removed from each edge of the source picture before placement."""

    left: int = Field(0, ge=0, le=_FAR)  # (10^400 loaded, then overflowed the render's float math)
    top: int = Field(0, ge=0, le=_FAR)
    right: int = Field(0, ge=0, le=_FAR)
    bottom: int = Field(0, ge=0, le=_FAR)

    @property
    def is_identity(self) -> bool:
        """True when nothing is cropped."""
        return self == Crop()


class ColorCorrection(Model):
    """Basic grading; neutral values leave the picture untouched."""

    brightness: float = Field(0.0, ge=-1, le=1)
    contrast: float = Field(1.0, ge=0, le=4)
    saturation: float = Field(1.0, ge=0, le=4)
    gamma: float = Field(1.0, gt=0, le=10)
    hue: float = Field(0.0, ge=-180, le=180)

    @property
    def is_identity(self) -> bool:
        """True when no grading applies."""
        return self == ColorCorrection()


_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def rgba(value: str) -> tuple[int, int, int, int]:
    """A colour as Pillow, which draws titles, reads it (hex forms without loading Pillow), or a
    ValueError that says which forms it reads."""
    if isinstance(value, str) and _HEX.fullmatch(value):
        digits = value[1:] if len(value) > 5 else "".join(c * 2 for c in value[1:])
        digits += "ff" if len(digits) == 6 else ""
        r, g, b, a = (int(digits[k : k + 2], 16) for k in range(0, 8, 2))
        return r, g, b, a
    from PIL import ImageColor  # here: a project that only plays cached titles never loads Pillow

    try:
        got = ImageColor.getcolor(value, "RGBA")
    except (ValueError, TypeError, AttributeError):
        got = ()
    if not isinstance(got, tuple) or len(got) != 4:
        raise ValueError(f"bad colour {value!r} (use '#rgb', '#rrggbb', '#rrggbbaa' or a colour name)")
    return got[0], got[1], got[2], got[3]


def _colour(value: str) -> str:
    """``value`` when it is a colour titles can be drawn in: refused where typed or loaded."""
    rgba(value)
    return value


Colour = Annotated[str, AfterValidator(_colour)]
"""A text colour: '#rgb', '#rrggbb', '#rrggbbaa', a CSS name or rgb()/hsl(), as Pillow reads them."""


class TextStyle(Model):
    """How text is drawn (rasterized with Pillow: this FFmpeg build has no drawtext or libass)."""

    font: PathText | None = Field(None, description="TTF/OTF file; None means DejaVu Sans (shipped)")
    font_size: int = Field(48, gt=0, le=1000)
    color: Colour = "#ffffff"
    outline_color: Colour = "#000000"
    outline_width: int = Field(0, ge=0, le=50)
    shadow_color: Colour = "#000000a0"
    shadow_offset: int = Field(0, ge=0, le=100)
    box_color: Colour | None = None
    box_padding: int = Field(8, ge=0, le=200)
    align: Literal["left", "center", "right"] = "center"
    line_spacing: float = Field(1.2, ge=0.5, le=4)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Blur(_Params):
    sigma: float = Field(8.0, gt=0, le=100)


class _Sharpen(_Params):
    amount: float = Field(1.0, ge=-2, le=5)


class _Vignette(_Params):
    angle: float = Field(0.63, gt=0, le=1.57)


class _Grain(_Params):
    strength: int = Field(10, ge=0, le=100)


class _ChromaKey(_Params):
    color: str = "0x00ff00"
    similarity: float = Field(0.1, gt=0, le=1)
    blend: float = Field(0.0, ge=0, le=1)


class _Lut(_Params):
    path: PathText


class _Fade(_Params):
    frames: int = Field(15, gt=0)
    color: Literal["black", "white"] = "black"


class _Freeze(_Params):
    frame: int = Field(0, ge=0)


EFFECT_PARAMS: dict[str, type[BaseModel]] = {
    "blur": _Blur,
    "sharpen": _Sharpen,
    "vignette": _Vignette,
    "grain": _Grain,
    "chroma_key": _ChromaKey,
    "lut": _Lut,
    "fade_in": _Fade,
    "fade_out": _Fade,
    "reverse": _Params,
    "freeze": _Freeze,
    "annotate": AnnotateParams,
    "frame_function": FrameFunctionParams,
}
"""Built-in effect kinds and their parameter schemas; plugin kinds are namespaced ``plugin.kind``."""


class Effect(Model):
    """One effect on a clip; built-in kinds have their parameters checked and defaulted."""

    id: str = Field(default_factory=lambda: new_id("fx"))
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True

    @model_validator(mode="after")
    def _check_params(self) -> Effect:
        schema = EFFECT_PARAMS.get(self.kind)
        if schema is None:
            if "." not in self.kind:
                known = ", ".join(sorted(EFFECT_PARAMS))
                msg = f"unknown effect kind {self.kind!r} (built-in: {known}; plugins use 'name.kind')"
                raise ValueError(msg)
            return self
        try:
            checked = schema.model_validate(self.params).model_dump()
        except ValidationError as exc:
            where, msg = first_error(exc)
            raise ValueError(f"{self.kind} params.{where}: {msg}") from None
        if checked != self.params:
            object.__setattr__(self, "params", checked)
        return self
