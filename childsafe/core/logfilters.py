"""Logging filters."""

from __future__ import annotations

import logging


class QuietForbidden(logging.Filter):
    """A 403 is the service working as designed: log the line, never a traceback (issue 16)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
