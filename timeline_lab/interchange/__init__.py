"""Timelines in and out of other tools' formats (OpenTimelineIO), with the media probed."""
