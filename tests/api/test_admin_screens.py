"""The admin screens: user management and the audit trail, in Chinese, behind the admin role."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import TEST_PASSWORD, add_user


def session_client(settings: Settings, name: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings), follow_redirects=False)
    response = client.post("/api/v1/auth/login", json={"name": name, "password": TEST_PASSWORD})
    return client, str(response.json()["csrf_token"])


def test_an_admin_adds_and_changes_users_from_the_screen(settings: Settings) -> None:
    add_user(settings, "boss", "admin")
    client, csrf = session_client(settings, "boss")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "用户管理" in page.text and "管理员" in page.text
    new = {
        "name": "xiaowang",
        "role": "reviewer",
        "committee": "新桥镇",
        "password": TEST_PASSWORD,
        "csrf_token": csrf,
    }
    assert client.post("/admin/users", data={**new, "csrf_token": "forged"}).status_code == 403
    added = client.post("/admin/users", data=new)
    assert added.status_code == 303 and "message=" in added.headers["location"]
    users = client.get("/api/v1/users", headers={"X-CSRF-Token": csrf}).json()["items"]
    wang = next(u for u in users if u["name"] == "xiaowang")
    assert (wang["role"], wang["committee"]) == ("reviewer", "新桥镇")
    changed = client.post(
        f"/admin/users/{wang['id']}", data={"role": "office", "committee": "", "csrf_token": csrf}
    )
    assert changed.status_code == 303
    users = client.get("/api/v1/users").json()["items"]
    wang = next(u for u in users if u["name"] == "xiaowang")
    assert (wang["role"], wang["committee"], wang["active"]) == ("office", None, False)
    short = client.post("/admin/users", data={**new, "name": "li", "password": "short"})
    assert "%E8%BE%93%E5%85%A5" in short.headers["location"]  # 输入有误, URL-encoded
    audit = client.get("/admin/audit")
    assert (
        audit.status_code == 200 and "user_created" in audit.text and "user_changed" in audit.text
    )


def test_other_roles_may_not_open_the_admin_screens(settings: Settings) -> None:
    add_user(settings, "rev", "reviewer")
    client, _ = session_client(settings, "rev")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    anonymous = TestClient(create_app(settings), follow_redirects=False)
    assert anonymous.get("/admin/users").headers["location"].startswith("/login")
