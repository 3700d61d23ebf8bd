"""The new-project form on the projects page: a name, an optional slug (made
from the name when left empty) and the platform of the app that will report.

The project is made by ``accounts.projects.create_project``, as the API's
``POST /api/v1/projects`` does, with its Default DSN key; the fields are held
to the API's rules (``ProjectIn``). The platform is not stored on the project
(the API and ``tocsin.yaml`` have no such field, and one project often serves
a backend and a browser app): it only picks which set-up snippet the settings
page shows first, where the new project's DSN is.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tocsin.accounts import projects
from tocsin.web.api.auth import runtime_of
from tocsin.web.ui.access import Visit, signed_in
from tocsin.web.ui.pages import projects_page

NAME_MAX = 200  # as the API's ProjectIn
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")  # as the API's ProjectIn
# as listed in new_project.html; each but "other" names a snippet (pages.SNIPPETS)
PLATFORMS = {"python": "Python", "node": "Node", "browser": "Browser JavaScript",
             "other": "Other"}


@dataclass(frozen=True)
class ProjectForm:
    name: str = ""
    slug: str = ""
    platform: str = "python"

    @classmethod
    def from_visit(cls, visit: Visit) -> ProjectForm:
        return cls(name=visit.field("name"), slug=visit.field("slug").lower(),
                   platform=visit.field("platform"))

    def slug_to_use(self) -> str:
        return self.slug or projects.slugify(self.name)

    def problems(self) -> dict[str, str]:
        """A message per bad field, each naming its field, as the page shows them."""
        errors: dict[str, str] = {}
        if not 1 <= len(self.name) <= NAME_MAX:
            errors["name"] = f"Name: give the project a name of 1 to {NAME_MAX} characters."
        if self.slug and not SLUG.match(self.slug):
            errors["slug"] = (f"Slug: {self.slug!r} may hold only lowercase letters, digits "
                              "and dashes, start with a letter or digit, and be at most 100 "
                              "characters long. Leave it empty to make one from the name.")
        if self.platform not in PLATFORMS:
            errors["platform"] = "Platform: choose one of " + ", ".join(PLATFORMS.values()) + "."
        return errors


@signed_in
async def create_project(request: Request, visit: Visit) -> Response:
    runtime = runtime_of(request)
    form = ProjectForm.from_visit(visit)
    errors = form.problems()
    slug = form.slug_to_use()
    if not errors:
        def create() -> bool:
            with runtime.db.write() as conn:
                if projects.get_project(conn, slug) is not None:
                    return False
                projects.create_project(conn, slug, form.name, now=runtime.clock.now())
                return True

        try:
            created = await asyncio.to_thread(create)
        except IntegrityError:  # made by a concurrent request
            created = False
        if not created:
            errors["slug"] = (f"Slug: {slug!r} is already in use by another project; "
                              "choose another.")
    if errors:
        return await projects_page(request, visit, 400, project_form=form,
                                   project_errors=errors)
    query = urlencode({"done": "project", "platform": form.platform})
    return RedirectResponse(f"/projects/{slug}/settings?{query}", status_code=303)
