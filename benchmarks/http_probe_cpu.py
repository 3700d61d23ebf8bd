"""CPU cost of the http probe: N probes against a fast local server.

    .venv/bin/python benchmarks/http_probe_cpu.py -n 2000 -c 50 [--https [--verify]] [--host NAME]

The server runs in a child process so its CPU is not counted; we report this
process's CPU seconds (user + system, all threads, so getaddrinfo's pool is
included) per check. The budget this answers to: 10,000 monitors at a 60 s
interval is ~170 checks/s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import resource
import ssl
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tocsin.checks.probes import http
from tocsin.checks.probes.base import ProbeResult

MAX_CHECKS = 100_000
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
    b'Connection: close\r\n\r\n{"status":"ok"}'
)


async def _serve(tls_files: tuple[str, str] | None) -> None:
    context = None
    if tls_files:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls_files)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def _self_signed(directory: Path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


async def _run(settings: http.Settings, count: int, concurrency: int) -> list[ProbeResult]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> ProbeResult:
        async with gate:
            return await http.probe(settings, timeout=10.0)

    return await asyncio.gather(*(one() for _ in range(count)))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--checks", type=int, default=2000)
    parser.add_argument("-c", "--concurrency", type=int, default=50)
    parser.add_argument("--https", action="store_true", help="TLS with a self-signed certificate")
    parser.add_argument("--verify", action="store_true", help="with --https: trust it via ca_file")
    parser.add_argument("--host", default="127.0.0.1", help="localhost adds a DNS lookup")
    parser.add_argument("--serve", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(_serve((args.serve[0], args.serve[1]) if args.serve else None))
        return
    count = max(1, min(args.checks, MAX_CHECKS))
    with tempfile.TemporaryDirectory() as tmp:
        tls_files = list(_self_signed(Path(tmp))) if args.https else []
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", *tls_files], stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            scheme = "https" if args.https else "http"
            settings = http.Settings(
                url=f"{scheme}://{args.host}:{port}/health",
                verify_tls=args.verify,
                ca_file=tls_files[0] if args.verify and tls_files else None,
                json_path=[{"path": "$.status", "op": "==", "value": "ok"}],
            )
            asyncio.run(_run(settings, 50, args.concurrency))  # warm-up: contexts, imports
            cpu, wall = _cpu_seconds(), time.perf_counter()
            results = asyncio.run(_run(settings, count, args.concurrency))
            cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
        finally:
            child.terminate()
            child.wait()
    failed = [r for r in results if not r.ok]
    verified = " (verified)" if args.https and args.verify else ""
    print(f"{count} {scheme}{verified} checks to {args.host}, concurrency {args.concurrency}")
    print(
        f"  failed:           {len(failed)}" + (f" (first: {failed[0].message})" if failed else "")
    )
    print(f"  wall:             {wall:.2f} s  ->  {count / wall:.0f} checks/s")
    print(f"  CPU:              {cpu:.2f} s  ->  {cpu / count * 1000:.3f} ms CPU per check")
    print(f"  at 170 checks/s:  {cpu / count * 170 * 100:.1f} % of one core")


if __name__ == "__main__":
    main()
