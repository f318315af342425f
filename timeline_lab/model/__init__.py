"""The project model: exact time, tracks, clips, transitions, effects, markers, nested sequences, edits."""

from .history import History, Operation
from .items import Clip, Gap, Item, SequenceClip, TextClip
from .keyframes import Keyframe
from .marker import Marker
from .media_ref import MediaReference
from .project import Project
from .properties import ColorCorrection, Crop, Effect, TextStyle, Transform
from .settings import ProjectSettings
from .time import RationalTime, TimeRange, parse_rate
from .track import Track
from .transition import Transition

__all__ = [
    "Clip",
    "ColorCorrection",
    "Crop",
    "Effect",
    "Gap",
    "History",
    "Item",
    "Keyframe",
    "Marker",
    "MediaReference",
    "Operation",
    "Project",
    "ProjectSettings",
    "RationalTime",
    "SequenceClip",
    "TextClip",
    "TextStyle",
    "TimeRange",
    "Track",
    "Transform",
    "Transition",
    "parse_rate",
]
