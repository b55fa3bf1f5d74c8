"""The four working roles, created by the CLI, each in the browser: their job and no more."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from tests.conftest import TEST_PASSWORD
from tests.ui.pages_fixtures import ReviewSite, build_site, serve_app

WAIT_MS = 10_000


@pytest.fixture
def site(settings: Settings) -> ReviewSite:
    site = build_site(settings)
    for name, role, extra in (
        ("clerk", "clerk", []),
        ("reviewer", "reviewer", []),
        ("town", "reviewer", ["--committee", "新桥镇"]),
        ("office", "office", []),
    ):
        made = CliRunner().invoke(
            cli,
            ["user", "add", name, "--role", role, *extra, "--password-stdin"],
            input=TEST_PASSWORD + "\n",
        )
        assert made.exit_code == 0, made.output
    return site


@pytest.fixture
def base_url(site: ReviewSite) -> Iterator[str]:
    app = create_app(site.settings)
    with serve_app(app) as url:
        yield url
    app.state.engine.dispose()


def signed_in(browser: Browser, base_url: str, name: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_each_role_sees_its_own_screens(browser: Browser, base_url: str, site: ReviewSite) -> None:
    meng, zhang, form_r = site.pages["meng"], site.pages["zhang"], site.pages["form_r"]

    clerk = signed_in(browser, base_url, "clerk")
    assert clerk.url.endswith("/batches")  # a clerk's home is the batches
    assert clerk.locator("input[type=file]").count() == 1  # and the clerk may upload
    assert clerk.goto(f"{base_url}/pages/{meng}").status == 403  # but reads no card

    reviewer = signed_in(browser, base_url, "reviewer")
    reviewer.goto(f"{base_url}/pages/{zhang}")
    reviewer.wait_for_selector("#doc[data-ready=true]")
    assert reviewer.locator(".doc-input:not([disabled])").count() > 0  # editable
    assert reviewer.goto(f"{base_url}/admin/users").status == 403

    town = signed_in(browser, base_url, "town")
    town.goto(f"{base_url}/?status=")
    listed = town.locator("#queue tbody tr[data-page-id]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.pageId))"
    )
    assert meng in listed and zhang not in listed  # only 新桥镇's cards
    assert town.goto(f"{base_url}/pages/{zhang}").status == 404

    office = signed_in(browser, base_url, "office")
    office.goto(f"{base_url}/pages/{form_r}")
    office.wait_for_selector("#doc[data-ready=true]")
    assert office.locator(".doc-input:not([disabled])").count() == 0  # read only
    phone = office.locator("#f-member_phone").input_value()
    assert "****" in phone and "13800000001" not in office.content()  # masked
    assert office.goto(f"{base_url}/admin/audit").status == 403
