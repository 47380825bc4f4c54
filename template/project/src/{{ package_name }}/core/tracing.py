"""OpenTelemetry traces, off unless an OTLP endpoint is configured.

Everything is read from the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns tracing on; OTEL_EXPORTER_OTLP_PROTOCOL picks
`http/protobuf` (the default) or `grpc`; OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
OTEL_TRACES_SAMPLER, OTEL_PROPAGATORS (W3C `traceparent` by default) and OTEL_BSP_* mean what
the OpenTelemetry specification says. With tracing off nothing is instrumented and no span is
made: the cost is nil.

Each framework calls `configure_tracing` in its worker (after gunicorn's fork: the exporter's
thread does not survive a fork), then instruments its application, ORM and driver.
"""

import os
from collections.abc import MutableMapping
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

DEFAULT_SERVICE_NAME = "{{ project_slug }}"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def tracing_requested() -> bool:
    """An OTLP endpoint is set and OTEL_SDK_DISABLED does not say otherwise."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name, "").strip() for name in _ENDPOINT_VARIABLES)


def _otlp_exporter() -> SpanExporter:
    protocol = (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol == "grpc":
        # Imported only when chosen: gRPC is the heavier of the two.
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter()
    if protocol != "http/protobuf":
        raise SystemExit(
            f"Invalid configuration: OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported"
            " (use http/protobuf or grpc)"
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    return HttpSpanExporter()


def configure_tracing(exporter: SpanExporter | None = None) -> bool:
    """Install a tracer provider exporting to OTLP (or to `exporter`, for tests).

    Returns whether tracing is on; when it is, the caller instruments its framework and ORM.
    Redis and httpx are instrumented here, for every framework.
    """
    global _enabled
    if exporter is None:
        if not tracing_requested():
            return False
        exporter = _otlp_exporter()
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    _enabled = True
    return True


_enabled = False


def add_trace_context(
    _: object, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: `trace_id` and `span_id` of the current span, when traced."""
    if not _enabled:
        return event
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event
