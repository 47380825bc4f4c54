import re

import httpx

from tests.contract.conftest import assert_problem

POLICY = re.compile(r'^"(?P<name>\w+)";q=(?P<quota>\d+);w=(?P<window>\d+)$')
STATE = re.compile(r'^"(?P<name>\w+)";r=(?P<remaining>\d+);t=(?P<reset>\d+)$')


def test_responses_advertise_the_default_policy(authed: httpx.Client) -> None:
    first = authed.get("/api/v1/users/me")
    second = authed.get("/api/v1/users/me")
    policy = POLICY.match(first.headers["ratelimit-policy"])
    state1, state2 = (
        STATE.match(first.headers["ratelimit"]),
        STATE.match(second.headers["ratelimit"]),
    )
    assert policy
    assert state1
    assert state2
    assert policy["name"] == state1["name"] == "default"
    assert int(state2["remaining"]) < int(policy["quota"])
    assert int(state2["remaining"]) <= int(state1["remaining"])


def test_auth_policy_refuses_with_429_and_retry_after(api: httpx.Client) -> None:
    credentials = {"email": "nobody@example.com", "password": "not the password"}
    first = api.post("/api/v1/auth/token", json=credentials)
    policy = POLICY.match(first.headers["ratelimit-policy"])
    assert policy
    assert policy["name"] == "auth"
    responses = [
        api.post("/api/v1/auth/token", json=credentials) for _ in range(int(policy["quota"]))
    ]
    refused = responses[-1]
    body = assert_problem(refused, 429)
    assert body["title"] == "Too Many Requests"
    retry_after = int(refused.headers["retry-after"])
    seconds_per_token = int(policy["window"]) / int(policy["quota"])
    assert seconds_per_token <= retry_after <= seconds_per_token + 2
    state = STATE.match(refused.headers["ratelimit"])
    assert state
    assert state["remaining"] == "0"


def test_each_client_address_has_its_own_auth_bucket(api: httpx.Client) -> None:
    credentials = {"email": "nobody@example.com", "password": "not the password"}
    remaining = [
        STATE.match(api.post("/api/v1/auth/token", json=credentials).headers["ratelimit"])
        for _ in range(2)
    ]
    assert remaining[0]
    assert remaining[1]
    assert int(remaining[1]["remaining"]) == int(remaining[0]["remaining"]) - 1
