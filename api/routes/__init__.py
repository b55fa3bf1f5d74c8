"""One router per resource under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    audit,
    auth,
    batches,
    bulk_review,
    exports,
    health,
    pages,
    printing,
    review_support,
    roster,
    tally,
    users,
)

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(users.router)
api_router.include_router(audit.router)
api_router.include_router(batches.router)
api_router.include_router(pages.router)
api_router.include_router(review_support.router)
api_router.include_router(bulk_review.router)
api_router.include_router(roster.router)
api_router.include_router(exports.router)
api_router.include_router(printing.router)
api_router.include_router(tally.router)
