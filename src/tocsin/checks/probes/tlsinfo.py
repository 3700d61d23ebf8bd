"""TLS inspection shared by the http and tls probes.

Client contexts are built once per trust setting and reused: building an
``SSLContext`` loads the whole system CA bundle (~140 certificates), which
would dominate the CPU cost of a check if done per probe.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID


class CertProblem(StrEnum):
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    HOSTNAME_MISMATCH = "hostname_mismatch"
    SELF_SIGNED = "self_signed"
    UNTRUSTED = "untrusted"
    REVOKED = "revoked"
    INVALID = "invalid"


# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h) that we name for people.
_VERIFY_CODES: dict[int, CertProblem] = {
    2: CertProblem.UNTRUSTED,  # unable to get issuer certificate
    9: CertProblem.NOT_YET_VALID,
    10: CertProblem.EXPIRED,
    18: CertProblem.SELF_SIGNED,  # depth zero self-signed
    19: CertProblem.UNTRUSTED,  # self-signed certificate in chain
    20: CertProblem.UNTRUSTED,  # unable to get local issuer certificate
    21: CertProblem.UNTRUSTED,  # unable to verify the first certificate
    23: CertProblem.REVOKED,
    62: CertProblem.HOSTNAME_MISMATCH,
    64: CertProblem.HOSTNAME_MISMATCH,  # IP address mismatch
}

_PROBLEM_TEXT = {
    CertProblem.EXPIRED: "certificate has expired",
    CertProblem.NOT_YET_VALID: "certificate is not yet valid",
    CertProblem.HOSTNAME_MISMATCH: "hostname mismatch",
    CertProblem.SELF_SIGNED: "untrusted chain: self-signed certificate",
    CertProblem.UNTRUSTED: "untrusted chain",
    CertProblem.REVOKED: "certificate has been revoked",
    CertProblem.INVALID: "certificate rejected",
}


@dataclass(frozen=True)
class CertInfo:
    subject_cn: str | None
    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    self_signed: bool

    def as_details(self) -> dict[str, Any]:
        return {
            "subject_cn": self.subject_cn,
            "subject": self.subject,
            "issuer": self.issuer,
            "sans": list(self.sans),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
        }


# Parsing cost ~0.35 ms per check in benchmarks/http_probe_cpu.py, over a tenth
# of an HTTPS check; intermediates and roots repeat across monitors, leaves
# across runs, so a bounded cache keyed by the DER bytes removes most of it.
@lru_cache(maxsize=2048)
def parse_certificate(der: bytes) -> CertInfo:
    cert = x509.load_der_x509_certificate(der)
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = cns[0].value if cns else None
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = tuple(
            [f"DNS:{name}" for name in ext.get_values_for_type(x509.DNSName)]
            + [f"IP:{ip}" for ip in ext.get_values_for_type(x509.IPAddress)]
        )
    except x509.ExtensionNotFound:
        sans = ()
    return CertInfo(
        subject_cn=cn if isinstance(cn, str) else None,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=sans,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=cert.subject == cert.issuer,
    )


@lru_cache(maxsize=32)
def _context(
    verify: bool, check_hostname: bool, ca_file: str | None, _mtime: int
) -> ssl.SSLContext:
    if verify:
        ctx = ssl.create_default_context(cafile=ca_file)
        ctx.check_hostname = check_hostname
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_context(
    *, verify: bool, check_hostname: bool = True, ca_file: str | None = None
) -> ssl.SSLContext:
    """The shared context for this trust setting.

    A ``ca_file`` replaces the system store (a private CA). Its mtime is part of
    the cache key so a rotated CA file is picked up without a restart.
    """
    mtime = os.stat(ca_file).st_mtime_ns if ca_file else 0
    return _context(verify, check_hostname and verify, ca_file, mtime)


def classify_verify_error(err: ssl.SSLCertVerificationError) -> tuple[CertProblem, str]:
    """Name the problem: hostname mismatch vs untrusted vs expired, not just 'failed'."""
    code = err.verify_code if isinstance(err.verify_code, int) else -1
    problem = _VERIFY_CODES.get(code, CertProblem.INVALID)
    text, detail = _PROBLEM_TEXT[problem], err.verify_message or err.reason or str(err)
    return problem, text if detail.lower() in text else f"{text} ({detail})"


def describe_ssl_error(err: ssl.SSLError) -> str:
    reason = err.reason or str(err)
    if reason == "WRONG_VERSION_NUMBER":
        return "TLS handshake failed: wrong version number (is this port speaking TLS?)"
    return f"TLS handshake failed: {reason}"


def peer_chain(ssl_object: ssl.SSLObject | None, *, verified: bool) -> list[CertInfo]:
    """Leaf first. With ``verified`` the chain OpenSSL built to a trusted root.

    The verified chain, not the presented one, decides the earliest expiry: servers
    still send expired cross-signs that clients ignore, which made blackbox_exporter
    alert falsely in 2021. Python 3.11 only exposes chains through the private
    ``_sslobj.get_verified_chain``; without it we fall back to the leaf alone.
    """
    if ssl_object is None:
        return []
    ders: list[bytes] = []
    getter = getattr(getattr(ssl_object, "_sslobj", None), "get_verified_chain", None)
    if verified and getter is not None:
        try:
            ders = [c.public_bytes(2) for c in getter() or ()]  # 2 is _ssl.ENCODING_DER
        except (ssl.SSLError, ValueError, TypeError):
            ders = []
    if not ders:
        leaf = ssl_object.getpeercert(binary_form=True)
        ders = [leaf] if leaf else []
    return [parse_certificate(der) for der in ders]


def session_details(ssl_object: ssl.SSLObject | None) -> dict[str, Any]:
    if ssl_object is None:
        return {}
    cipher = ssl_object.cipher()
    return {"version": ssl_object.version(), "cipher": cipher[0] if cipher else None}


def hostname_matches(cert: CertInfo, name: str) -> bool:
    """RFC 6125 matching on SANs only (no CN fallback, as browsers and OpenSSL do)."""
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return any(san == f"IP:{ip}" for san in cert.sans)
    wanted = name.rstrip(".").lower()
    for san in cert.sans:
        if not san.startswith("DNS:"):
            continue
        pattern = san[4:].rstrip(".").lower()
        if pattern == wanted:
            return True
        # A wildcard covers exactly one whole left-most label.
        if pattern.startswith("*.") and "." in wanted:
            head, rest = wanted.split(".", 1)
            if head and rest == pattern[2:]:
                return True
    return False
