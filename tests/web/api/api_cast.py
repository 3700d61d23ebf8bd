"""Helpers shared by the API tests (imported as ``api_cast``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cast:
    alice: dict[str, str]
    bob: dict[str, str]
    charlie: dict[str, str]
    alice_read_only: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def heartbeat_doc(name: str = "Nightly backup", **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "heartbeat", "project": "shop", "period": "1d",
            "grace": "1h"} | extra
