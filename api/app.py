"""The FastAPI application: JSON API under /api/v1 and the review screens at /."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.routes import api_router
from api.settings import Settings, load_settings
from ocr.parse.names import pinyin_of
from records.db import init_db, make_engine
from review_ui.admin import router as admin_router
from review_ui.queue import router as queue_router
from review_ui.reports import router as reports_router
from review_ui.roster_screens import router as roster_router
from review_ui.session import LoginRequired, login_redirect
from review_ui.session import router as session_router
from review_ui.views import router as review_router

STATIC_DIR = Path(__file__).resolve().parent.parent / "review_ui" / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """An app bound to one installation's settings and database."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    app = FastAPI(
        title="cardscan",
        version="0.1.0",
        description="Scanned CPPCC service cards into verified visit counts. Every route but "
        "`/api/v1/health` and `/api/v1/auth/login` needs a session cookie (with the "
        "`X-CSRF-Token` header on changes) or an `Authorization: Bearer` token.",
    )
    install_error_handlers(app)
    app.state.settings = settings
    app.state.engine = engine
    app.include_router(api_router)
    app.add_exception_handler(LoginRequired, login_redirect)  # type: ignore[arg-type]
    app.include_router(session_router)
    app.include_router(queue_router)
    app.include_router(review_router)
    app.include_router(admin_router)
    app.include_router(roster_router)
    app.include_router(reports_router)
    # Scripts and styles of the screens, served locally (no CDN, no build step).
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    pinyin_of("预热")  # load the pinyin dictionaries now, not on a reviewer's first keystroke
    return app
