"""``projects[].grouping`` in tocsin.yaml: a project's Sentry grouping rules.

Both texts are multi-line strings (a YAML ``|`` block), one rule a line, in
Sentry's syntax; they are parsed when the file is read, so a bad rule is
reported with the file's other problems and nothing is applied.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from tocsin.accounts.projects import grouping_settings
from tocsin.issues.fingerprint_rules import parse_fingerprint_rules
from tocsin.issues.rule_syntax import RuleError
from tocsin.issues.stack_rules import parse_stack_rules


def _checked(parse: Any) -> Any:
    def check(text: str) -> str:
        try:
            parse(text)
        except RuleError as error:
            # "line" alone would read as the file's line; this one counts in the text
            raise ValueError(f"rule line {error.line}, column {error.column}: "
                             f"{error.reason}") from None
        return text.strip()
    return check


FingerprintRules = Annotated[str, Field(max_length=65_536),
                             AfterValidator(_checked(parse_fingerprint_rules))]
StackTraceRules = Annotated[str, Field(max_length=65_536),
                            AfterValidator(_checked(parse_stack_rules))]


class GroupingDoc(BaseModel):
    """What is left out is no rules: the file declares the whole setting."""

    model_config = ConfigDict(extra="forbid")

    fingerprint_rules: FingerprintRules = ""
    stack_trace_rules: StackTraceRules = ""


def exported(conn: Connection, project_id: int) -> dict[str, str]:
    """The non-empty rule texts, as a file would declare them."""
    return {name: text + "\n" for name, text in grouping_settings(conn, project_id).items()
            if text}
