"""The contract every resource keeps (CONTRACT.md, "Resources"), written once over its fields.

Each resource's `tests/resources/support_NAME.py` describes it (`RESOURCE`), and its
`tests/resources/test_NAME.py` runs `ResourceContract` against it over HTTP, so the same tests
hold products and every resource `fledge add resource` adds, in every framework.
"""

import importlib
import inspect
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

import httpx
import pytest

from tests.contract.conftest import Account, assert_problem, new_client_address, register
from tests.support import fields as types
from tests.support.fields import Field

JSON = {"Content-Type": "application/json"}
# Field types whose accepted values are random text (unique across runs on one database).
RANDOM_TEXT = frozenset({"str", "text", "email", "uuid"})


@dataclass(frozen=True)
class Resource:
    """A resource as its answers describe it: its plural name, its fields, its ownership."""

    name: str
    singular: str
    fields: Sequence[Field]
    owned: bool = False

    @property
    def path(self) -> str:
        return f"/api/v1/{self.name.replace('_', '-')}"

    @property
    def members(self) -> set[str]:
        """The members of every row on the wire."""
        row = {"id", "created_at", "updated_at", *(field.name for field in self.fields)}
        return row | {"owner_id"} if self.owned else row


def resource_named(name: str) -> Resource:
    """Another resource of the project, from its `tests/resources/support_NAME.py`."""
    resource: Resource = importlib.import_module(f"tests.resources.support_{name}").RESOURCE
    return resource


def encode(body: Mapping[str, Any]) -> bytes:
    """A flat JSON object; a `Decimal` becomes a JSON number with exactly its digits."""
    members = []
    for name, value in body.items():
        encoded = format(value, "f") if isinstance(value, Decimal) else json.dumps(value)
        members.append(f"{json.dumps(name)}:{encoded}")
    return ("{" + ",".join(members) + "}").encode()


def decode(response: httpx.Response) -> Any:
    """A response's JSON, with numbers that have a fraction read exactly (as `Decimal`)."""
    return json.loads(response.content, parse_float=Decimal)


