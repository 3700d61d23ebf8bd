"""The web pages people sign in to: sign-in and out, the projects list with
the new-project form, and a project's settings (DSN keys with their set-up
snippets, ingest settings).

Server-rendered Jinja2 that works without JavaScript (one inline script adds
copy buttons); sessions kept on the server and named by a signed cookie, CSRF
tokens in every form (``session``), the signed-in guard (``access``). Routes
call ``accounts`` directly, as the API does; nothing imports this package but
``web.app``.
"""

from __future__ import annotations

from fastapi import FastAPI

from tocsin.web.ui import issue_pages, login, new_project, pages


def mount(app: FastAPI) -> None:
    app.add_route("/", pages.home, methods=["GET"])
    app.add_route("/login", login.login, methods=["GET", "POST"])
    app.add_route("/logout", login.logout, methods=["POST"])
    app.add_route("/logout/everywhere", login.logout_everywhere, methods=["POST"])
    app.add_route("/projects", pages.project_list, methods=["GET"])
    app.add_route("/projects", new_project.create_project, methods=["POST"])
    app.add_route("/projects/{slug}/settings", pages.settings, methods=["GET"])
    app.add_route("/projects/{slug}/keys", pages.create_key, methods=["POST"])
    app.add_route("/projects/{slug}/keys/{key_id:int}/revoke", pages.revoke_key,
                  methods=["POST"])
    app.add_route("/projects/{slug}/ingest", pages.update_ingest, methods=["POST"])
    app.add_route("/projects/{slug}/grouping", pages.update_grouping, methods=["POST"])
    for path, endpoint, methods in issue_pages.routes():
        app.add_route(path, endpoint, methods=methods)
