"""The resources' contract tests use the contract tests' clients."""

from tests.contract.conftest import account as account
from tests.contract.conftest import api as api
from tests.contract.conftest import authed as authed
