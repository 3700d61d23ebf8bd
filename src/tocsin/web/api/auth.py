"""Bearer-token authentication for /api/v1 (RFC 6750).

Every route depends on :func:`reader` (any valid token) or :func:`writer` (a
token that may change things). A missing or unknown token is 401 with a
``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3); a valid token that may
not write — read-only, or its user is a viewer — is 403, because asking again
with the same credentials cannot help.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tocsin.accounts.tokens import TokenOwner, resolve_api_token
from tocsin.store.runtime import Runtime
from tocsin.web.api.errors import ApiError
from tocsin.web.api.models import ErrorOut

# auto_error=False: we answer 401 ourselves, in the API's error shape. The
# object still puts the bearer security scheme into the OpenAPI document.
bearer = HTTPBearer(
    auto_error=False, scheme_name="bearer", bearerFormat="tcn_…",
    description="An API token (`tcn_…`): `Authorization: Bearer <token>`. "
                "Read-only tokens and viewers' tokens may only read.",
)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _unauthorised(message: str, error: str | None = None) -> ApiError:
    challenge = 'Bearer realm="tocsin"'
    if error:
        challenge += f', error="{error}"'
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def reader(
    runtime: Annotated[Runtime, Depends(runtime_of)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenOwner:
    """The token's owner; sync, so FastAPI runs the lookup in its thread pool."""
    if credentials is None:
        raise _unauthorised("Authentication required: send 'Authorization: Bearer <token>'.")
    with runtime.db.read() as conn:
        owner = resolve_api_token(conn, credentials.credentials, now=runtime.clock.now())
    if owner is None:
        raise _unauthorised("The bearer token is unknown or revoked.", "invalid_token")
    return owner


def writer(owner: Annotated[TokenOwner, Depends(reader)]) -> TokenOwner:
    if not owner.can_write():
        why = "is read-only" if owner.read_only and owner.user.role != "viewer" \
            else f"belongs to a {owner.user.role}"
        raise ApiError(403, f"This token {why}; it may read but not change anything.")
    return owner


# The extra response of routes that change something, for the OpenAPI document.
WRITE: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "The token may only read."}}

Reader = Annotated[TokenOwner, Depends(reader)]
Writer = Annotated[TokenOwner, Depends(writer)]
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
