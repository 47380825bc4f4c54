"""HTTP rules of the service contract that do not depend on the web framework."""

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from email.message import Message
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
# On every response of every variant (Django's own middleware would add the last three to DRF's).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# The one body that is not JSON: the OAuth 2 password grant that POST /auth/token also takes.
FORM = "application/x-www-form-urlencoded"

# How every JSON body is written: compact, keys in their given order, UTF-8 unescaped.
JSON_DUMPS: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}
# The one order of `Allow` on every framework; OPTIONS is no method of the API.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is well-formed, else a fresh one."""
    if incoming is not None and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    if not content_type:
        return ""
    message = Message()
    message["content-type"] = content_type
    return message.get_content_type()


def is_json(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def client_ip(
    peer: str | None,
    forwarded_for: str | None,
    trusted: Sequence[IPv4Network | IPv6Network],
) -> str:
    """The client's address: the socket peer, unless it is a trusted proxy.

    Behind trusted proxies, X-Forwarded-For is read from the right, skipping the proxies
    themselves; the first address that is not a trusted proxy is the client.
    """
    address = _parse(peer)
    if address is None:
        return peer or "unknown"
    if not forwarded_for or not _is_trusted(address, trusted):
        return str(address)
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        hop_address = _parse(hop)
        if hop_address is None:
            break
        address = hop_address
        if not _is_trusted(address, trusted):
            break
    return str(address)


def _parse(value: str | None) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value or "")
    except ValueError:
        return None


def _is_trusted(
    address: IPv4Address | IPv6Address, trusted: Sequence[IPv4Network | IPv6Network]
) -> bool:
    return any(address in network for network in trusted)


def allow_header(methods: Iterable[str]) -> str:
    """The `Allow` of a 405: HEAD wherever GET is, in METHOD_ORDER, never OPTIONS."""
    named = {method.upper() for method in methods}
    if "GET" in named:
        named.add("HEAD")
    return ", ".join(method for method in METHOD_ORDER if method in named)


def json_bytes(body: Any) -> bytes:
    """JSON as every framework writes it: compact, keys in their given order, UTF-8 unescaped."""
    return json.dumps(body, **JSON_DUMPS).encode()
