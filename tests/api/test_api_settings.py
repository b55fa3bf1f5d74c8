"""Settings come from CARDSCAN_* variables; the database follows the data dir unless set."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings


def test_database_follows_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARDSCAN_DATABASE_URL", raising=False)
    monkeypatch.setenv("CARDSCAN_DATA_DIR", str(tmp_path / "x"))
    settings = Settings()
    assert settings.data_dir == (tmp_path / "x").resolve()
    assert settings.database_url == f"sqlite:///{(tmp_path / 'x').resolve()}/cardscan.db"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATA_DIR", "DATABASE_URL", "WORKERS", "DPI", "PAGE_DPI"):
        monkeypatch.delenv(f"CARDSCAN_{name}", raising=False)
    settings = Settings()
    assert settings.data_dir == Path("data").resolve()
    assert (settings.dpi, settings.page_dpi) == (300, 200)
    assert settings.workers >= 1


def test_explicit_values_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDSCAN_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    monkeypatch.setenv("CARDSCAN_WORKERS", "3")
    monkeypatch.setenv("CARDSCAN_DPI", "200")
    settings = Settings()
    assert settings.database_url == "sqlite:////tmp/elsewhere.db"
    assert (settings.workers, settings.dpi) == (3, 200)


def test_nonsense_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDSCAN_DPI", "5000")
    with pytest.raises(ValueError, match="dpi"):
        Settings()
