"""One error shape for every 4xx under /api/v1.

``{"error": "<one sentence>", "fields": [{"loc": [...], "message": "..."}]}``.
``loc`` starts with where the field was sent (``body``, ``query``, ``path``),
then the path inside it, so ``["body", "json_path", 0, "equals"]`` names one
entry of a monitor document exactly as the YAML loader does. Routes outside
the API keep FastAPI's default handlers: these are registered app-wide but
only answer for paths under the API prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tocsin.checks.monitors import NotFound
from tocsin.checks.spec import SpecError

PREFIX = "/api/v1"

Loc = Sequence[str | int]

# Sentences for statuses raised by the framework itself (unknown route, wrong
# method), so they read like ours.
_DEFAULT_SENTENCES = {
    404: "No such API route.",
    405: "This method is not allowed on this route.",
}


class ApiError(Exception):
    """Raised by route code: becomes the error shape with this status."""

    def __init__(
        self, status: int, message: str, *, fields: list[tuple[Loc, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []
        self.headers = headers


def error_body(message: str, fields: list[tuple[Loc, str]] | None = None) -> dict[str, Any]:
    return {"error": message,
            "fields": [{"loc": list(loc), "message": msg} for loc, msg in fields or []]}


def error_response(
    status: int, message: str, fields: list[tuple[Loc, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(message, fields), status_code=status, headers=headers)


def invalid(fields: list[tuple[Loc, str]], what: str = "The request") -> ApiError:
    names = ", ".join(dict.fromkeys(".".join(str(p) for p in loc[1:] or loc)
                                    for loc, _ in fields))
    noun = "field" if len(fields) == 1 else "fields"
    return ApiError(422, f"{what} has {len(fields)} invalid {noun}: {names}.", fields=fields)


def spec_error(exc: SpecError) -> ApiError:
    fields: list[tuple[Loc, str]] = [(("body", *loc), msg) for loc, msg in exc.errors]
    return invalid(fields or [(("body",), str(exc))], "The monitor document")


def _in_api(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def _validation_fields(exc: RequestValidationError) -> list[tuple[Loc, str]]:
    fields: list[tuple[Loc, str]] = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            msg = "the body is not valid JSON: " + str(err.get("ctx", {}).get("error", msg))
        fields.append((tuple(err.get("loc", ())), msg))
    return fields


async def _on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.fields, exc.headers)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _in_api(request):
        return await request_validation_exception_handler(request, exc)
    error = invalid(_validation_fields(exc))
    return error_response(error.status, error.message, error.fields)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not _in_api(request):
        return await http_exception_handler(request, exc)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else ""
    sentence = detail or _DEFAULT_SENTENCES.get(exc.status_code) or f"{phrase}."
    return error_response(exc.status_code, sentence,
                          headers=dict(exc.headers) if exc.headers else None)


async def _on_spec_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SpecError)
    if not _in_api(request):
        raise exc
    error = spec_error(exc)
    return error_response(error.status, error.message, error.fields)


async def _on_not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFound)
    if not _in_api(request):
        raise exc
    return error_response(404, f"No monitor with uuid {exc.args[0]!r}.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(SpecError, _on_spec_error)
    app.add_exception_handler(NotFound, _on_not_found)
