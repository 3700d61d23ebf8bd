"""What the sign-in limit counts as one client: an IPv4 address, an IPv6 /64."""

from __future__ import annotations

from tocsin.accounts.signin_limits import client_of, keys


def test_it_counts_an_ipv6_64_as_one_client() -> None:
    assert client_of("2001:db8:1:2:aaaa::1") == client_of("2001:db8:1:2:bbbb::9") \
        == "2001:db8:1:2::/64"
    assert client_of("2001:db8:1:3::1") != client_of("2001:db8:1:2::1")


def test_it_counts_ipv4_addresses_one_by_one_however_written() -> None:
    assert client_of("192.0.2.1") == client_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_of("192.0.2.2") != client_of("192.0.2.1")
    assert client_of("testclient") == "testclient"


def test_the_email_key_ignores_case_and_spaces() -> None:
    assert keys(" Alice@Example.org ", "192.0.2.1") == keys("alice@example.org", "192.0.2.1")
    account, client = keys("alice@example.org", "192.0.2.1")
    assert account != client and len(account) == len(client) == 64
