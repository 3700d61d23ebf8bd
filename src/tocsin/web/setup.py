"""The one-time set-up page printed at first start: create the first owner."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from tocsin.accounts import tokens, users
from tocsin.store.runtime import Runtime
from tocsin.web.templating import render


async def setup_page(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    token = request.path_params["token"]

    def valid() -> bool:
        with runtime.db.read() as conn:
            return tokens.setup_token_valid(conn, token, now=runtime.clock.now())

    if not await asyncio.to_thread(valid):
        return render("setup.html", 404, invalid=True)
    if request.method == "GET":
        return render("setup.html")
    form = await request.form()
    email, name = str(form.get("email", "")), str(form.get("name", ""))
    password = str(form.get("password", ""))

    def create() -> str:
        now = runtime.clock.now()
        with runtime.db.write() as conn:
            if not tokens.use_setup_token(conn, token, now=now):
                raise users.AccountError("this set-up link was just used")
            user = users.create_user(conn, email, password, role="owner", name=name, now=now)
            return tokens.create_api_token(conn, user.id, "first token", now=now)

    try:
        api_token = await asyncio.to_thread(create)
    except users.AccountError as exc:
        return render("setup.html", 400, error=str(exc), email=email, name=name)
    return render("setup.html", done=True, email=email.strip().lower(), token=api_token,
                  base_url=runtime.config.base_url)


def mount(app: FastAPI) -> None:
    app.add_route("/setup/{token}", setup_page, methods=["GET", "POST"])
