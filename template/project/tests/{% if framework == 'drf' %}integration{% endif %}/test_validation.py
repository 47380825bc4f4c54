"""Validation details of the DRF serializers that the contract suite leaves open."""

import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.integration.conftest import client_from, new_peer, register_and_login

pytestmark = pytest.mark.usefixtures("settings")


@pytest.mark.parametrize(
    ("price", "detail"),
    [
        (1.234, "Ensure that there are no more than 2 decimal places."),
        (4875350345.251346, "Ensure that there are no more than 2 decimal places."),
        (10_000_000_000, "Ensure this value is less than or equal to 9999999999.99."),
        (1e300, "Ensure this value is less than or equal to 9999999999.99."),
        (-1e300, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_bad_price_names_the_rule_it_breaks(price: float, detail: str) -> None:
    client = client_from(new_peer())
    token = register_and_login(client, f"{uuid.uuid4().hex}@example.com")
    response = client.post(
        "/api/v1/products",
        {"name": "Teapot", "price": price},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "/price", "detail": detail}]


def post_form(client: Client, fields: dict[str, str]) -> int:
    response = client.post(
        "/api/v1/auth/token",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )
    return response.status_code


def test_the_password_form_keeps_the_password_as_sent() -> None:
    client = client_from(new_peer())
    email, password = f"{uuid.uuid4().hex}@example.com", "  spaces around  "
    credentials = {"email": email, "password": password}
    client.post("/api/v1/auth/register", credentials, content_type="application/json")
    form = {"grant_type": "password", "username": email, "password": password}
    assert post_form(client, form) == 200


def test_the_password_form_refuses_a_username_over_the_limit() -> None:
    assert post_form(client_from(new_peer()), {"username": "x" * 321, "password": "pw"}) == 422
