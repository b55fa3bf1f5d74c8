"""One router per resource under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import batches, health, pages

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(health.router)
api_router.include_router(batches.router)
api_router.include_router(pages.router)
