"""Sign-in, sessions with CSRF, throttling, tokens, the user CLI and the audit trail."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.security import MAX_FAILURES, SESSION_COOKIE
from api.settings import Settings
from records.accounts import User
from records.audit import AuditEvent
from records.db import make_engine
from tests.conftest import TEST_PASSWORD, add_user


def actions(settings: Settings) -> list[str]:
    with Session(make_engine(settings.database_url)) as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def login(client: TestClient, name: str, password: str = TEST_PASSWORD) -> str:
    response = client.post("/api/v1/auth/login", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def test_login_sets_a_strict_httponly_cookie_and_changes_need_the_csrf_token(
    settings: Settings,
) -> None:
    add_user(settings, "rev", "reviewer")
    with TestClient(create_app(settings)) as client:
        csrf = login(client, "rev")
        cookie = client.cookies.get(SESSION_COOKIE)
        assert cookie
        header = next(h for k, h in client.cookies.jar._cookies.items() if k)
        del header
        assert client.get("/api/v1/auth/me").json()["user"]["name"] == "rev"
        refused = client.post("/api/v1/auth/tokens", json={"label": "x"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        wrong = client.post(
            "/api/v1/auth/tokens", json={"label": "x"}, headers={"X-CSRF-Token": "not-it"}
        )
        assert wrong.status_code == 403
        made = client.post(
            "/api/v1/auth/tokens", json={"label": "x"}, headers={"X-CSRF-Token": csrf}
        )
        assert made.status_code == 201
    assert actions(settings)[-2:] == ["login", "token_created"]


def test_cookie_flags(settings: Settings) -> None:
    add_user(settings, "rev", "reviewer")
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/auth/login", json={"name": "rev", "password": TEST_PASSWORD}
        )
        set_cookie = response.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=strict" in set_cookie
        assert "secure" not in set_cookie  # development default; production turns it on


def test_production_cookies_are_secure(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDSCAN_ENVIRONMENT", "production")
    production = Settings()
    add_user(production, "rev", "reviewer")
    with TestClient(create_app(production), base_url="https://testserver") as client:
        response = client.post(
            "/api/v1/auth/login", json={"name": "rev", "password": TEST_PASSWORD}
        )
        assert "secure" in response.headers["set-cookie"].lower()


def test_repeated_failures_throttle_even_the_right_password(settings: Settings) -> None:
    add_user(settings, "rev", "reviewer")
    with TestClient(create_app(settings)) as client:
        for _ in range(MAX_FAILURES):
            bad = client.post("/api/v1/auth/login", json={"name": "rev", "password": "nope"})
            assert bad.status_code == 401
            assert bad.json()["error"]["code"] == "bad_credentials"
        blocked = client.post("/api/v1/auth/login", json={"name": "rev", "password": TEST_PASSWORD})
        assert blocked.status_code == 429
        body = blocked.json()["error"]
        assert body["code"] == "too_many_attempts" and "分钟" in body["message"]
    assert actions(settings).count("login_failed") >= MAX_FAILURES


def test_unknown_users_fail_like_wrong_passwords(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/auth/login", json={"name": "ghost", "password": "whatever1234"}
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "bad_credentials"


def test_bearer_tokens_work_until_revoked(settings: Settings) -> None:
    headers = add_user(settings, "off", "office")
    with TestClient(create_app(settings), headers=headers) as client:
        made = client.post("/api/v1/auth/tokens", json={"label": "report script"}).json()
        other = {"Authorization": f"Bearer {made['token']}"}
        assert client.get("/api/v1/auth/me", headers=other).status_code == 200
        assert client.delete(f"/api/v1/auth/tokens/{made['info']['id']}").status_code == 204
        assert client.get("/api/v1/auth/me", headers=other).status_code == 401


def test_deactivated_users_are_locked_out(settings: Settings) -> None:
    admin = add_user(settings, "boss", "admin")
    clerk = add_user(settings, "clerk", "clerk")
    with TestClient(create_app(settings)) as client:
        users = client.get("/api/v1/users", headers=admin).json()["items"]
        clerk_id = next(u["id"] for u in users if u["name"] == "clerk")
        changed = client.patch(f"/api/v1/users/{clerk_id}", json={"active": False}, headers=admin)
        assert changed.status_code == 200 and changed.json()["active"] is False
        assert client.get("/api/v1/batches", headers=clerk).status_code == 401
        me = next(u["id"] for u in users if u["name"] == "boss")
        lockout = client.patch(f"/api/v1/users/{me}", json={"role": "clerk"}, headers=admin)
        assert lockout.status_code == 409


def test_passwords_are_stored_as_argon2_hashes(settings: Settings) -> None:
    add_user(settings, "rev", "reviewer")
    with Session(make_engine(settings.database_url)) as session:
        user = session.exec(select(User)).one()
    assert user.password_hash.startswith("$argon2")
    assert TEST_PASSWORD not in user.password_hash


def test_error_bodies_share_one_shape(settings: Settings) -> None:
    headers = add_user(settings, "boss", "admin")
    with TestClient(create_app(settings), headers=headers) as client:
        for response in (
            client.get("/api/v1/pages/424242"),
            client.get("/api/v1/pages", params={"limit": 0}),
            TestClient(client.app).get("/api/v1/pages"),
            client.post("/api/v1/users", json={"name": "x", "role": "king", "password": "0" * 12}),
        ):
            error = response.json()["error"]
            assert set(error) >= {"code", "message", "message_en"}, response.text
            assert any("\u4e00" <= c <= "\u9fff" for c in error["message"])


def test_the_login_form_needs_its_token_and_screens_need_a_user(settings: Settings) -> None:
    add_user(settings, "rev", "reviewer")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.get("/").headers["location"].startswith("/login")
        form = client.get("/login")
        assert "登录" in form.text
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        forged = client.post(
            "/login", data={"name": "rev", "password": TEST_PASSWORD, "csrf_token": "forged"}
        )
        assert forged.headers["location"] == "/login?error=expired"
        ok = client.post(
            "/login",
            data={"name": "rev", "password": TEST_PASSWORD, "csrf_token": token, "next": "/"},
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        assert client.get("/").status_code == 200
        # Signing out is a form post that carries the session's token too.
        assert client.post("/logout").status_code == 403
        page = client.get("/").text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert client.get("/").status_code == 303


def test_user_cli_adds_users_refuses_bad_input_and_mints_tokens(settings: Settings) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        ["user", "add", "zhang", "--role", "reviewer", "--committee", "新桥镇", "--password-stdin"],
        input=TEST_PASSWORD + "\n",
    )
    assert ok.exit_code == 0, ok.output
    for args, text in (
        (["user", "add", "li", "--role", "king", "--password-stdin"], TEST_PASSWORD),
        (["user", "add", "li", "--role", "clerk", "--password-stdin"], "short"),
        (
            ["user", "add", "li", "--role", "clerk", "--committee", "火星", "--password-stdin"],
            TEST_PASSWORD,
        ),
        (["user", "add", "zhang", "--role", "clerk", "--password-stdin"], TEST_PASSWORD),
    ):
        assert runner.invoke(cli, args, input=text + "\n").exit_code == 2, args
    listed = runner.invoke(cli, ["user", "list"])
    assert "zhang\treviewer\t新桥镇" in listed.output
    token = runner.invoke(cli, ["user", "token", "zhang"]).output.strip()
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["user"]["committee"] == "新桥镇"
    assert actions(settings) == ["user_created", "token_created"]


def test_the_audit_trail_is_readable_by_admins_and_cannot_be_rewritten(
    settings: Settings,
) -> None:
    headers = add_user(settings, "boss", "admin")
    with TestClient(create_app(settings), headers=headers) as client:
        client.post(
            "/api/v1/users", json={"name": "wang", "role": "office", "password": TEST_PASSWORD}
        )
        events = client.get("/api/v1/audit").json()["items"]
        assert events[0]["action"] == "user_created" and events[0]["actor"] == "boss"
        assert TEST_PASSWORD not in str(events)
        download = client.get("/api/v1/audit/export.csv")
        assert download.content.startswith("\ufeff".encode())
    assert actions(settings)[-1] == "audit_exported"
    engine = make_engine(settings.database_url)
    with Session(engine) as session, pytest.raises(DBAPIError):
        event = session.exec(select(AuditEvent)).first()
        assert event is not None
        session.delete(event)
        session.commit()
