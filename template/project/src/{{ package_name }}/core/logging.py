"""Structured logs: one JSON object per line on stdout (readable lines in development).

Every record, from the application or a library, goes through the same structlog processors,
and carries the request id bound for the current request (and, when traced, its trace and span).
The application's own lines, the access line of every request among them, are rendered by
structlog and written straight to the stdout handler's stream, under the handler's lock: the
standard `logging` machinery (a record, the handlers, the formatter) costs several times more
per line and is left to what libraries log.
"""

import logging.config
from collections.abc import MutableMapping
from typing import Any, ClassVar, Literal, cast

import structlog

from .tracing import add_trace_context

LogFormat = Literal["json", "console"]

_LEVELS = logging.getLevelNamesMapping()
_METHOD_LEVELS = {"exception": _LEVELS["ERROR"], "warn": _LEVELS["WARNING"]}


def _drop_color_message(
    _: object, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # Uvicorn adds an ANSI-coloured copy of its messages; the event already says it.
    event.pop("color_message", None)
    return event


_COMMON_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    add_trace_context,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _renderer(log_format: LogFormat) -> Any:
    if log_format == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=False)


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` mapping (also used by gunicorn's `logconfig_dict`)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": [
                    *_COMMON_PROCESSORS,
                    structlog.stdlib.ExtraAdder(),
                    _drop_color_message,
                ],
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    _renderer(log_format),
                ],
            },
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Servers log through the root handler; the application writes the access lines.
            "gunicorn.error": {"handlers": [], "propagate": True},
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }


class _Output:
    """The stdout handler, level and renderer of the last `configure_logging`, which loggers
    made before it follow too (structlog keeps each module's logger, and its processors, from
    its first use on)."""

    handler: ClassVar[logging.StreamHandler[Any] | None] = None
    level: ClassVar[int] = logging.INFO
    renderer: ClassVar[Any] = structlog.processors.JSONRenderer()


def _drop_below_level(
    _: object, method_name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    level = _METHOD_LEVELS.get(method_name) or _LEVELS[method_name.upper()]
    if level < _Output.level:
        raise structlog.DropEvent
    return event


def _render(logger: Any, method_name: str, event: MutableMapping[str, Any]) -> Any:
    return _Output.renderer(logger, method_name, event)


class LineLogger:
    """The application's structlog logger: writes each rendered line to the stdout handler."""

    def __init__(self, name: str = "app") -> None:
        self.name = name

    def msg(self, line: str) -> None:
        handler = _Output.handler
        if handler is None:  # logging is not configured yet
            return
        handler.acquire()  # the lock of library records too: lines never interleave
        try:
            handler.stream.write(line + "\n")
            handler.stream.flush()
        finally:
            handler.release()

    debug = info = warning = warn = error = exception = critical = fatal = msg


def configure_logging(level: str, log_format: LogFormat) -> None:
    logging.config.dictConfig(logging_config(level, log_format))
    (handler,) = logging.getLogger().handlers  # the "stdout" handler configured just above
    _Output.handler = cast("logging.StreamHandler[Any]", handler)
    _Output.level = _LEVELS[level]
    _Output.renderer = _renderer(log_format)
    structlog.configure(
        processors=[
            _drop_below_level,
            *_COMMON_PROCESSORS,
            structlog.processors.format_exc_info,
            _render,
        ],
        logger_factory=LineLogger,
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
