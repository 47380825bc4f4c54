"""`fledge add resource` and resources in `fledge new` and `fledge update`, on a small template:
the real copier.yml (its questions and rules) with a tiny project and a tiny resource part, so
that these tests are about fledge's mechanics, not the generated code.

The tiny resource writes a text file listing its fields, an Alembic-like first migration
(revision and down_revision), and registers itself in the project's registry.py above two
markers (an import, sorted by ruff afterwards, and a list entry).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from fledge import add, fields, resources
from fledge import template as templates
from fledge.cli import app
from fledge.errors import UserError
from tests.helpers import REPO_ROOT, SLIM_PROJECT_FILES, git
from tests.projects import assert_refused, commit, edit, generate, table_rows, work_tree

pytestmark = pytest.mark.usefixtures("uv_offline")

REGISTRY = """\
\"\"\"The routers the application serves.\"\"\"

from {{ package_name }}.core import core_router
# fledge: resource imports

ROUTERS = [
    core_router,
    # fledge: resource routers
]
"""
REGISTRATIONS = """\
- file: "src/{{ package_name }}/registry.py"
  marker: "# fledge: resource imports"
  line: "from {{ package_name }}.{{ resource }} import router as {{ resource }}_router"
- file: "src/{{ package_name }}/registry.py"
  marker: "# fledge: resource routers"
  line: "{{ resource }}_router,"
- file: "src/{{ package_name }}/admin.py"
  marker: "# fledge: resource admin"
  line: "{{ resource_class }}"
  when: "{{ framework == 'drf' }}"
"""
# v0.2.0 registers every resource's name in a new list.
NAMES = """\
NAMES = [
    # fledge: resource names
]
"""
NAMES_REGISTRATION = """\
- file: "src/{{ package_name }}/registry.py"
  marker: "# fledge: resource names"
  line: '"{{ resource }}",'
"""
RESOURCE_FILE = """\
{{ resource_class }} ({{ resource_plural_class }}) at /{{ resource_path }}, owned: {{ owned }}
{% for f in fields %}{{ f.name }}: {{ f.type }}
{% endfor %}"""
FIRST_MIGRATION = 'revision = "create_{{ resource }}"\ndown_revision = "{{ migration_parent }}"\n'
MIGRATION_NAME = "{% if framework != 'drf' %}create_{{ resource }}.py{% endif %}.jinja"
PKG = "src/svc"
LATER_MIGRATION = 'revision = "0002_later"\ndown_revision = "0001"\n'
ORDERS = ("product_id:ref=products", "quantity:int:min=1", "status:enum=open,paid:default=open")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _build(repo: Path) -> None:
    repo.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "copier.yml", repo / "copier.yml")
    shutil.copytree(REPO_ROOT / "template" / "includes", repo / "template" / "includes")
    for name in SLIM_PROJECT_FILES:
        target = repo / "template" / "project" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / "template" / "project" / name, target)
    project_src = repo / "template" / "project" / "src" / "{{ package_name }}"
    _write(project_src / "registry.py.jinja", REGISTRY)
    _write(project_src / "migrations" / "versions" / "0001_initial.py", 'revision = "0001"\n')
    answers = "{{ _copier_conf.answers_file }}.jinja"
    (repo / "template" / "resource").mkdir()
    shutil.copy2(REPO_ROOT / "template" / "project" / answers, repo / "template" / "resource")
    resource_src = repo / "template" / "resource" / "src" / "{{ package_name }}"
    _write(resource_src / "{{ resource }}.txt.jinja", RESOURCE_FILE)
    _write(resource_src / "migrations" / "versions" / MIGRATION_NAME, FIRST_MIGRATION)
    _write(repo / "template" / "registrations.yml", REGISTRATIONS)


@pytest.fixture(scope="module")
def resource_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny template as a git repository: v0.1.0, then v0.2.0 whose resource file ends
    with one more line, and whose registry lists the resources' names (a new registration)."""
    repo = tmp_path_factory.mktemp("resource-template") / "template"
    _build(repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "v0.1.0")
    git(repo, "tag", "v0.1.0")
    resource_file = repo / "template" / "resource" / "src" / "{{ package_name }}"
    _write(resource_file / "{{ resource }}.txt.jinja", RESOURCE_FILE + "(v0.2.0)\n")
    registry = repo / "template" / "project" / "src" / "{{ package_name }}" / "registry.py.jinja"
    _write(registry, REGISTRY + NAMES)
    _write(repo / "template" / "registrations.yml", REGISTRATIONS + NAMES_REGISTRATION)
    # A new migration of the project's, after the one revision the template knows.
    versions = repo / "template" / "project" / "src" / "{{ package_name }}" / "migrations"
    _write(versions / "versions" / "0002_later.py", LATER_MIGRATION)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "v0.2.0")
    git(repo, "tag", "v0.2.0")
    return repo


