"""``tocsin apply``, ``export`` and ``check-config FILE``: tocsin.yaml in and out.

The file is read with its line numbers (``lib.yamldoc``), each monitor is
validated by ``checks.spec.parse_spec`` (schedules and escalation policies:
``cli.declare_oncall``; rules, silences and maintenance windows:
``cli.declare_alerting``), and every problem in the file is
reported at once as ``tocsin.yaml:14: monitors[2].url: ...`` before anything
touches the database. The format is described in docs/configuration-file.md.
"""

from __future__ import annotations

import contextlib
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from tocsin.accounts.dsn import list_keys
from tocsin.accounts.ingest_models import DEFAULT_INGEST, DeclaredIngest, normal_ingest
from tocsin.accounts.projects import Project, ingest_settings, list_projects
from tocsin.alerting import declare as alerting_declare
from tocsin.checks import heartbeat_spec
from tocsin.checks.declare import ApplyConflict, Plan, ProjectDecl, execute, plan, stored_specs
from tocsin.checks.spec import COMMON_FIELDS, MonitorSpec, SpecError, parse_spec, settings_model
from tocsin.cli import declare_alerting, declare_grouping, declare_oncall
from tocsin.incidents import declare as oncall
from tocsin.incidents.documents import PolicyDoc, ScheduleDoc
from tocsin.lib.durations import format_duration
from tocsin.lib.yamldoc import MAX_PROBLEMS, Document, YamlError, format_path, load
from tocsin.notify import declare as channel_declare
from tocsin.notify.channels import ChannelSpec
from tocsin.notify.channels import parse_spec as parse_channel
from tocsin.notify.errors import ChannelError

if TYPE_CHECKING:
    from tocsin.store.runtime import Runtime

EXIT_FAILED, EXIT_CONFIG = 1, 3
SECTIONS = ("version", "projects", "monitors", "heartbeats", "channels",
            *declare_oncall.SECTIONS, *declare_alerting.SECTIONS)
# A tocsin.yaml for 10,000 monitors is about 1.5 MB; anything far larger is a mistake.
MAX_FILE_BYTES = 20 * 1024 * 1024
_SLUG_HINT = "must be lowercase letters, digits and dashes, like shop-api"


class DeclareError(Exception):
    """The whole user-facing report; ``exit_code`` 3 for a bad file, 1 otherwise."""

    def __init__(self, report: str, *, exit_code: int = EXIT_CONFIG) -> None:
        self.exit_code = exit_code
        super().__init__(report)


KeyLabel = Annotated[str, Field(min_length=1, max_length=100)]


class _ProjectDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    ingest: DeclaredIngest | None = None
    grouping: declare_grouping.GroupingDoc | None = None
    keys: list[KeyLabel] = Field(default_factory=list)

    @field_validator("keys")
    @classmethod
    def _distinct(cls, labels: list[str]) -> list[str]:
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise ValueError(f"key label {twice[0]!r} is listed twice")
        return labels


@dataclass
class Declaration:
    path: Path
    projects: list[ProjectDecl] = field(default_factory=list)
    specs: list[MonitorSpec] = field(default_factory=list)
    where: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    """(project, slug) -> (line, path in the file), to place errors found later."""
    channels: list[ChannelSpec] = field(default_factory=list)
    schedules: list[ScheduleDoc] = field(default_factory=list)
    policies: list[PolicyDoc] = field(default_factory=list)
    alerting: alerting_declare.AlertingDecl = field(
        default_factory=alerting_declare.AlertingDecl)
    doc: Document | None = None

    def summary(self) -> str:
        beats = sum(s.kind == heartbeat_spec.KIND for s in self.specs)
        text = (f"{_count(len(self.projects), 'project')}, "
                f"{_count(len(self.specs) - beats, 'monitor')}, {_count(beats, 'heartbeat')}")
        if self.channels:
            text += f", {_count(len(self.channels), 'channel')}"
        if self.schedules or self.policies:
            text += (f", {_count(len(self.schedules), 'schedule')}, "
                     f"{len(self.policies)} escalation "
                     f"polic{'y' if len(self.policies) == 1 else 'ies'}")
        decl = self.alerting
        if decl.rules or decl.silences or decl.windows:
            text += (f", {_count(len(decl.rules), 'rule')}, "
                     f"{_count(len(decl.silences), 'silence')}, "
                     f"{_count(len(decl.windows), 'maintenance window')}")
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _report(path: Path, problems: list[str], trailer: str) -> DeclareError:
    n = len(problems)
    more = [f"(only the first {MAX_PROBLEMS} are shown)"] if n >= MAX_PROBLEMS else []
    return DeclareError("\n".join([*problems, *more,
                                   f"{_count(n, 'problem')} in {path}; {trailer}."]))


