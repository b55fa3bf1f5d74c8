"""What every `cardscan` command shares: the consoles and the exit codes (mapped here only)."""

from __future__ import annotations

from rich.console import Console

EXIT_OK = 0
EXIT_FILES_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

console = Console()
err_console = Console(stderr=True)
