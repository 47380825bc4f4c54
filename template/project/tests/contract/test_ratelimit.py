import re
import time

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
    started = time.monotonic()
    first = api.post("/api/v1/auth/token", json=credentials)
    first_answered = time.monotonic()
    policy = POLICY.match(first.headers["ratelimit-policy"])
    assert policy
    assert policy["name"] == "auth"
    quota, window = int(policy["quota"]), int(policy["window"])
    admitted = 1
    while True:
        last_sent = time.monotonic()
        refused = api.post("/api/v1/auth/token", json=credentials)
        if refused.status_code == 429 or admitted > 2 * quota:
            break
        admitted += 1
    answered = time.monotonic()
    assert admitted >= quota
    body = assert_problem(refused, 429)
    assert body["title"] == "Too Many Requests"
    retry_after = int(refused.headers["retry-after"])
    # The bucket refills while the logins (Argon2, slow on a loaded machine) run: from the
    # first token taken, the next one is owed this long, less the time the requests took.
    seconds_per_token = window / quota
    owed = (admitted + 1 - quota) * seconds_per_token
    earliest_token, latest_token = owed - (answered - started), owed - (last_sent - first_answered)
    # Never before a token is back; at most a second of jitter and the rounding up after it.
    assert earliest_token < retry_after < latest_token + 2
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
