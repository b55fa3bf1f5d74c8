"""Property-based tests of the whole API from its OpenAPI document (schemathesis).

Every operation is called with generated inputs as an admin (who may call them all):
no response may be a server error or break the schema the document promises.
Examples are bounded and derandomized, so the suite stays fast and deterministic.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from api.settings import Settings
from tests.conftest import add_user

EXAMPLES_PER_OPERATION = 10
SKIPPED = {("POST", "/api/v1/auth/logout")}  # would end the token's session mid-run


def test_no_server_errors_and_responses_match_the_schema(settings: Settings) -> None:
    headers = add_user(settings, "fuzz-admin", "admin")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    checked, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Exception as e:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(e)[:400]}")
        checked += 1
    assert checked >= 30, "the OpenAPI document lost operations"
    assert failures == [], "\n".join(failures)
