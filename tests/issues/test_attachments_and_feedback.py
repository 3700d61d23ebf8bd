"""Small attachments are kept, big ones refused; feedback from both item types."""

from __future__ import annotations

from sqlalchemy import select

from tocsin.issues.attachments import record_attachment
from tocsin.issues.feedback import record_feedback
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import attachments, feedback

EVENT = "7d272939-4957-4b04-8164-96a204c68b8c"


def test_attachments_over_the_cap_are_refused(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        assert record_attachment(conn, 1, EVENT, {
            "type": "attachment", "filename": "screenshot.png", "content_type": "image/png",
            "attachment_type": "event.attachment"}, b"\x89PNG" + b"0" * 96,
            max_bytes=100, now=clock.now())
        assert not record_attachment(conn, 1, EVENT, {"filename": "big.dmp"}, b"0" * 101,
                                     max_bytes=100, now=clock.now())
        rows = conn.execute(select(attachments)).all()
    [row] = rows
    assert (row.event_id, row.filename, row.size) == (
        "7d27293949574b04816496a204c68b8c", "screenshot.png", 100)
    assert row.data.startswith(b"\x89PNG") and row.attachment_type == "event.attachment"


def test_feedback_and_old_user_reports_are_stored(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        assert record_feedback(conn, 1, "feedback", {
            "event_id": "0123456789abcdef0123456789abcdef", "contexts": {"feedback": {
                "message": "The checkout button does nothing", "contact_email": "ann@x.org",
                "name": "Ann", "url": "https://shop.example/cart",
                "associated_event_id": EVENT}}}, now=clock.now())
        assert record_feedback(conn, 1, "user_report", {
            "event_id": EVENT, "email": "bo@x.org", "name": "Bo",
            "comments": "It crashed when I paid"}, now=clock.now())
        assert not record_feedback(conn, 1, "feedback", {"contexts": {}}, now=clock.now())
        assert not record_feedback(conn, 1, "user_report", {"comments": "  "},
                                   now=clock.now())
        rows = conn.execute(select(feedback).order_by(feedback.c.id)).all()
    assert [(r.name, r.email, r.message, r.associated_event_id) for r in rows] == [
        ("Ann", "ann@x.org", "The checkout button does nothing",
         "7d27293949574b04816496a204c68b8c"),
        ("Bo", "bo@x.org", "It crashed when I paid", "7d27293949574b04816496a204c68b8c")]
    assert rows[0].event_id == "0123456789abcdef0123456789abcdef"
    assert rows[0].url == "https://shop.example/cart" and len(rows[1].event_id) == 32
