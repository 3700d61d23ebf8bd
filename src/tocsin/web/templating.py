"""Jinja2 templates, loaded from the package (no CDN, works air-gapped)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

_env = Environment(loader=PackageLoader("tocsin.web", "templates"),
                   autoescape=select_autoescape(["html"]))


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(template).render(**context), status_code=status_code)
