"""Log lines about our requests without media tokens, access keys or quoted raw request bytes."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

from tornado.web import RequestHandler

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "install_redaction",
    "log_request",
    "redact_quoted_input",
    "redact_uri",
]

log = logging.getLogger("timeline_lab.server")

REDACTED = "<redacted>"
# The token segment of a media URL, and query values whose names say secret (Jupyter's own list).
_PATH_TOKEN = re.compile(r"(/timeline-lab/media/)[^/?#\s'\"]+")
_PARAM = re.compile(r"([?&][^=&#\s'\"]*=)[^&#\s'\"]*")
_SECRET_NAME = re.compile(r"key|token|auth|code|state|xsrf", re.I)
# Tornado's own lines that quote raw request bytes: an invalid header value (maybe the key) or argument.
_QUOTED_INPUT = re.compile(r"(Invalid (?:header value|unicode in \S+:)) .*", re.S)


def redact_uri(text: str) -> str:
    """``text`` with media tokens and secret query values (``key=``, ``token=``...) replaced; a
    name is read as the server reads it, percent-decoded (``?k%65y=`` is ``key``)."""
    return _PARAM.sub(_secret_value, _PATH_TOKEN.sub(r"\1" + REDACTED, text))


def _secret_value(match: re.Match[str]) -> str:
    name = match.group(1)
    return name + REDACTED if _SECRET_NAME.search(unquote_plus(name)) else match.group(0)


def redact_quoted_input(text: str) -> str:
    """``text`` without the raw request bytes Tornado quotes in its errors (maybe a bad key's value)."""
    return _QUOTED_INPUT.sub(r"\1 " + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record's text without tokens, keys or quoted raw request bytes.

    Installed on the loggers that write lines about our requests (Tornado's, Jupyter's): the handlers
    already log redacted URIs; this also catches lines written before a handler exists, such as
    Tornado's "Malformed HTTP message ... Invalid header value '<the key>'". Only lines naming a
    ``/timeline-lab/`` URL are rewritten: the URL Jupyter prints at start, with its own login token,
    is what the user opens (Jupyter scrubs that token from its request logs itself).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a broken format: logging reports it; nothing to redact
            return True
        clean = redact_quoted_input(text)
        if "/timeline-lab/" in clean:  # a line about our routes; Jupyter's own startup URL stays usable
            clean = redact_uri(clean)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def install_redaction(*loggers: logging.Logger) -> None:
    """Add one ``RedactingFilter`` to each logger (idempotent)."""
    for logger in loggers:
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def log_request(handler: RequestHandler) -> None:
    """Access log line; the URI in it is already redacted (see ``_ServiceHandler.initialize``)."""
    status = handler.get_status()
    level = logging.ERROR if status >= 500 else logging.DEBUG
    if not log.isEnabledFor(level):  # the usual case: no line, so no redaction or formatting either
        return
    ms = 1000.0 * handler.request.request_time()
    log.log(
        level, "%d %s %s %.1fms", status, handler.request.method, redact_uri(handler.request.uri or ""), ms
    )
