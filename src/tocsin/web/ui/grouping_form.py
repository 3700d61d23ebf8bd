"""The grouping-rules form: two textareas of Sentry rules, each bad line named.

Unlike the API, which stops at the first bad line, the form lists every bad
line of both texts, so a pasted block of rules is fixed in one round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from tocsin.issues.grouping_rules import problems

_FIELDS = ("fingerprint_rules", "stack_trace_rules")
MAX_TEXT = 65_536  # as the API's GroupingPatch


@dataclass(frozen=True)
class GroupingForm:
    fingerprint_rules: str = ""
    stack_trace_rules: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    """Per field, one message a bad line: "Line 3, column 16: ..." """

    @classmethod
    def from_form(cls, form: FormData) -> GroupingForm:
        texts = {name: value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
                 for name in _FIELDS for value in [form.get(name)]}
        errors = {name: [f"Line {e.line}, column {e.column}: {e.reason}"
                         for e in problems(name, texts[name])] for name in _FIELDS}
        for name in _FIELDS:
            if len(texts[name]) > MAX_TEXT:
                errors[name].insert(0, f"At most {MAX_TEXT:,} characters.")
        return cls(texts["fingerprint_rules"], texts["stack_trace_rules"],
                   {name: found for name, found in errors.items() if found})

    def changes(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in _FIELDS}
