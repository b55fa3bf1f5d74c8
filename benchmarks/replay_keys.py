"""Keys on the document page, for the review replay (`bench_review.py`): what a wrong
value is typed as, and the fewest keys from one field to another, moving as the page
itself reports it moves (`data-moves`, `data-order`), or by a field's jump chord
(`data-jump`: Alt + its letter)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from forms.spec import field_kind

MANNER_KEYS = {"visit": "1", "phone": "2", "other": "3", None: "0"}


def type_value(page: Page, kind: str, value: Any) -> int:
    """Type a true value into the focused field; returns the characters typed."""
    if kind == "manner":
        page.keyboard.press(MANNER_KEYS[value])
        return 1
    if kind == "signed":
        page.keyboard.press("y" if value else "n")
        return 1
    if value is None:
        page.keyboard.press("Backspace")
        return 1
    text = str(value)
    page.keyboard.type(text)
    return len(text)


KEYED_KINDS = frozenset({"manner", "signed"})
SUGGESTING_KINDS = frozenset({"name", "sector", "committee"})  # ↓/↑ pick a suggestion


@dataclass(frozen=True)
class Nav:
    """How keys move focus on one document page, as the page itself reports it."""

    keys: list[str]
    order: list[str]  # the uncertain fields, in the order Enter visits them
    moves: dict[str, dict[str, str | None]]  # field → arrow key → field
    jumps: dict[str, str]  # field → the letter whose Alt chord focuses it

    def after(self, here: str | None, key: str, typed: bool) -> str | bool | None:
        """Where `key` takes the focus from `here` (None: the confirm button); False when
        the key does not move (a caret move inside a just-typed value, a suggestion pick)."""
        if here is None:
            if key == "ArrowDown":
                return self.keys[0]
            return self.keys[-1] if key == "ArrowUp" else False
        kind = field_kind(here)
        if key == "Enter":
            if here in self.order:
                at = self.order.index(here)
                return self.order[at + 1] if at + 1 < len(self.order) else None
            later = [k for k in self.order if self.keys.index(k) > self.keys.index(here)]
            return later[0] if later else None
        vertical = key in ("ArrowUp", "ArrowDown")
        if (
            typed
            and kind not in KEYED_KINDS
            and (key == "ArrowLeft" or (kind in SUGGESTING_KINDS and vertical))
        ):
            return False
        target = self.moves[here].get(key)
        return target if target else False


def shortest_path(nav: Nav, here: str | None, there: str, typed: bool) -> list[str] | None:
    """The fewest keys from `here` to field `there`: breadth-first over Enter and the arrows,
    moving as the page moves."""
    paths: dict[str | None, list[str]] = {here: []}
    frontier: list[str | None] = [here]
    while there not in paths and frontier:
        step: list[str | None] = []
        for at in frontier:
            for key in ("Enter", "ArrowDown", "ArrowUp", "ArrowRight", "ArrowLeft"):
                to = nav.after(at, key, typed and at == here)
                if to is not False and to not in paths:
                    assert not isinstance(to, bool)
                    paths[to] = [*paths[at], key]
                    step.append(to)
        frontier = step
    return paths.get(there)


def fewest_keys(nav: Nav, here: str | None, there: str, typed: bool) -> list[str] | None:
    """The keys to press from `here` to `there`: Enter or an arrow when one is enough, else
    the Alt chord of the field's jump letter (or the arrows, for a field without one)."""
    path = shortest_path(nav, here, there, typed)
    letter = nav.jumps.get(there)
    if letter and (path is None or len(path) > 1):
        return [jump_chord(letter)]
    return path


def jump_chord(letter: str) -> str:
    """The chord that focuses the cell or field marked ``letter`` (review_ui.jumps)."""
    return f"Alt+Shift+{letter}" if letter.isupper() else f"Alt+{letter}"


def move_to(page: Page, nav: Nav, here: str | None, there: str, typed: bool) -> tuple[int, str]:
    """Press the fewest keys that take the focus to `there`; returns their count and signs."""
    path = fewest_keys(nav, here, there, typed)
    assert path is not None, (here, there)
    for key in path:
        page.keyboard.press(key)
    assert active_key(page) == there, (here, there, path, active_key(page))
    return len(path), "".join(sign(k) for k in path)


def sign(key: str) -> str:
    """A key as the verbose trace shows it: an arrow, ⏎, or @ and a jump letter."""
    return "@" + key[-1] if key.startswith("Alt+") else ARROW_SIGNS.get(key, "⏎")


ARROW_SIGNS = {"ArrowDown": "↓", "ArrowUp": "↑", "ArrowRight": "→", "ArrowLeft": "←"}


def active_key(page: Page) -> str | None:
    key: str | None = page.evaluate(
        "document.activeElement && document.activeElement.closest('.doc-field')"
        " ? document.activeElement.closest('.doc-field').dataset.key : null"
    )
    return key


def route(nav: Nav, start: str | None, wrong: dict[str, Any]) -> list[str]:
    """The order to fix the wrong fields in: greedily the nearest next, as a reviewer who
    sees the whole card would (distances by the same keys, without pressing them)."""
    left, here, typed, out = set(wrong), start, False, []
    while left:
        best = min(left, key=lambda k: (steps(nav, here, k, typed), nav.keys.index(k)))
        out.append(best)
        left.remove(best)
        here, typed = best, True
    return out


def steps(nav: Nav, here: str | None, there: str, typed: bool) -> int:
    path = fewest_keys(nav, here, there, typed)
    return 10**6 if path is None else len(path)
