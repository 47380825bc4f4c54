"""/openapi.json and /docs/ as every variant serves them: the document in the JSON of every
response (compact application/json, no download name), the redirect without a body."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponsePermanentRedirect
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response


class CompactJSONRenderer(OpenApiJsonRenderer):
    """drf-spectacular's JSON, compact, as application/json."""

    media_type = "application/json"

    def get_indent(self, accepted_media_type: str, renderer_context: Mapping[str, Any]) -> None:
        return None


class OpenAPIView(SpectacularAPIView):
    """drf-spectacular's view of the document, served inline (one renderer: no `Vary: Accept`)."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        finalized = super().finalize_response(request, response, *args, **kwargs)
        finalized.headers.pop("Content-Disposition", None)
        return finalized


openapi = OpenAPIView.as_view(renderer_classes=[CompactJSONRenderer])


def docs_with_slash(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """A redirect without a body (so without a Content-Type), as in every variant."""
    response = HttpResponsePermanentRedirect("/docs")
    del response["Content-Type"]
    return response
