"""The YouTube plugin's pydantic models: video metadata and command payloads.

Apart from ``youtube.py`` so that registering the plugin, at every Studio's start, does not build
them; ``youtube`` imports this module on the first upload or command.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = ["JOB_ID", "UploadConfig", "UploadRequest", "VideoMetadata"]

JOB_ID = r"^[A-Za-z0-9_.-]{1,64}$"
"""What an upload's job id may be."""


class VideoMetadata(BaseModel):
    """What YouTube shows: checked here against its limits so a bad title fails before any byte is sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    tags: tuple[str, ...] = ()
    privacy: Literal["private", "unlisted", "public"] = "private"
    category: str = Field("22", pattern=r"^\d{1,3}$", description="YouTube category id (22: People & Blogs)")
    made_for_kids: bool | None = None

    @field_validator("title", "description")
    @classmethod
    def _text(cls, v: str, info: ValidationInfo) -> str:
        if "<" in v or ">" in v:
            raise ValueError("YouTube does not accept '<' or '>'")
        if info.field_name == "title" and not v.strip():
            raise ValueError("title is blank")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if sum(len(t) + (2 if " " in t else 0) for t in v) + max(0, len(v) - 1) > 500:
            raise ValueError("tags exceed YouTube's 500 character limit")
        return v

    def resource(self) -> dict[str, Any]:
        """The ``snippet`` and ``status`` parts of a ``videos.insert`` body."""
        snippet: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "categoryId": self.category,
        }
        if self.tags:
            snippet["tags"] = list(self.tags)
        status: dict[str, Any] = {"privacyStatus": self.privacy}
        if self.made_for_kids is not None:
            status["selfDeclaredMadeForKids"] = self.made_for_kids
        return {"snippet": snippet, "status": status}


class UploadRequest(VideoMetadata):
    """The ``upload`` command's payload: the metadata, the file and an optional job id."""

    path: str = Field(min_length=1)
    job_id: str | None = Field(None, pattern=JOB_ID)


class UploadConfig(BaseModel):
    """The ``configure`` command's payload."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    chunk_size: int | None = None
    account: str | None = Field(None, pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
