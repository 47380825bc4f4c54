"""The base of every /api/v1 view: methods, rate limits, authentication, then bodies DRF can
parse."""

from collections.abc import Sequence
from typing import Any

from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from .throttling import DefaultRateThrottle, TokenBucketThrottle

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ContractMixin(APIView):
    """Checks the contract's rules in the contract's order: 405, rate limit, 401, 415, 422.

    A method the view does not answer is a 405 (with `Allow`) first, as a routing error is in
    the other variants; DRF itself would look for the handler only after everything below.
    DRF throttles after authenticating and checking permissions, so requests with no token or
    a refused one would never count; here the buckets are checked first, and every response
    of a limited view carries the RateLimit headers. Then authentication and permissions; then
    a body-carrying request in a format no parser of the view reads (JSON; also the OAuth 2
    form for /auth/token), or without a Content-Type at all, gets 415 before anything reads it.
    """

    throttle_classes: Sequence[type[BaseThrottle]] = (DefaultRateThrottle,)
    # The detail of the 415, as in the other variants.
    unsupported_media_type = "The request body must be application/json."

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in self.allowed_methods:
            self.http_method_not_allowed(request)
        self.take_tokens(request)
        super().initial(request, *args, **kwargs)
        if request.method in BODY_METHODS:
            negotiator = self.get_content_negotiator()
            if negotiator.select_parser(request, self.get_parsers()) is None:
                raise UnsupportedMediaType(
                    request.content_type or "none", detail=self.unsupported_media_type
                )

    def take_tokens(self, request: Request) -> None:
        for throttle in self.get_throttles():
            admitted = throttle.allow_request(request, self)
            if isinstance(throttle, TokenBucketThrottle):
                self.headers.update(throttle.headers)
            if not admitted:
                self.throttled(request, throttle.wait() or 1)

    def check_throttles(self, request: Request) -> None:
        """Done by `take_tokens`, before authentication."""
