"""Structured logs: one JSON object per line on stdout (readable lines in development).

Every record, from the application or a library, goes through the same structlog pipeline,
and carries the request id bound for the current request (and, when traced, its trace and span).
"""

import logging.config
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

from .tracing import add_trace_context

LogFormat = Literal["json", "console"]


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


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` mapping (also used by gunicorn's `logconfig_dict`)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
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
                    renderer,
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


def configure_logging(level: str, log_format: LogFormat) -> None:
    logging.config.dictConfig(logging_config(level, log_format))
    structlog.configure(
        processors=[*_COMMON_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
