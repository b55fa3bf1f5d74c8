"""Errors that tell the user what to do, as one JSON shape for every failure of the API.

Every error body is ``{"error": {"code": ..., "message": <Chinese>, "message_en": <English>}}``;
``code`` is stable for programs, the messages are for people.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from records.corrections import ReviewError
from records.db import NulInText


class AppError(Exception):
    """A failure with an HTTP status, a code and a message in Chinese and English."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, message_en: str, *, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.code = code or self.code
        self.status = status or self.status


class NotAuthenticated(AppError):
    status, code = 401, "not_authenticated"

    def __init__(self) -> None:
        super().__init__("请先登录。", "Sign in first (session cookie or bearer token).")


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class TooManyAttempts(AppError):
    status, code = 429, "too_many_attempts"


GENERIC: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求有误。", "Bad request."),
    401: ("not_authenticated", "请先登录。", "Sign in first."),
    403: ("forbidden", "没有权限。", "Not allowed."),
    404: ("not_found", "找不到该地址。", "Not found."),
    405: ("method_not_allowed", "不支持该请求方法。", "Method not allowed."),
    413: ("too_large", "上传内容过大。", "Upload too large."),
    422: ("invalid_input", "输入有误。", "Invalid input."),
}


def error_body(code: str, message: str, message_en: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "message_en": message_en, **extra}}


def install_error_handlers(app: FastAPI) -> None:
    """Map every error the app can raise to the one JSON shape."""

    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.message_en), exc.status)

    @app.exception_handler(ReviewError)
    async def _review_refused(_: Request, exc: ReviewError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.message_en), exc.status)

    @app.exception_handler(NulInText)
    async def _nul_in_text(_: Request, exc: NulInText) -> JSONResponse:
        del exc
        return JSONResponse(
            error_body(
                "invalid_input",
                "输入中含有无效的空字符（NUL），请删除后重试。",
                "The input contains a NUL character; remove it and try again.",
            ),
            422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message, message_en = GENERIC.get(
            exc.status_code, ("error", "请求失败。", "Request failed.")
        )
        if isinstance(exc.detail, str) and exc.detail:
            message_en = exc.detail
        return JSONResponse(
            error_body(code, message, message_en), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body(
                "invalid_input",
                "输入有误，请检查后重试。",
                "Invalid input; check the fields named below.",
                problems=problems,
            ),
            422,
        )
