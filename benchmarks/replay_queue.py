"""Getting about by keys in the review replay (`bench_review.py`): where the browser is,
how long the screen it is on took to load, and opening a card from the queue.

The replay never jumps by address once signed in: every screen after the queue is reached
by the keys a reviewer would press (Enter on a queue row, `f` for the field grid, Ctrl+Enter
on to the next card or kind), and those keys are counted.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page


def where(page: Page) -> tuple[str, str | None]:
    """("queue", None), ("page", its id), ("fields", the kind) or ("other", the path)."""
    address = urlparse(page.url)
    if address.path == "/":
        return "queue", None
    if address.path.startswith("/pages/"):
        return "page", address.path.rsplit("/", 1)[-1]
    if address.path == "/fields":
        return "fields", parse_qs(address.query).get("kind", ["date"])[0]
    return "other", address.path


def load_ms(page: Page) -> float:
    """Milliseconds from the start of the navigation (its redirects included) to the moment
    the screen could be worked (`performance.mark("cardscan-ready")`, set by its script once
    the focus is in place), or to the load event if that came later."""
    ms: float = page.evaluate(
        "(() => { const ready = performance.getEntriesByName('cardscan-ready')[0];"
        " const nav = performance.getEntriesByType('navigation')[0];"
        " return Math.max(ready ? ready.startTime : performance.now(), nav.loadEventEnd); })()"
    )
    return ms


def queue_rows(page: Page) -> list[int]:
    ids: list[int] = page.evaluate(
        "[...document.querySelectorAll('#queue tbody tr[data-page-id]')]"
        ".map(r => Number(r.dataset.pageId))"
    )
    return ids


def open_from_queue(page: Page, wanted: set[int]) -> tuple[int, int]:
    """On the queue, open the first of ``wanted`` in its order (the selection starts on the
    first row): `n` to turn a page, `j` down to it (or End, then `k` up), Enter. Returns
    (keys pressed, page id opened)."""
    keys = 0
    while True:
        rows = queue_rows(page)
        found = [i for i, page_id in enumerate(rows) if page_id in wanted]
        if found:
            break
        assert page.locator(".pager a[rel=next]").count(), f"no row of {sorted(wanted)}"
        with page.expect_navigation():
            page.keyboard.press("n")
        keys += 1
    at = found[0]
    down = ["j"] * at
    up = ["End", *["k"] * (len(rows) - 1 - at)]  # from the last row back up
    for key in min(down, up, key=len):
        page.keyboard.press(key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return keys + min(len(down), len(up)) + 1, rows[at]
