"""Every change of an issue's status, in one class.

An issue is ``unresolved`` (substatus new, ongoing, regressed or escalating),
``resolved`` (now, in the next release, or in a named release), ``ignored``
(forever, until a date, until N more events or N more users) or ``merged``
into another issue. People move issues with resolve / unresolve / ignore /
merge; new events move them with :meth:`IssueStates.on_events` (regression,
sentry-protocol §2.7, and the end of an ignore); time moves them with
:meth:`IssueStates.expire`. Each change writes one ``issue_activity`` row, the
issue's history, with who did it (``user_id``; None for Tocsin itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tocsin.issues import merging, release_order
from tocsin.store.schema import issue_activity, issues

# The columns a resolution or an ignore leaves behind; cleared when it ends.
_NO_RESOLUTION = {"resolved_at": None, "resolution": None, "resolved_in": None}
_NO_IGNORE = {"ignore_until": None, "ignore_until_count": None, "ignore_until_users": None}


class TransitionError(ValueError):
    """The change asked for cannot be made; the message says why."""


class IssueNotFound(TransitionError):
    pass


class IssueStates:
    """Status transitions of issues, within the caller's transaction."""

    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    # -- reading and writing ---------------------------------------------------

    def _get(self, issue_id: int) -> dict[str, Any]:
        row = self.conn.execute(select(issues).where(issues.c.id == issue_id)).first()
        if row is None:
            raise IssueNotFound(f"no issue with id {issue_id}")
        return dict(row._mapping)

    def _live(self, issue_id: int) -> dict[str, Any]:
        issue = self._get(issue_id)
        if issue["status"] == "merged":
            raise TransitionError(
                f"issue {issue_id} was merged into issue {issue['merged_into']}; "
                "change that issue instead")
        return issue

    def _set(self, issue_id: int, **values: Any) -> None:
        self.conn.execute(issues.update().where(issues.c.id == issue_id).values(**values))

    def _record(self, issue_id: int, kind: str, user_id: int | None,
                data: dict[str, Any] | None = None) -> None:
        self.conn.execute(issue_activity.insert().values(
            issue_id=issue_id, at=self.now, kind=kind, user_id=user_id, data=data or {}))

    # -- what people do ---------------------------------------------------------

    def resolve(self, issue_id: int, *, user_id: int | None = None,
                in_next_release: bool = False, in_release: str | None = None) -> None:
        """Resolve now, in the next release, or in a named release (§2.7).

        "Next release" remembers the newest release the project has sent: an
        event of that release or an older one does not regress the issue, a
        newer one does. A project without releases gets a plain resolve.
        """
        if in_next_release and in_release is not None:
            raise TransitionError("resolve in the next release or in a named release, not both")
        issue = self._live(issue_id)
        if in_release is not None and not in_release.strip():
            raise TransitionError("the release to resolve in is empty")
        resolution, release, kind = "now", None, "resolved"
        if in_release is not None:
            resolution, release, kind = "in_release", in_release[:250], "resolved_in_release"
        elif in_next_release:
            current = release_order.newest(self.conn, issue["project_id"])
            if current is not None:
                resolution, release, kind = "next_release", current, "resolved_in_next_release"
        self._set(issue_id, status="resolved", resolved_at=self.now, resolution=resolution,
                  resolved_in=release, **_NO_IGNORE)
        self._record(issue_id, kind, user_id, {"release": release} if release else {})

    def unresolve(self, issue_id: int, *, user_id: int | None = None) -> None:
        self._live(issue_id)
        self._set(issue_id, status="unresolved", substatus="ongoing",
                  **_NO_RESOLUTION, **_NO_IGNORE)
        self._record(issue_id, "unresolved", user_id)

    def ignore(self, issue_id: int, *, user_id: int | None = None,
               until: datetime | None = None, more_events: int | None = None,
               more_users: int | None = None) -> None:
        """Ignore until a date, N more events or N more users (whichever comes
        first), or forever when none is given."""
        issue = self._live(issue_id)
        if until is not None and until <= self.now:
            raise TransitionError("ignore until a time that has not passed yet")
        for name, value in (("more_events", more_events), ("more_users", more_users)):
            if value is not None and value < 1:
                raise TransitionError(f"{name} must be at least 1")
        self._set(
            issue_id, status="ignored", **_NO_RESOLUTION, ignore_until=until,
            ignore_until_count=None if more_events is None
            else issue["times_seen"] + more_events,
            ignore_until_users=None if more_users is None
            else issue["users_seen"] + more_users)
        self._record(issue_id, "ignored", user_id, {
            "until": until.isoformat() if until else None,
            "more_events": more_events, "more_users": more_users})

    def merge(self, target_id: int, source_ids: Sequence[int], *,
              user_id: int | None = None) -> None:
        """Fold the source issues into the target: their hashes, events, counts,
        tags and users move, so later events of their hashes land on the target."""
        sources = list(dict.fromkeys(source_ids))
        if not sources:
            raise TransitionError("name at least one issue to merge")
        if target_id in sources:
            raise TransitionError(f"issue {target_id} cannot be merged into itself")
        target = self._live(target_id)
        rows = [self._live(source) for source in sources]
        foreign = [r["id"] for r in rows if r["project_id"] != target["project_id"]]
        if foreign:
            raise TransitionError(
                f"issues {foreign} belong to another project than issue {target_id}")
        merging.fold(self.conn, target, rows)
        for source in rows:
            self._set(source["id"], status="merged", merged_into=target_id)
            self._record(source["id"], "merged_into", user_id, {"issue": target_id})
        self._record(target_id, "merged_from", user_id, {"issues": sources})

    # -- what events and time do ----------------------------------------------------

    def on_events(self, issue: Mapping[str, Any], *, releases: Sequence[str]) -> str | None:
        """After a batch of events was counted on ``issue`` (the updated row):
        "regression", "unignored" or None when its status stays."""
        status = issue["status"]
        if status == "resolved":
            return self._maybe_regress(issue, releases)
        if status == "ignored":
            return self._maybe_unignore(issue)
        return None

    def _maybe_regress(self, issue: Mapping[str, Any], seen: Sequence[str]) -> str | None:
        resolved_in = issue["resolved_in"]
        named = [r for r in dict.fromkeys(seen) if r]
        # §2.7: an issue resolved in a release regresses only when an event's
        # release is newer than that one. Events without a release cannot show
        # the fix is missing (Sentry takes "no release" for the older set-up).
        if issue["resolution"] in ("next_release", "in_release") and resolved_in \
                and not release_order.any_newer(self.conn, issue["project_id"], named,
                                                resolved_in):
            return None
        self._set(issue["id"], status="unresolved", substatus="regressed", **_NO_RESOLUTION)
        self._record(issue["id"], "regression", None, {
            "releases": named, "resolution": issue["resolution"],
            "resolved_in": resolved_in})
        return "regression"

    def _maybe_unignore(self, issue: Mapping[str, Any]) -> str | None:
        reason = None
        if issue["ignore_until"] is not None and issue["ignore_until"] <= self.now:
            reason = "until"
        elif issue["ignore_until_count"] is not None \
                and issue["times_seen"] >= issue["ignore_until_count"]:
            reason = "more_events"
        elif issue["ignore_until_users"] is not None \
                and issue["users_seen"] >= issue["ignore_until_users"]:
            reason = "more_users"
        if reason is None:
            return None
        self._set(issue["id"], status="unresolved", substatus="escalating", **_NO_IGNORE)
        self._record(issue["id"], "unignored", None, {"reason": reason})
        return "unignored"

    def expire(self) -> int:
        """End ignores whose date has passed, events or not; how many ended."""
        due = list(self.conn.execute(select(issues.c.id).where(
            issues.c.status == "ignored", issues.c.ignore_until.is_not(None),
            issues.c.ignore_until <= self.now)).scalars())
        for issue_id in due:
            # no events came while it was ignored: back to the list, not escalating
            self._set(issue_id, status="unresolved", substatus="ongoing", **_NO_IGNORE)
            self._record(issue_id, "unignored", None, {"reason": "until"})
        return len(due)