class Rows:
    """Rows of a resource made through its API by one user; rows they refer to are made too."""

    def __init__(self, api: httpx.Client, resource: Resource) -> None:
        self.api = api
        self.resource = resource

    def payload(self, *, everything: bool = True) -> dict[str, Any]:
        """A fresh valid body: every field, or (not `everything`) the required ones alone.

        An optional reference is left null, so that a resource may refer to itself.
        """
        body: dict[str, Any] = {}
        for field in self.resource.fields:
            if field.type == "ref":
                if not field.optional:
                    body[field.name] = self.referenced_id(field)
            elif everything or field.required:
                body[field.name] = types.sample(field)
        return body

    def referenced_id(self, field: Field) -> str:
        """The id of a new row of the resource `field` refers to (the user's own for users)."""
        if field.ref == "users":
            return str(self.me["id"])
        return str(Rows(self.api, resource_named(str(field.ref))).create()["id"])

    @cached_property
    def me(self) -> dict[str, Any]:
        response = self.api.get("/api/v1/users/me")
        assert response.status_code == 200, response.text
        user: dict[str, Any] = response.json()
        return user

    def post(self, body: Mapping[str, Any], **headers: str) -> httpx.Response:
        return self.api.post(self.resource.path, content=encode(body), headers={**JSON, **headers})

    def send(self, method: str, url: str, body: Mapping[str, Any]) -> httpx.Response:
        return self.api.request(method, url, content=encode(body), headers=JSON)

    def create(self, **values: Any) -> dict[str, Any]:
        """A new row: a fresh payload with `values` instead of its own."""
        return self.create_exactly({**self.payload(), **values})

    def create_exactly(self, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self.post(body)
        assert response.status_code == 201, response.text
        row: dict[str, Any] = decode(response)
        return row

    def url(self, row: Mapping[str, Any]) -> str:
        return f"{self.resource.path}/{row['id']}"


def client_of(api: httpx.Client, account: Account) -> httpx.Client:
    """A client like `api`, authenticated as `account`."""
    headers = httpx.Headers(api.headers)
    headers["Authorization"] = f"Bearer {account.token}"
    return httpx.Client(base_url=api.base_url, headers=headers, timeout=api.timeout)


def query_value(value: Any) -> str:
    """A value as a query parameter: `true`/`false` for booleans."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def error_pointers(response: httpx.Response) -> list[str | None]:
    body = assert_problem(response, 422)
    return [error.get("pointer") for error in body["errors"]]


def ids(cases: Sequence[tuple[Field, Any]]) -> list[str]:
    """Test ids that show the field and the value (`price=-1`), shortened.

    A random value (see `fields.accepted`) shows as its length: every pytest-xdist worker
    must collect the same ids.
    """
    return [
        f"{field.name}=<{len(value)} characters>"
        if field.type in RANDOM_TEXT and isinstance(value, str)
        else f"{field.name}={value!r}"[:40]
        for field, value in cases
    ]


def cases(resource: Resource) -> dict[str, tuple[list[Any], list[str]]]:
    """What each argument of a test is parametrized over for `resource`, and the test ids."""
    fields = resource.fields
    by_argument: dict[str, list[Field]] = {
        "field": list(fields),
        "changed_field": [field for field in fields if field.optional or field.varied],
        "required_field": [field for field in fields if field.required],
        "optional_field": [field for field in fields if field.optional],
        "defaulted_field": [field for field in fields if field.default is not None],
        "unique_field": [field for field in fields if field.unique],
        "ref_field": [field for field in fields if field.type == "ref"],
        "deletable_ref_field": [field for field in fields if refers_to_deletable_rows(field)],
        "owned_ref_field": [field for field in fields if refers_to_owned_rows(field)],
        "filter_field": [field for field in fields if field.filtered],
        # Two rows of the same value: one page of one row, and a next.
        "shared_filter_field": [field for field in fields if field.filtered and not field.unique],
    }
    chosen: dict[str, tuple[list[Any], list[str]]] = {
        argument: (list(choice), [field.name for field in choice])
        for argument, choice in by_argument.items()
    }
    accepted = [(f, case) for f in fields for case in types.accepted(f)]
    chosen["accepted_case"] = (accepted, ids([(field, case[0]) for field, case in accepted]))
    refused = [(f, value) for f in fields for value in types.refused(f)]
    chosen["refused_case"] = (refused, ids(refused))
    return chosen


def refers_to_deletable_rows(field: Field) -> bool:
    """Whether a field refers to rows the API deletes (users it does not)."""
    return field.type == "ref" and field.ref != "users"


def refers_to_owned_rows(field: Field) -> bool:
    """Whether a field refers to rows that belong to a user."""
    return refers_to_deletable_rows(field) and resource_named(str(field.ref)).owned


class ResourceContract:
    """The tests of one resource; a `Test...` subclass names it in `resource`.

    A test that takes a kind of field the resource has none of (say `unique_field`) is left out
    of the subclass: its rule does not apply, so there is nothing to run or to skip.
    """

    resource: ClassVar[Resource]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        empty = {argument for argument, (values, _) in cases(cls.resource).items() if not values}
        for name, test in vars(ResourceContract).items():
            if name.startswith("test_") and empty & set(inspect.signature(test).parameters):
                setattr(cls, name, None)  # not collected

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize the tests that take a field (or a value of one) over the resource's."""
        for argument, (values, test_ids) in cases(self.resource).items():
            if argument in metafunc.fixturenames:
                metafunc.parametrize(argument, values, ids=test_ids)

    @pytest.fixture
    def rows(self, authed: httpx.Client) -> Rows:
        return Rows(authed, self.resource)

    @pytest.fixture
    def stranger(self, api: httpx.Client) -> Account:
        """Another user (their requests carry their token explicitly)."""
        return register(api)

    # Create, read, replace, update, delete.

    def test_create_returns_the_row_and_its_location(self, rows: Rows) -> None:
        body = rows.payload()
        response = rows.post(body)
        assert response.status_code == 201, response.text
        row = decode(response)
        assert response.headers["location"] == rows.url(row)
        assert set(row) == self.resource.members
        assert str(uuid.UUID(row["id"])) == row["id"]
        assert row["created_at"].endswith("Z")
        assert row["updated_at"].endswith("Z")
        if self.resource.owned:
            assert row["owner_id"] == rows.me["id"]
        for field in self.resource.fields:
            assert types.returned_as(field, row[field.name], body.get(field.name)), field.name

    def test_get_returns_the_row(self, rows: Rows) -> None:
        row = rows.create()
        response = rows.api.get(rows.url(row))
        assert response.status_code == 200, response.text
        assert decode(response) == row

    def test_put_replaces_every_field(self, rows: Rows) -> None:
        row = rows.create()
        body = rows.payload(everything=False)
        response = rows.send("PUT", rows.url(row), body)
        assert response.status_code == 200, response.text
        replaced = decode(response)
        assert replaced["id"] == row["id"]
        assert replaced["created_at"] == row["created_at"]
        for field in self.resource.fields:
            if field.name in body:
                expected = body[field.name]
            else:
                expected = types.default_value(field) if field.default is not None else None
            assert types.returned_as(field, replaced[field.name], expected), field.name
        assert decode(rows.api.get(rows.url(row))) == replaced

    def test_put_without_a_required_field_is_422(self, rows: Rows, required_field: Field) -> None:
        body = rows.payload()
        del body[required_field.name]
        response = rows.send("PUT", rows.url(rows.create()), body)
        assert required_field.pointer in error_pointers(response)

    def test_patch_changes_the_given_field_alone(self, rows: Rows, changed_field: Field) -> None:
        field, row = changed_field, rows.create()
        if field.type == "ref":
            value: Any = None if field.optional else rows.referenced_id(field)
        else:
            value = types.other_sample(field, row[field.name])
        response = rows.send("PATCH", rows.url(row), {field.name: value})
        assert response.status_code == 200, response.text
        patched = decode(response)
        for other in self.resource.fields:
            if other is not field:
                assert patched[other.name] == row[other.name], other.name
        assert types.returned_as(field, patched[field.name], value)
        assert patched["updated_at"] >= row["updated_at"]

    def test_delete_is_204_and_the_row_is_gone(self, rows: Rows) -> None:
        url = rows.url(rows.create())
        response = rows.api.delete(url)
        assert response.status_code == 204
        assert response.content == b""
        assert_problem(rows.api.get(url), 404)
        assert_problem(rows.api.delete(url), 404)

    @pytest.mark.parametrize("row_id", ["unknown", "not-a-uuid", "1"])
    def test_unknown_or_malformed_ids_are_404(self, rows: Rows, row_id: str) -> None:
        url = f"{self.resource.path}/{uuid.uuid4() if row_id == 'unknown' else row_id}"
        assert_problem(rows.api.get(url), 404)
        assert_problem(rows.send("PUT", url, rows.payload()), 404)
        assert_problem(rows.send("PATCH", url, {}), 404)
        assert_problem(rows.api.delete(url), 404)

    def test_an_unknown_member_is_422(self, rows: Rows) -> None:
        response = rows.post({**rows.payload(), "fledge_unknown": 1})
        assert "/fledge_unknown" in error_pointers(response)
        patched = rows.send("PATCH", rows.url(rows.create()), {"fledge_unknown": 1})
        assert "/fledge_unknown" in error_pointers(patched)

    # The fields' rules.

    def test_a_valid_value_round_trips(
        self, rows: Rows, accepted_case: tuple[Field, tuple[Any, Any]]
    ) -> None:
        field, (sent, returned) = accepted_case
        row = rows.create(**{field.name: sent})
        assert types.returned_as(field, row[field.name], returned), row[field.name]
        fetched = decode(rows.api.get(rows.url(row)))
        assert types.returned_as(field, fetched[field.name], returned)
        rows.api.delete(rows.url(row))  # its value may be unique

    def test_an_invalid_value_is_422_at_its_pointer(
        self, rows: Rows, refused_case: tuple[Field, Any]
    ) -> None:
        field, value = refused_case
        assert field.pointer in error_pointers(rows.post({**rows.payload(), field.name: value}))
        patched = rows.send("PATCH", rows.url(rows.create()), {field.name: value})
        assert field.pointer in error_pointers(patched)

    def test_a_missing_required_field_is_422_at_its_pointer(
        self, rows: Rows, required_field: Field
    ) -> None:
        body = rows.payload()
        del body[required_field.name]
        assert required_field.pointer in error_pointers(rows.post(body))
        null = rows.post({**body, required_field.name: None})
        assert required_field.pointer in error_pointers(null)

    def test_an_omitted_optional_field_is_null(self, rows: Rows, optional_field: Field) -> None:
        body = rows.payload()
        body.pop(optional_field.name, None)
        expected = types.default_value(optional_field) if optional_field.default else None
        row = rows.create_exactly(body)
        assert types.returned_as(optional_field, row[optional_field.name], expected)
        explicit = rows.create(**{optional_field.name: None})
        assert explicit[optional_field.name] is None

    def test_an_omitted_field_takes_its_default(self, rows: Rows, defaulted_field: Field) -> None:
        body = rows.payload()
        del body[defaulted_field.name]
        row = rows.create_exactly(body)
        expected = types.default_value(defaulted_field)
        assert types.returned_as(defaulted_field, row[defaulted_field.name], expected)

    def test_a_duplicate_value_is_409(self, rows: Rows, unique_field: Field) -> None:
        row = rows.create(**{unique_field.name: types.sample(unique_field)})
        value = row[unique_field.name]
        if unique_field.type == "email":
            value = value.upper()  # compared case-insensitively
        duplicate = rows.post({**rows.payload(), unique_field.name: value})
        body = assert_problem(duplicate, 409)
        assert unique_field.name in body["detail"]
        changed = rows.send("PATCH", rows.url(rows.create()), {unique_field.name: value})
        assert_problem(changed, 409)

    # References.

    def test_a_reference_to_a_missing_row_is_422(self, rows: Rows, ref_field: Field) -> None:
        body = {**rows.payload(), ref_field.name: str(uuid.uuid4())}
        assert ref_field.pointer in error_pointers(rows.post(body))

    def test_a_referenced_row_cannot_be_deleted(
        self, rows: Rows, deletable_ref_field: Field
    ) -> None:
        ref_field = deletable_ref_field
        referenced = rows.referenced_id(ref_field)
        rows.create(**{ref_field.name: referenced})
        target = resource_named(str(ref_field.ref))
        body = assert_problem(rows.api.delete(f"{target.path}/{referenced}"), 409)
        detail = body["detail"].replace("_", " ").lower()
        assert self.resource.singular.replace("_", " ") in detail  # it names this resource
        assert rows.api.get(f"{target.path}/{referenced}").status_code == 200

    def test_another_users_row_is_no_reference(
        self, rows: Rows, owned_ref_field: Field, stranger: Account
    ) -> None:
        ref_field = owned_ref_field
        with client_of(rows.api, stranger) as client:
            their_id = Rows(client, resource_named(str(ref_field.ref))).create()["id"]
        body = {**rows.payload(), ref_field.name: their_id}
        assert ref_field.pointer in error_pointers(rows.post(body))

    # Ownership.

    def test_who_sees_a_row(self, rows: Rows, stranger: Account) -> None:
        row = rows.create()
        with client_of(rows.api, stranger) as client:
            theirs = Rows(client, self.resource)
            seen = client.get(rows.url(row))
            listed = client.get(self.resource.path, params={"limit": 100})
            assert listed.status_code == 200, listed.text
            in_list = row["id"] in [item["id"] for item in listed.json()["items"]]
            if not self.resource.owned:
                assert seen.status_code == 200, seen.text
                assert in_list
                return
            assert_problem(seen, 404)
            assert not in_list
            assert_problem(theirs.send("PUT", rows.url(row), rows.payload()), 404)
            assert_problem(theirs.send("PATCH", rows.url(row), {}), 404)
            assert_problem(client.delete(rows.url(row)), 404)
        assert rows.api.get(rows.url(row)).status_code == 200

    # Lists: filters, pages, links.

    def test_a_filter_selects_equal_rows(self, rows: Rows, filter_field: Field) -> None:
        first, second = self.two_values(rows, filter_field)
        wanted = rows.create(**{filter_field.name: first})
        unwanted = rows.create(**{filter_field.name: second}) if second is not None else None
        query: dict[str, str | int] = {filter_field.name: query_value(first), "limit": 100}
        response = rows.api.get(self.resource.path, params=query)
        assert response.status_code == 200, response.text
        items = decode(response)["items"]
        assert wanted["id"] in [item["id"] for item in items]
        assert all(item[filter_field.name] == wanted[filter_field.name] for item in items)
        if unwanted is not None:
            assert unwanted["id"] not in [item["id"] for item in items]
            rows.api.delete(rows.url(unwanted))
        rows.api.delete(rows.url(wanted))

    def test_a_malformed_filter_is_422_naming_it(self, rows: Rows, filter_field: Field) -> None:
        malformed = {"bool": "maybe", "enum": "fledge-not-a-choice"}.get(filter_field.type, "1")
        response = rows.api.get(self.resource.path, params={filter_field.name: malformed})
        body = assert_problem(response, 422)
        assert [error.get("parameter") for error in body["errors"]] == [filter_field.name]

    def test_the_next_link_keeps_the_filter(self, rows: Rows, shared_filter_field: Field) -> None:
        name = shared_filter_field.name
        value, _ = self.two_values(rows, shared_filter_field)
        for _ in range(2):
            rows.create(**{name: value})
        query: dict[str, str | int] = {name: query_value(value), "limit": 1}
        response = rows.api.get(self.resource.path, params=query)
        assert response.status_code == 200, response.text
        link = httpx.URL(response.headers["link"].split(">")[0].lstrip("<"))
        assert link.params[name] == query_value(value)
        assert link.params["cursor"] == response.json()["next_cursor"]

    def two_values(self, rows: Rows, field: Field) -> tuple[Any, Any]:
        """Two different values of a filtered field (the second None if it has one alone)."""
        if field.type == "ref":
            other = None if field.ref == "users" else rows.referenced_id(field)
            return rows.referenced_id(field), other
        first = types.sample(field)
        return first, types.other_sample(field, first)

    def test_pages_are_newest_first_with_a_next_link(self, rows: Rows) -> None:
        created = [rows.create()["id"] for _ in range(5)]
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 2}
        while not set(created) <= set(seen):
            response = rows.api.get(self.resource.path, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                assert "link" not in response.headers
                break
            assert response.headers["link"].endswith('; rel="next"')
            params["cursor"] = page["next_cursor"]
        assert len(seen) == len(set(seen))
        assert [row_id for row_id in seen if row_id in created] == created[::-1]

    # Idempotent creates and authentication.

    def test_a_repeated_create_is_replayed(self, rows: Rows) -> None:
        body, key = rows.payload(), f'"{uuid.uuid4()}"'
        first = rows.post(body, **{"Idempotency-Key": key})
        again = rows.post(body, **{"Idempotency-Key": key})
        assert first.status_code == again.status_code == 201, again.text
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"

    def test_every_operation_needs_a_token(self, rows: Rows, api: httpx.Client) -> None:
        url = rows.url(rows.create())
        headers = {"X-Forwarded-For": new_client_address()}
        with httpx.Client(base_url=api.base_url, headers=headers) as anonymous:
            for method, path in [
                ("POST", self.resource.path),
                ("GET", self.resource.path),
                ("GET", url),
                ("PUT", url),
                ("PATCH", url),
                ("DELETE", url),
            ]:
                body = None if method in {"GET", "DELETE"} else encode(rows.payload())
                response = anonymous.request(method, path, content=body, headers=JSON)
                assert_problem(response, 401)
                assert response.headers["www-authenticate"].startswith("Bearer")
