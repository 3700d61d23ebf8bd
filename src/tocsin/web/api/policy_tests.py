"""Send a test notification through an escalation policy: one test Message to
every channel its steps name, so a typo in a channel name shows before a real
incident needs it. People paged through on-call steps are not e-mailed: a test
should not wake anyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from tocsin.incidents import policy_store
from tocsin.notify import channels, outbox
from tocsin.notify.message import Fact, Message
from tocsin.web.api.auth import WRITE, RuntimeDep, Writer
from tocsin.web.api.incident_models import QueuedPolicyTest
from tocsin.web.api.oncall_common import refusals

router = APIRouter(tags=["on-call"])
PolicyId = Annotated[int, Path(description="The escalation policy's id.")]


@router.post("/escalation-policies/{policy_id}/test", status_code=202, responses=WRITE,
             summary="Send a test notification to every channel the policy names")
def test_policy(runtime: RuntimeDep, owner: Writer, policy_id: PolicyId) -> QueuedPolicyTest:
    now = runtime.clock.now()
    with refusals("The escalation policy", "escalation policy"), runtime.db.write() as conn:
        policy = policy_store.get(conn, policy_id)
        names = list(dict.fromkeys(name for step in policy.steps if step["kind"] == "channels"
                                   for name in step["channels"]))
        found = {n: c for n in names if (c := channels.by_name(conn, n)) is not None}
        message = Message(
            title=f"Test of escalation policy {policy.name}",
            text=f"A test sent by {owner.user.email} through the escalation policy "
                 f"{policy.name!r}. If you can read it, this channel is reached.",
            severity="low", status="test",
            facts=(Fact("Sent at", now.isoformat(timespec="seconds")),),
            source=f"policy-test:{policy.id}")
        ids = outbox.enqueue(conn, [c.id for c in found.values()], message, now=now)
    return QueuedPolicyTest(delivery_ids=ids, channels=list(found),
                            missing=[n for n in names if n not in found])