@pytest.fixture(scope="module")
def made(resource_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A FastAPI project made at v0.1.0 (with products); tests work on copies of it."""
    dest = tmp_path_factory.mktemp("made") / "svc"
    return generate(resource_template, dest, "v0.1.0", "--framework", "fastapi", "--no-lock")


@pytest.fixture
def project(made: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "work" / "svc"
    shutil.copytree(made, copy, symlinks=True)
    return copy


def fledge_add(project: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["add", "resource", *args, "--path", str(project)])


def resource_answers(project: Path, name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".fledge" / "resources" / f"{name}.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def status(project: Path) -> set[str]:
    """`git status` lines ("M path", "?? path")."""
    output = git(project, "status", "--porcelain", "--untracked-files=all")
    return {line.strip() for line in output.splitlines()}


# Parsing


def test_parse_fills_every_key_in_the_users_order() -> None:
    parsed = fields.parse(["code:str:unique:max=20", "note:text:optional", "total:decimal:min=0"])
    assert [field["name"] for field in parsed] == ["code", "note", "total"]
    assert parsed[0] == {
        "name": "code",
        "type": "str",
        "optional": False,
        "unique": True,
        "min": None,
        "max": "20",
        "default": None,
        "places": None,
        "digits": None,
        "choices": None,
        "ref": None,
        "ref_class": None,
    }
    assert parsed[1]["max"] == "10000"
    assert (parsed[2]["places"], parsed[2]["digits"], parsed[2]["min"]) == (2, 12, "0")


@pytest.mark.parametrize(
    ("spec", "key", "value"),
    [
        ("status:enum=open,paid:default=open", "choices", ["open", "paid"]),
        ("product_id:ref=products", "ref", "products"),
        ("n:int:default=+05", "default", "5"),
        ("price:decimal:default=9.9", "default", "9.90"),
        ("price:decimal:places=3:default=1", "default", "1.000"),
        ("active:bool:default=yes", "default", "true"),
        ("on:date:default=2026-01-31", "default", "2026-01-31"),
        ("at:datetime:default=2026-01-31T09:30:00+00:00", "default", "2026-01-31T09:30:00Z"),
        (
            "at:datetime:default=2026-01-31T09:30:00+02:00:optional",
            "default",
            "2026-01-31T09:30:00+02:00",
        ),
        (
            "key:uuid:default=6F1C1E0E-8A55-4C43-9C55-2B7B0C3E9D10",
            "default",
            "6f1c1e0e-8a55-4c43-9c55-2b7b0c3e9d10",
        ),
        ("name:str:default=Hello world", "default", "Hello world"),
        ("n:int:default=abc", "default", "abc"),  # left for the template's rule to refuse
        ("x:blob", "type", "blob"),
    ],
)
def test_parse_types_and_canonical_defaults(spec: str, key: str, value: object) -> None:
    assert fields.parse_one(spec)[key] == value


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("quantity", '"quantity" is not FIELD:TYPE'),
        (":int", '":int" is not FIELD:TYPE'),
        ("a:int:optional:optional", 'option "optional" is given twice'),
        ("a:int:min=1:min=2", 'option "min" is given twice'),
        ("a:int:optional=yes", 'option "optional" takes no value'),
        ("a:ref=products:ref_class=Product", 'unknown option "ref_class"'),
    ],
)
def test_parse_refuses_bad_syntax(spec: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        fields.parse_one(spec)


# fledge new


def test_new_renders_products_as_a_resource(made: Path) -> None:
    products = resource_answers(made, "products")
    assert products["resource"] == "products"
    assert products["_commit"] == "v0.1.0"
    assert [field["name"] for field in products["fields"]] == [
        "name",
        "description",
        "price",
        "active",
    ]
    assert (made / PKG / "products.txt").read_text().startswith("Product (Products) at /products")
    registry = (made / PKG / "registry.py").read_text()
    assert "from svc.products import router as products_router\n" in registry
    assert "    products_router,\n    # fledge: resource routers\n" in registry
    migration = (made / PKG / "migrations" / "versions" / "create_products.py").read_text()
    assert 'down_revision = "0001"' in migration
    assert status(made) == set()  # part of the first commit


def test_new_from_a_git_url_renders_products_and_records_the_url(
    resource_template: Path, tmp_path: Path
) -> None:
    url = "git+" + resource_template.as_uri()
    made = generate(url, tmp_path / "svc", "v0.1.0", "--framework", "flask", "--no-lock")
    products = resource_answers(made, "products")
    assert (products["_src_path"], products["_commit"]) == (url, "v0.1.0")
    assert "products_router," in (made / PKG / "registry.py").read_text()
    assert status(made) == set()


# fledge add resource


def test_add_renders_registers_and_leaves_the_change_uncommitted(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD")
    result = fledge_add(project, "order_lines", *ORDERS, "--owned")
    assert result.exit_code == 0, result.output
    assert "Added the resource order_lines" in result.output
    assert git(project, "rev-parse", "HEAD") == head
    assert status(project) == {
        "M src/svc/registry.py",
        "?? .fledge/resources/order_lines.yml",
        "?? src/svc/order_lines.txt",
        "?? src/svc/migrations/versions/create_order_lines.py",
    }
    text = (project / PKG / "order_lines.txt").read_text()
    assert text.startswith("OrderLine (OrderLines) at /order-lines, owned: True\n")
    assert "product_id: ref\nquantity: int\nstatus: enum\n" in text
    migration = project / PKG / "migrations" / "versions" / "create_order_lines.py"
    assert 'down_revision = "create_products"' in migration.read_text()
    registry = (project / PKG / "registry.py").read_text()
    # ruff's isort sorted the new import among the others
    assert (
        "from svc.core import core_router\n"
        "from svc.order_lines import router as order_lines_router\n"
        "from svc.products import router as products_router\n"
    ) in registry
    assert "    products_router,\n    order_lines_router,\n    # fledge: resource" in registry
    recorded = resource_answers(project, "order_lines")
    assert (recorded["owned"], recorded["singular"], recorded["_commit"]) == (
        True,
        "order_line",
        "v0.1.0",
    )
    assert recorded["fields"][2]["choices"] == ["open", "paid"]


def test_a_reference_names_the_class_the_referenced_resource_records(project: Path) -> None:
    result = fledge_add(project, "people", "name:str", "--singular", "person")
    assert result.exit_code == 0, result.output
    commit(project, "Add people")
    refs = ("person_id:ref=people", "product_id:ref=products", "holder_id:ref=users", "n:int")
    result = fledge_add(project, "badges", *refs)
    assert result.exit_code == 0, result.output
    recorded = resource_answers(project, "badges")["fields"]
    assert [field["ref_class"] for field in recorded] == ["Person", "Product", "User", None]


def test_pretend_shows_the_files_and_writes_nothing(project: Path) -> None:
    before = work_tree(project)
    result = fledge_add(project, "orders", *ORDERS, "--pretend")
    assert result.exit_code == 0, result.output
    for path in (".fledge/resources/orders.yml", "src/svc/orders.txt", "src/svc/registry.py"):
        assert path in result.output
    assert "Nothing was written (--pretend)" in result.output
    assert work_tree(project) == before
    assert status(project) == set()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "name:str"), 'Invalid resource name "users": the project already uses'),
        (("health", "name:str"), 'Invalid resource name "health"'),
        (("auth", "name:str"), 'Invalid resource name "auth": the project already uses'),
        (("product", "name:str"), 'Invalid resource name "product": it must be a plural'),
        (("product", "n:str", "--singular", "item"), "the resource products uses that name"),
        (("items", "n:str", "--singular", "product"), "the resource products uses that name"),
        (("products", "n:str", "--singular", "ware"), 'the singular "product", which cannot'),
        (("Orders", "name:str"), "not a lowercase identifier"),
        (("order-lines", "name:str"), "not a lowercase identifier"),
        (("class", "name:str"), "it is a Python keyword"),
        (("json", "name:str"), "a Python module"),
        (("svc", "name:str"), "the project already uses that name"),
        (("orders",), "a resource needs at least one field"),
        (("orders", "name:blob"), 'field "name": unknown type "blob"'),
        (("orders", "name:str:colour=red"), 'field "name": unknown option "colour"'),
        (("orders", "name:str", "name:int"), 'field "name" is given twice'),
        (("orders", "Name:str"), "not a lowercase identifier"),
        (("orders", "id:int"), 'field "id": every resource already has that name'),
        (("orders", "if:int"), "Python keyword"),
        (("orders", "label:str"), 'field "label": the name is an attribute of the classes'),
        (("orders", "n:str:places=3"), "places is only valid for a decimal field"),
        (("orders", "n:bool:min=1"), "min is not valid for a bool field"),
        (("orders", "n:int:default=x"), "default=x is not an integer"),
        (("orders", "n:int:min=5:max=1"), "min=5 is greater than max=1"),
        (("orders", "n:int:min=1:default=0"), "default=0 is outside min and max"),
        (("orders", "n:decimal:default=1.234"), "at most 2 decimal places"),
        (("orders", "n:str:max=3:default=long"), "length outside min and max"),
        (("orders", "n:date:default=31/01/2026"), "is not a date"),
        (("orders", "n:datetime:default=2026-01-31T09:30:00"), "RFC 3339"),
        (("orders", "n:enum"), "an enum needs its values"),
        (("orders", "n:enum=a,a"), "an enum value is given twice"),
        (("orders", "n:enum=a,b:unique"), "unique is not valid for an enum field"),
        (("orders", "session:bool"), 'field "session": a bool field is a filter of the list'),
        (("orders", "n:decimal:digits=3"), 'Field "n": unknown option "digits"'),
        (("a" * 26, "n:str"), "it is longer than 25 characters"),
        (("orders", "n:enum=a,b:default=c"), "default=c is not one of its values"),
        (("orders", "n:bool:unique"), "unique is not valid for a bool field"),
        (("orders", "n:ref=nothing"), "ref=nothing names no resource of the project"),
        (("orders", "n:ref=orders"), "a resource cannot refer to itself"),
        (("orders", "n:ref="), "ref= names no resource of the project"),
        (("orders", "product_id:ref=products", "product:str"), '"product", which is another'),
        (("orders", "from_id:ref=users"), 'Django names the row it refers to "from", which is a'),
        (("orders", "save_id:ref=users"), '"save", which is a keyword or a name every model'),
        (("orders", "quantity"), '"quantity" is not FIELD:TYPE'),
        (("orders", "name:str", "--singular", "orders"), "must differ from the plural"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    project: Path, args: tuple[str, ...], message: str
) -> None:
    before = work_tree(project)
    assert_refused(fledge_add(project, *args), message)
    assert work_tree(project) == before


def _fields_problem(field: dict[str, Any]) -> str | None:
    questions = templates.questions(templates.TemplateSource(str(REPO_ROOT), REPO_ROOT))
    assert questions is not None
    assert questions.rules is not None
    values = questions.rules.answers({"kind": "resource", "resource": "badges", "fields": [field]})
    return questions.rules.problem("fields", values)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, None),
        ({"ref_class": None}, "ref_class needs the class of the resource it refers to"),
        ({"ref_class": "people"}, "ref_class needs the class of the resource it refers to"),
        ({"type": "int", "ref": None}, "ref_class is only valid for a ref field"),
    ],
)
def test_the_templates_rule_wants_the_class_of_a_ref_only(
    changes: dict[str, Any], message: str | None
) -> None:
    """What plain Copier checks of `ref_class` (fledge fills it, so never trips these)."""
    field = {**fields.parse_one("person_id:ref=people"), "ref_class": "Person", **changes}
    problem = _fields_problem(field)
    if message is None:
        assert problem is None
    else:
        assert problem is not None
        assert message in problem


@pytest.mark.parametrize("name", ["source_id", "parent_id", "data_id", "label_id"])
def test_a_reference_may_hold_a_row_a_serializer_has_an_attribute_of(name: str) -> None:
    field = {**fields.parse_one(f"{name}:ref=people"), "ref_class": "Person"}
    assert _fields_problem(field) is None


def test_dirty_tree_is_refused(project: Path) -> None:
    (project / "notes.txt").write_text("draft\n")
    assert_refused(fledge_add(project, "orders", "name:str"), "has uncommitted changes (notes.txt)")
    assert not (project / ".fledge" / "resources" / "orders.yml").exists()


def test_a_directory_that_is_not_a_project_is_refused(tmp_path: Path) -> None:
    assert_refused(fledge_add(tmp_path, "orders", "name:str"), "is not a project generated")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (".copier-answers.yml", "svc"),
        (".fledge/resources/products.yml", ".fledge/resources/products.yml"),
    ],
)
def test_broken_answers_are_refused_on_one_line(project: Path, path: str, message: str) -> None:
    (project / path).write_text("fields: [\n: :\n")
    commit(project)
    before = work_tree(project)
    result = fledge_add(project, "orders", "name:str")
    assert_refused(result, f"{message} is not valid YAML: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert work_tree(project) == before


def test_a_shared_file_without_its_marker_is_refused(project: Path) -> None:
    edit(project, f"{PKG}/registry.py", "    # fledge: resource routers\n", "")
    commit(project)
    before = work_tree(project)
    result = fledge_add(project, "orders", "name:str")
    assert_refused(result, 'src/svc/registry.py has no line "# fledge: resource routers"')
    assert work_tree(project) == before


def test_a_module_of_the_project_is_a_taken_name(project: Path) -> None:
    (project / PKG / "reports.py").write_text('"""Our reports."""\n')
    commit(project)
    before = work_tree(project)
    assert_refused(fledge_add(project, "reports", "name:str"), "has src/svc/reports.py already")
    assert work_tree(project) == before


def test_an_existing_file_is_never_overwritten(project: Path) -> None:
    (project / PKG / "orders.txt").write_text("mine\n")
    commit(project)
    before = work_tree(project)
    assert_refused(fledge_add(project, "orders", "name:str"), "would overwrite src/svc/orders.txt")
    assert work_tree(project) == before


# Re-running


def test_rerun_with_the_same_fields_is_up_to_date(project: Path) -> None:
    assert fledge_add(project, "orders", *ORDERS).exit_code == 0
    commit(project)
    before = work_tree(project)
    result = fledge_add(project, "orders", *ORDERS)
    assert result.exit_code == 0, result.output
    assert "orders is up to date" in result.output
    assert work_tree(project) == before
    products = ("name:str", "description:text:optional:max=2000", "price:decimal:min=0")
    result = fledge_add(project, "products", *products, "active:bool:default=true")
    assert "products is up to date" in result.output


def test_rerun_with_changed_fields_merges_them_keeping_edits(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fledge_add(project, "orders", *ORDERS).exit_code == 0
    commit(project, "Add orders")
    edit(project, f"{PKG}/orders.txt", "quantity: int\n", "quantity: int  # how many\n")
    commit(project)
    migrated: list[str] = []

    def migrate(_project: Path, _recorded: object, name: str) -> tuple[str, ...]:
        migrated.append(name)
        return ()

    monkeypatch.setattr(add, "_migrate", migrate)
    head = git(project, "rev-parse", "HEAD")
    result = fledge_add(project, "orders", *ORDERS, "note:text:optional")
    assert result.exit_code == 0, result.output
    assert "Changed the resource orders" in result.output
    assert migrated == ["orders"]
    assert git(project, "rev-parse", "HEAD") == head
    text = (project / PKG / "orders.txt").read_text()
    assert "quantity: int  # how many\nstatus: enum\nnote: text\n" in text
    assert [f["name"] for f in resource_answers(project, "orders")["fields"]][-1] == "note"
    migration = project / PKG / "migrations" / "versions" / "create_orders.py"
    assert git(project, "status", "--porcelain", str(migration)) == ""  # history is kept


def test_pretend_rerun_writes_nothing(project: Path) -> None:
    assert fledge_add(project, "orders", *ORDERS).exit_code == 0
    commit(project)
    before = work_tree(project)
    result = fledge_add(project, "orders", "quantity:int", "--pretend")
    assert result.exit_code == 0, result.output
    assert "Would change the resource orders" in result.output
    rows = table_rows(result.output)
    assert {
        ("modified", "src/svc/orders.txt"),
        ("modified", ".fledge/resources/orders.yml"),
    } == rows
    assert work_tree(project) == before


# fledge update


def test_update_brings_the_template_to_every_resource_keeping_edits(project: Path) -> None:
    assert fledge_add(project, "orders", *ORDERS).exit_code == 0
    commit(project, "Add orders")
    edit(project, f"{PKG}/orders.txt", "quantity: int\n", "quantity: int  # how many\n")
    commit(project)
    head = git(project, "rev-parse", "HEAD")
    result = CliRunner().invoke(app, ["update", str(project), "--to", "v0.2.0"])
    assert result.exit_code == 0, result.output
    assert git(project, "rev-parse", "HEAD") == head  # left uncommitted
    orders = (project / PKG / "orders.txt").read_text()
    assert "quantity: int  # how many\n" in orders
    assert orders.endswith("(v0.2.0)\n")
    assert (project / PKG / "products.txt").read_text().endswith("(v0.2.0)\n")
    for name in ("orders", "products"):
        assert resource_answers(project, name)["_commit"] == "v0.2.0"
    registry = (project / PKG / "registry.py").read_text()
    assert '    "orders",\n    "products",\n    # fledge: resource names\n' in registry
    assert "    products_router,\n    orders_router,\n" in registry
    changed = status(project)
    assert "M src/svc/orders.txt" in changed
    assert "M .fledge/resources/products.yml" in changed
    assert "src/svc/orders.txt" in result.output
    # The template's new migration and the resources' chain are joined: one head again.
    versions = project / PKG / "migrations" / "versions"
    merge = (versions / "merge_0005.py").read_text()
    assert 'down_revision: str | Sequence[str] | None = ("0002_later", "create_orders")' in merge
    assert resources.alembic_head(project, "svc") == "0005"
    assert resources.merge_alembic_heads(project, "svc") is None
    assert "merge_0005.py joins them" in " ".join(result.output.split())


def test_update_pretend_lists_what_the_template_changes_in_resources(project: Path) -> None:
    assert fledge_add(project, "orders", *ORDERS).exit_code == 0
    commit(project, "Add orders")
    before = work_tree(project)
    result = CliRunner().invoke(app, ["update", str(project), "--to", "v0.2.0", "--pretend"])
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert {("modified", "src/svc/orders.txt"), ("modified", "src/svc/products.txt")} <= rows
    assert ("modified", ".fledge/resources/orders.yml") in rows
    assert work_tree(project) == before