def read_file(path: Path, *, trailer: str = "nothing was applied") -> Declaration:
    """Read and validate ``path``; raise DeclareError listing every problem in it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DeclareError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DeclareError(f"{path}: the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeclareError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        doc = load(text, str(path), keep_going=True)
    except YamlError as exc:
        raise _report(path, [str(p) for p in exc.problems], trailer) from None
    problems = [(p.line, str(p)) for p in doc.problems]
    declaration = _Reader(doc, path, problems).read()
    if problems:
        problems.sort(key=lambda p: p[0])
        raise _report(path, [text for _, text in problems[:MAX_PROBLEMS]], trailer)
    return declaration


class _Reader:
    def __init__(self, doc: Document, path: Path, problems: list[tuple[int, str]]) -> None:
        self.doc, self.problems = doc, problems
        self.out = Declaration(path, doc=doc)
        # A value already reported (an unset variable) would only fail again here.
        self.reported = {p.path for p in doc.problems if p.path}

    def problem(self, where: tuple[str | int, ...], message: str) -> None:
        if any(where[:len(p)] == p for p in self.reported):
            return
        line = self.doc.line(where)
        label = format_path(where)
        self.problems.append((line, f"{self.doc.filename}:{line}: "
                              + (f"{label}: " if label else "") + message))

    def read(self) -> Declaration:
        data = self.doc.data
        if data is None:
            return self.out
        if not isinstance(data, dict):
            self.problem((), "the file must be a mapping with projects, monitors, heartbeats "
                         "and channels")
            return self.out
        for key in data:
            if key not in SECTIONS:
                self.problem((key,), "not supported by this version of Tocsin (it reads "
                             "version, projects, monitors, heartbeats, channels, schedules, "
                             "escalation_policies, rules, silences and maintenance_windows; "
                             "status pages come in a later version)")
        if "version" in data and (type(data["version"]) is not int or data["version"] != 1):
            self.problem(("version",), "this version of Tocsin reads version 1 files")
        self.projects(self._list("projects"))
        for section in ("monitors", "heartbeats"):
            for index, item in enumerate(self._list(section)):
                self.monitor(section, index, item)
        self.channels(self._list("channels"))
        for section in declare_oncall.SECTIONS:
            declare_oncall.read(section, self._list(section), self.problem,
                                self.out.schedules, self.out.policies)
        for section in declare_alerting.SECTIONS:
            declare_alerting.read(section, self._list(section), self.problem,
                                  self.out.alerting)
        return self.out

    def channels(self, items: list[Any]) -> None:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            at: tuple[str | int, ...] = ("channels", index)
            try:
                spec = parse_channel(item)
            except ChannelError as exc:
                for loc, msg in exc.errors:
                    self.problem((*at, *loc), msg)
                continue
            if spec.name in seen:
                self.problem((*at, "name"), f"channel {spec.name!r} is declared twice "
                             f"(also at line {seen[spec.name]})")
                continue
            seen[spec.name] = self.doc.line((*at, "name"))
            self.out.channels.append(spec)

    def _list(self, section: str) -> list[Any]:
        value = self.doc.data.get(section)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem((section,), "must be a list (each item starting with '- ')")
            return []
        return value

    def projects(self, items: list[Any]) -> None:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            at: tuple[str | int, ...] = ("projects", index)
            try:
                project = _ProjectDoc.model_validate(item)
            except ValidationError as exc:
                for err in exc.errors():
                    self.problem((*at, *err["loc"]), _message(err["type"], err["msg"]))
                continue
            if project.slug in seen:
                self.problem((*at, "slug"), f"project {project.slug!r} is declared twice "
                             f"(also at line {seen[project.slug]})")
                continue
            seen[project.slug] = self.doc.line((*at, "slug"))
            self.out.projects.append(ProjectDecl(
                project.slug, project.name,
                ingest=None if project.ingest is None else project.ingest.stored(),
                keys=tuple(project.keys),
                grouping=None if project.grouping is None else project.grouping.model_dump()))

    def monitor(self, section: str, index: int, item: Any) -> None:
        at: tuple[str | int, ...] = (section, index)
        if (section == "heartbeats" and isinstance(item, dict)
                and item.setdefault("kind", heartbeat_spec.KIND) != heartbeat_spec.KIND):
            self.problem((*at, "kind"), "must be heartbeat here (other kinds go under "
                         "monitors:)")
            return
        try:
            spec = parse_spec(item)
        except SpecError as exc:
            for loc, msg in exc.errors:
                self.problem((*at, *loc), self._explain(item, loc, msg))
            return
        key = (spec.project, spec.slug)
        if key in self.out.where:
            line, other = self.out.where[key]
            self.problem(at, f"a second monitor {spec.project}/{spec.slug}: {other} at line "
                         f"{line} has the same project and slug (give one a different slug)")
            return
        self.out.where[key] = (self.doc.line(at), format_path(at))
        self.out.specs.append(spec)

    @staticmethod
    def _explain(item: Any, loc: tuple[str | int, ...], msg: str) -> str:
        if msg == "unknown field" and len(loc) == 1 and isinstance(item, dict):
            known = set(COMMON_FIELDS)
            with contextlib.suppress(SpecError):
                known |= set(settings_model(str(item.get("kind"))).model_fields)
            close = difflib.get_close_matches(str(loc[0]), sorted(known), n=1, cutoff=0.7)
            if close:
                return f"unknown field (did you mean {close[0]!r}?)"
        return _message("", msg)


def _message(kind: str, msg: str) -> str:
    if kind == "extra_forbidden":
        return "unknown field"
    if msg.startswith("String should match pattern"):
        return _SLUG_HINT
    return msg.removeprefix("Value error, ")


def check_file(path: Path) -> str:
    """Validate ``path`` without a database; the counts of what it declares."""
    return read_file(path, trailer="the file is not valid").summary()


def apply_file(runtime: Runtime, path: Path, *, dry_run: bool = False,
               prune: bool = False) -> str:
    """Apply ``path`` in one transaction; a one-line summary of what changed."""
    declaration = read_file(path)
    try:
        if dry_run:
            with runtime.db.read() as conn:
                todo = plan(conn, declaration.specs, declaration.projects, prune=prune)
                wired = channel_declare.plan(conn, declaration.channels, prune=prune)
                more = oncall.plan(conn, declaration.schedules, declaration.policies,
                                   prune=prune)
                rules = alerting_declare.apply(conn, declaration.alerting, prune=prune,
                                               now=runtime.clock.now(), dry_run=True)
            return "\n".join([_summary(todo, wired) + declare_oncall.summary(more)
                              + declare_alerting.summary(rules),
                              *_details(todo), *wired.details(), *more.details(),
                              *rules.lines])
        with runtime.db.write() as conn:
            todo = plan(conn, declaration.specs, declaration.projects, prune=prune)
            execute(conn, todo, now=runtime.clock.now())
            wired = channel_declare.plan(conn, declaration.channels, prune=prune)
            channel_declare.execute(conn, wired, now=runtime.clock.now())
            more = oncall.plan(conn, declaration.schedules, declaration.policies, prune=prune)
            oncall.execute(conn, more, now=runtime.clock.now())
            rules = alerting_declare.apply(conn, declaration.alerting, prune=prune,
                                           now=runtime.clock.now())
    except ApplyConflict as exc:
        line, where = declaration.where.get((exc.project, exc.slug), (1, ""))
        raise DeclareError(f"{path}:{line}: {where}: {exc}\n1 problem in {path}; nothing was "
                           "applied.") from None
    except (oncall.DeclaredError, alerting_declare.DeclaredError) as exc:
        problems = declare_oncall.located(declaration.doc, str(path), exc.errors)
        raise _report(path, problems, "nothing was applied") from None
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DeclareError(f"{path}: the database refused the change, nothing was applied: "
                           f"{cause}", exit_code=EXIT_FAILED) from None
    return (_summary(todo, wired) + declare_oncall.summary(more)
            + declare_alerting.summary(rules))


def _summary(todo: Plan, wired: channel_declare.ChannelPlan) -> str:
    touched = wired.create or wired.update or wired.delete or wired.unchanged
    return todo.summary() + (f"; {wired.summary()}" if touched else "")


def _details(todo: Plan) -> list[str]:
    lines = [f"  + project {p.slug}" for p in todo.create_projects]
    lines += [f"  ~ project {p.slug}: name" for p in todo.rename_projects]
    lines += [f"  ~ project {p.slug}: ingest settings" for p in todo.ingest_changes]
    lines += [f"  ~ project {p.slug}: grouping rules" for p in todo.grouping_changes]
    lines += [f"  + DSN key {slug}: {label}" for slug, label in todo.new_keys]
    lines += [f"  + {s.project}/{s.slug} ({s.kind})" for s in todo.create]
    lines += [f"  ~ {u.new.project}/{u.new.slug}: {', '.join(u.changed)}" for u in todo.update]
    lines += [f"  - {d.spec.project}/{d.spec.slug}" for d in todo.delete]
    return lines


def export_text(runtime: Runtime, *, project: str | None = None) -> str:
    """Every project and monitor (API-made ones too) as a tocsin.yaml."""
    with runtime.db.read() as conn:
        found = [p for p in list_projects(conn) if project is None or p.slug == project]
        if project is not None and not found:
            raise DeclareError(f"there is no project {project!r}", exit_code=EXIT_FAILED)
        rows = stored_specs(conn, project=project)
        declared = [_exported_project(conn, p) for p in found]
        # Channels, schedules and policies belong to no project: a whole export only.
        channels = channel_declare.exported(conn) if project is None else []
        on_call = declare_oncall.exported(conn) if project is None else {}
        alerting = alerting_declare.exported(conn) if project is None else {}
    data: dict[str, Any] = {"version": 1, "projects": declared}
    for section, beat in (("monitors", False), ("heartbeats", True)):
        items = [_exported(spec) for _, spec in rows
                 if (spec.kind == heartbeat_spec.KIND) == beat]
        if items:
            data[section] = items
    if channels:
        data["channels"] = [_escaped(c) for c in channels]
    data |= _escaped(on_call) | _escaped(alerting)
    header = ("# Written by `tocsin export`. Apply with `tocsin apply FILE`; see\n"
              "# docs/configuration-file.md. Values are as stored: passwords in DSNs and\n"
              "# headers, and channel secrets, appear in clear; replace them with\n"
              "# ${VARIABLES} before committing.\n")
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return header + yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True,
                              default_flow_style=False, width=100)


def _exported_project(conn: Connection, project: Project) -> dict[str, Any]:
    """Slug and name, and the ingest settings and key labels where they are not
    what every new project gets."""
    out: dict[str, Any] = {"slug": project.slug, "name": project.name}
    settings = normal_ingest(ingest_settings(conn, project.id))
    ingest = {k: v for k, v in settings.items() if v != DEFAULT_INGEST[k]}
    if "rate_limits" in ingest:
        ingest["rate_limits"] = [{k: v for k, v in r.items() if v is not None}
                                 for r in ingest["rate_limits"]]
    if ingest:
        out["ingest"] = ingest
    grouping = declare_grouping.exported(conn, project.id)
    if grouping:
        out["grouping"] = grouping
    labels = [key.label for key in list_keys(conn, project.id)]
    if labels != ["Default"]:
        out["keys"] = labels
    return out


def _exported(spec: MonitorSpec) -> dict[str, Any]:
    doc = spec.as_document()
    out: dict[str, Any] = {"name": doc.pop("name"), "project": spec.project,
                           "slug": doc.pop("slug")}
    if spec.kind == heartbeat_spec.KIND:
        doc.pop("kind")
        for key in ("period", "grace"):
            if isinstance(doc.get(key), int | float):
                doc[key] = format_duration(doc[key])
    else:
        out["kind"] = doc.pop("kind")
    out.update(doc)
    escaped: dict[str, Any] = _escaped(out)
    return escaped


def _escaped(value: Any) -> Any:
    # Stored text is literal: keep `apply` from reading "${...}" in it as a variable.
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value
