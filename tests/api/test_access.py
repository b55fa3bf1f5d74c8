"""Who may call what: every API route against every role, and without credentials.

The expected table is written out here, independently of `api/permissions.py`, and
every route the app exposes must be in it: a new route without a rule fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import add_user

ROLES = ("clerk", "reviewer", "office", "admin")
ANY = frozenset(ROLES)
PUBLIC = None  # no credentials needed
CLERK, REVIEWER, OFFICE, ADMIN = ({r} for r in ROLES)

# (method, path) -> roles allowed (None: public). Written from the role list:
# clerk uploads and sees batches; reviewer reviews; office reports and exports;
# admin manages users, the roster and the audit trail.
EXPECTED: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): ANY,
    ("GET", "/api/v1/auth/me"): ANY,
    ("POST", "/api/v1/auth/tokens"): ANY,
    ("GET", "/api/v1/auth/tokens"): ANY,
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): ANY,
    ("GET", "/api/v1/users"): frozenset(ADMIN),
    ("POST", "/api/v1/users"): frozenset(ADMIN),
    ("PATCH", "/api/v1/users/{user_id}"): frozenset(ADMIN),
    ("GET", "/api/v1/audit"): frozenset(ADMIN),
    ("GET", "/api/v1/audit/export.csv"): frozenset(ADMIN),
    ("GET", "/api/v1/batches"): ANY,
    ("POST", "/api/v1/batches"): frozenset(CLERK | ADMIN),
    ("GET", "/api/v1/batches/{batch_id}"): ANY,
    ("GET", "/api/v1/batches/{batch_id}/files"): ANY,
    ("PATCH", "/api/v1/batches/{batch_id}"): frozenset(CLERK | ADMIN),
    ("GET", "/api/v1/pages"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("GET", "/api/v1/pages/{page_id}"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("GET", "/api/v1/pages/{page_id}/image"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("GET", "/api/v1/pages/{page_id}/history"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("PUT", "/api/v1/pages/{page_id}/fields/{key}"): frozenset(REVIEWER | ADMIN),
    ("PUT", "/api/v1/pages/{page_id}/link"): frozenset(REVIEWER | ADMIN),
    ("PUT", "/api/v1/pages/{page_id}/form"): frozenset(REVIEWER | ADMIN),
    ("POST", "/api/v1/pages/{page_id}/confirm"): frozenset(REVIEWER | ADMIN),
    ("POST", "/api/v1/pages/{page_id}/reject"): frozenset(REVIEWER | ADMIN),
    ("POST", "/api/v1/pages/{page_id}/reopen"): frozenset(REVIEWER | ADMIN),
    ("GET", "/api/v1/pages/{page_id}/fields/{key}/crop.png"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("GET", "/api/v1/pages/{page_id}/suggest/{key}"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("POST", "/api/v1/pages/{page_id}/validate/{key}"): frozenset(REVIEWER | ADMIN),
    ("POST", "/api/v1/pages/{page_id}/claim"): frozenset(REVIEWER | ADMIN),
    ("DELETE", "/api/v1/pages/{page_id}/claim"): frozenset(REVIEWER | ADMIN),
    ("GET", "/api/v1/pages/{page_id}/next"): frozenset(REVIEWER | ADMIN),
    ("POST", "/api/v1/review/accept-fields"): frozenset(REVIEWER | ADMIN),
    ("GET", "/api/v1/review/checked"): frozenset(REVIEWER | ADMIN),
    ("POST", "/api/v1/review/confirm-checked"): frozenset(REVIEWER | ADMIN),
    ("GET", "/api/v1/roster/members"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("POST", "/api/v1/roster/members"): frozenset(ADMIN),
    ("GET", "/api/v1/roster/members/{member_id}"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("PATCH", "/api/v1/roster/members/{member_id}"): frozenset(ADMIN),
    ("GET", "/api/v1/roster/members/{member_id}/contacts"): frozenset(REVIEWER | OFFICE | ADMIN),
    ("POST", "/api/v1/roster/import"): frozenset(ADMIN),
    ("GET", "/api/v1/exports/records.jsonl"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/exports/records.csv"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/print/cards.pdf"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/print/registration.pdf"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}/rules"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}/members"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}/members/{member_id}"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}/sectors"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}/committees"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}/completeness"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}.csv"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}.xlsx"): frozenset(OFFICE | ADMIN),
    ("GET", "/api/v1/tally/{year}.json"): frozenset(OFFICE | ADMIN),
}


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1, from its OpenAPI document (every
    API route is in it; only the HTML screens are left out, and none lives under /api)."""
    paths = app.openapi()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in operations
    ]


@pytest.fixture
def clients(settings: Settings) -> Iterator[dict[str | None, TestClient]]:
    app = create_app(settings)
    out: dict[str | None, TestClient] = {None: TestClient(app)}
    for role in ROLES:
        out[role] = TestClient(app, headers=add_user(settings, f"{role}1", role))
    yield out
    for client in out.values():
        client.close()


def test_every_route_has_a_rule(settings: Settings) -> None:
    routes = set(api_routes(create_app(settings)))
    assert routes - set(EXPECTED) == set(), "new routes need a row in EXPECTED"
    assert set(EXPECTED) - routes == set(), "EXPECTED names routes the app lacks"


def _call(client: TestClient, method: str, path: str) -> int:
    url = re.sub(r"\{[^}]+\}", "999999", path)  # no such row: the gate answers first
    if method == "GET":
        return client.get(url).status_code
    return client.request(method, url, json={}).status_code


@pytest.mark.parametrize("role", [None, *ROLES])
def test_role_matrix(clients: dict[str | None, TestClient], role: str | None) -> None:
    """Allowed roles get past the gate (never 401/403); others get 403; nobody gets in
    without credentials except to the public routes."""
    wrong = []
    for (method, path), allowed in EXPECTED.items():
        if path == "/api/v1/auth/logout":
            continue  # signing out ends the token's session for the next checks
        status = _call(clients[role], method, path)
        if allowed is PUBLIC:
            ok = status not in (401, 403)
        elif role is None:
            ok = status == 401
        elif role in allowed:
            ok = status not in (401, 403)
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{role}: {method} {path} -> {status}")
    assert wrong == []
