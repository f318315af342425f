"""Built-in title templates: TextClips with keyframed in/out animation, placed as one undo step.

``place(project, lower_third(project, "Ada Lovelace", "Analyst"), at=50)`` adds the template's
layers on new tracks; afterwards they are ordinary titles (edit, keyframe, save, undo them).
"""

from ._credits import Credit, credit_lines, credits_roll
from ._full_screen import caption, full_screen
from ._lower_third import lower_third
from ._relabel import relabel_lower_third
from ._title import SAFE, Title, place, placed_group, template_of

__all__ = [
    "SAFE",
    "Credit",
    "Title",
    "caption",
    "credit_lines",
    "credits_roll",
    "full_screen",
    "lower_third",
    "place",
    "placed_group",
    "relabel_lower_third",
    "template_of",
]
