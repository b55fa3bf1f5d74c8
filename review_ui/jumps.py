"""Jump letters: Alt + the letter shown in a cell's corner takes the focus straight to it
(Alt+Shift for a capital), so a wrong value spotted anywhere on a screen is one chord away.

The browser matches the chord by `KeyboardEvent.code`, so it is the same whatever the
keyboard layout or input method.
"""

from __future__ import annotations

import string

GRID_JUMP_KEYS = string.ascii_lowercase + string.ascii_uppercase
"""One per cell of the field grid, in the grid's order."""

DOCUMENT_JUMP_KEYS = "".join(c for c in GRID_JUMP_KEYS if c.lower() not in "lor")
"""One per field of the document page, in reading order. Alt+L, Alt+O and Alt+R are the
page's own chords there (link, reopen, reject), so those letters are left out."""


def jump_letters(count: int, letters: str) -> list[str]:
    """The first ``count`` letters; a screen never shows more cells than it has letters."""
    if count > len(letters):
        raise ValueError(f"{count} cells, only {len(letters)} jump letters")
    return list(letters[:count])
