"""Encoders and export presets: which codec, container and options an export resolves to."""
