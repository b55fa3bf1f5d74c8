"""The batch flow of the review replay (`bench_review.py --flow batch`), keyboard only.

A reviewer who clears a batch kind by kind: in the field grid (`/fields?kind=K`, uncertain
values first, then the least confident of the others) they move to each value shown that
is wrong, marked uncertain or not (`*` in the trace), type the true one, and accept all the
others shown with Ctrl+Enter, until no value of that kind is uncertain.
Then the cards that still need a hand (a wrong value that was not marked uncertain, which
the replay knows from the truth, or no link) are opened and fixed on their document page,
and the queue confirms every page left with nothing to check: `c`, then Enter.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

GRID_KINDS = ("year", "name", "phone", "sector", "committee", "date", "manner", "signed", "text")
"""Identity first (a corrected year re-reads the dates, a name relinks), then the rows."""
GRID_CHOICES: dict[str, dict[Any, str]] = {
    "manner": {"visit": "1", "phone": "2", "other": "3"},
    "signed": {True: "1", False: "2"},
}
VERBOSE = "-v" in sys.argv
MISSING = object()
"""What `WrongOf` returns for a cell whose stored value is right."""
WrongOf = Callable[[int, str], Any]
IME_STARTS = (
    "document.activeElement.dispatchEvent("
    "new KeyboardEvent('keydown', {key: 'Process', keyCode: 229, bubbles: true}))"
)
"""The keydown a Chinese input method sends with the first key of a word (the characters
themselves are then typed, and counted, as usual)."""
"""(page id, field key) → the true value if the stored one is wrong, else `MISSING`."""


def grid_text(kind: str, value: Any) -> str | None:
    """What a reviewer types into a grid cell for ``value`` (None: clear it)."""
    if value is None:
        return None
    choices = GRID_CHOICES.get(kind)
    return choices[value] if choices is not None else str(value)


def grid_path(start: int, end: int, cols: int, count: int, typed: bool) -> list[str]:
    """The fewest keys from cell ``start`` to cell ``end`` as the grid moves: Enter and →
    one on, ← one back, ↓/↑ a row; after typing, only Enter and ↓/↑ leave the cell."""
    moves = {"Enter": 1, "ArrowDown": cols, "ArrowUp": -cols, "ArrowRight": 1, "ArrowLeft": -1}
    paths: dict[int, list[str]] = {start: []}
    frontier = [start]
    while end not in paths and frontier:
        step = []
        for at in frontier:
            for key, delta in moves.items():
                if typed and at == start and key in ("ArrowRight", "ArrowLeft"):
                    continue  # the caret moves inside the value being typed
                to = max(0, min(count - 1, at + delta))
                if to not in paths:
                    paths[to] = [*paths[at], key]
                    step.append(to)
        frontier = step
    return paths[end]


def replay_grid_kind(
    page: Page, url: str, kind: str, wrong_of: WrongOf, loads_ms: list[float]
) -> tuple[int, int, int, float]:
    """Clear every uncertain value of ``kind``; returns (keys pressed beyond the characters
    typed, characters typed, wrong values fixed, seconds spent typing). Each grid's load
    time is added to ``loads_ms``."""
    keys = typed_chars = fixed = 0
    typing = 0.0
    seen: set[tuple[int, str]] = set()
    while True:
        page.wait_for_load_state("networkidle")  # the last grid's crops: a load on its own
        start = time.perf_counter()
        page.goto(f"{url}/fields?kind={kind}")
        page.wait_for_function("document.activeElement?.classList.contains('cell') ?? true")
        loads_ms.append(1000 * (time.perf_counter() - start))
        cells: list[dict[str, Any]] = page.evaluate(
            "[...document.querySelectorAll('#field-grid .cell')].map(c => ({page_id:"
            " Number(c.dataset.pageId), key: c.dataset.key, uncertain:"
            " c.dataset.needsReview === 'true', top: c.offsetTop}))"
        )
        uncertain = [(c["page_id"], c["key"]) for c in cells if c["uncertain"]]
        if not uncertain or set(uncertain) <= seen:
            return keys, typed_chars, fixed, typing
        seen |= set(uncertain)
        cols = next((i for i, c in enumerate(cells) if c["top"] != cells[0]["top"]), len(cells))
        here, typed = 0, False
        trail = []
        for index, cell in enumerate(cells):
            # The odd one out among the values shown, marked uncertain or not.
            truth = wrong_of(cell["page_id"], cell["key"])
            if truth is MISSING:
                continue
            path = grid_path(here, index, cols, len(cells), typed)
            sign = "" if cell["uncertain"] else "*"
            trail.append(f"{index}{sign}({''.join(k[5:6] if k != 'Enter' else '⏎' for k in path)})")
            for key in path:
                page.keyboard.press(key)
            keys += len(path)
            text = grid_text(kind, truth)
            t0 = time.perf_counter()
            if text is None:
                page.keyboard.press("Backspace")
                typed_chars += 1
            else:
                if not text[0].isascii():  # an input method starts composing on the cell
                    page.evaluate(IME_STARTS)
                page.keyboard.type(text)
                typed_chars += len(text)
            typing += time.perf_counter() - t0
            here, typed = index, True
            fixed += 1
        if VERBOSE:
            print(
                f"    {kind}: {len(uncertain)} uncertain of {len(cells)} shown, {cols} a row;"
                f" wrong at {trail}"
            )
        try:
            with page.expect_navigation(timeout=10_000):
                page.keyboard.press("Control+Enter")
        except Exception:
            states = page.evaluate(
                "[...document.querySelectorAll('#field-grid .cell')].map(c => c.dataset.key"
                " + ' ' + c.className + ' ' + c.querySelector('.state').textContent)"
            )
            print("grid did not reload:", *states[:20], sep="\n  ")
            raise
        keys += 1


def confirm_checked_from_queue(page: Page, url: str) -> tuple[int, int]:
    """Confirm every checked page from the queue (`c`, Enter); returns (keys, pages done)."""
    page.goto(f"{url}/")
    ready = int(page.inner_text("#checked-ready"))
    if not ready:
        return 0, 0
    page.keyboard.press("c")
    page.wait_for_selector("#confirm-checked-dialog[open]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return 2, ready
