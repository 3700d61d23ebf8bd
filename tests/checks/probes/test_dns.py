from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from pydantic import ValidationError

from tocsin.checks.probes import dns as dns_probe
from tocsin.checks.probes.base import ProbeResult, Reason

ZONE: dict[tuple[str, str], list[str]] = {
    ("example.test.", "A"): ["192.0.2.10", "192.0.2.11"],
    ("example.test.", "AAAA"): ["2001:db8::10"],
    ("example.test.", "MX"): ["10 mail.example.test."],
    ("example.test.", "TXT"): ['"v=spf1 " "-all"'],
    ("www.example.test.", "CNAME"): ["example.test."],
    ("10.2.0.192.in-addr.arpa.", "PTR"): ["example.test."],
    ("empty.example.test.", "TXT"): ['"only TXT here"'],
}


def answer_from_zone(wire: bytes) -> bytes | None:
    """A recursive resolver's answer from ZONE, following CNAMEs like one would."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    question = query.question[0]
    name, rdtype = question.name.to_text(), dns.rdatatype.to_text(question.rdtype)
    if not any(owner == name for owner, _ in ZONE):
        response.set_rcode(dns.rcode.NXDOMAIN)
    while (name, "CNAME") in ZONE and rdtype != "CNAME":
        target = ZONE[(name, "CNAME")][0]
        response.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", target))
        name = target
    if (name, rdtype) in ZONE:
        response.answer.append(dns.rrset.from_text(name, 300, "IN", rdtype, *ZONE[(name, rdtype)]))
    return response.to_wire()


class Replier(asyncio.DatagramProtocol):
    def __init__(self, reply: Callable[[bytes], bytes | None]) -> None:
        self.reply = reply
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        answer = self.reply(data)
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)


@contextmanager
def udp_server(reply: Callable[[bytes], bytes | None]) -> Iterator[int]:
    """Serve ``reply`` on 127.0.0.1 from a loop in a thread; yields the port."""
    loop = asyncio.new_event_loop()
    transport, _ = loop.run_until_complete(
        loop.create_datagram_endpoint(lambda: Replier(reply), local_addr=("127.0.0.1", 0))
    )
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield transport.get_extra_info("sockname")[1]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        transport.close()
        loop.run_until_complete(asyncio.sleep(0))  # let the transport finish closing
        loop.close()


@pytest.fixture
def resolver() -> Iterator[str]:
    with udp_server(answer_from_zone) as port:
        yield f"127.0.0.1:{port}"


def check(resolver: str, name: str, timeout: float = 2.0, **settings: object) -> ProbeResult:
    model = dns_probe.Settings.model_validate({"hostname": name, "resolver": resolver, **settings})
    return asyncio.run(dns_probe.probe(model, timeout=timeout))


def test_it_passes_on_any_answer_when_nothing_is_expected(resolver: str) -> None:
    result = check(resolver, "example.test")

    assert result.ok, result.message
    assert sorted(result.details["records"]) == ["192.0.2.10", "192.0.2.11"]
    assert result.details["rcode"] == "NOERROR"
    assert set(result.timings) == {"resolve"}


def test_it_passes_when_every_expected_value_is_present(resolver: str) -> None:
    result = check(resolver, "example.test", expect=["192.0.2.11"])

    assert result.ok, result.message


def test_it_fails_with_what_it_found_when_a_value_is_missing(resolver: str) -> None:
    result = check(resolver, "example.test", expect=["192.0.2.10", "192.0.2.99"])

    assert result.reason is Reason.RECORD
    assert "192.0.2.99" in result.message
    assert "found: " in result.message and "192.0.2.10" in result.message


def test_it_fails_on_nxdomain(resolver: str) -> None:
    result = check(resolver, "missing.example.test")

    assert result.reason is Reason.RECORD
    assert "NXDOMAIN" in result.message
    assert result.details == {"records": [], "rcode": "NXDOMAIN", "resolver": "127.0.0.1"}


def test_it_passes_on_nxdomain_when_nxdomain_is_expected(resolver: str) -> None:
    result = check(resolver, "missing.example.test", expect_rcode="nxdomain")

    assert result.ok, result.message


def test_it_fails_when_the_name_has_no_record_of_that_type(resolver: str) -> None:
    result = check(resolver, "empty.example.test", record_type="A")

    assert result.reason is Reason.RECORD
    assert "no records" in result.message


def test_it_follows_a_cname_to_the_addresses(resolver: str) -> None:
    result = check(resolver, "www.example.test", expect=["192.0.2.10"])

    assert result.ok, result.message


def test_it_compares_names_without_case_or_final_dot(resolver: str) -> None:
    result = check(resolver, "example.test", record_type="MX", expect=["10 MAIL.example.test"])

    assert result.ok, result.message


def test_it_compares_txt_records_as_their_joined_text(resolver: str) -> None:
    result = check(resolver, "example.test", record_type="TXT", expect=["v=spf1 -all"])

    assert result.ok, result.message
    assert result.details["records"] == ["v=spf1 -all"]


def test_it_compares_ipv6_addresses_in_any_spelling(resolver: str) -> None:
    result = check(resolver, "example.test", record_type="AAAA", expect=["2001:DB8:0::10"])

    assert result.ok, result.message


def test_it_turns_an_address_into_a_reverse_name_for_ptr(resolver: str) -> None:
    result = check(resolver, "192.0.2.10", record_type="PTR", expect=["example.test"])

    assert result.ok, result.message


def test_it_times_out_within_the_deadline_when_the_resolver_is_silent() -> None:
    with udp_server(lambda wire: None) as port:
        result = check(f"127.0.0.1:{port}", "example.test", timeout=0.3)

    assert result.reason is Reason.TIMEOUT
    assert result.message == "no answer from 127.0.0.1 within 0.3 s"
    assert result.duration < 1.0


def test_it_reports_a_protocol_error_when_the_answer_is_garbage() -> None:
    with udp_server(lambda wire: wire[:2] + b"\x80garbage") as port:
        result = check(f"127.0.0.1:{port}", "example.test", timeout=1.0)

    assert result.reason is Reason.PROTOCOL, result.message


@pytest.mark.parametrize(
    "resolver", ["127.0.0.1", "127.0.0.1:5353", "[::1]:53", "::1", "2001:db8::1"]
)
def test_settings_accept_a_resolver_address(resolver: str) -> None:
    dns_probe.Settings(hostname="example.com", resolver=resolver)


@pytest.mark.parametrize("resolver", ["dns.google", "127.0.0.1:0", "127.0.0.1:x", "[::1]:70000"])
def test_settings_reject_a_resolver_that_is_not_an_address(resolver: str) -> None:
    with pytest.raises(ValidationError):
        dns_probe.Settings(hostname="example.com", resolver=resolver)


def test_settings_reject_an_unknown_record_type() -> None:
    with pytest.raises(ValidationError):
        dns_probe.Settings.model_validate({"hostname": "example.com", "record_type": "HINFO"})


def test_settings_reject_values_with_an_rcode_that_has_no_answer() -> None:
    with pytest.raises(ValidationError):
        dns_probe.Settings(hostname="example.com", expect=["1.2.3.4"], expect_rcode="NXDOMAIN")
