"""A certificate authority made once per install, so every local endpoint is HTTPS.

The real CLI refuses a discovery URL that is not HTTPS, and learners should see
the same URLs shape they meet on AWS. ``trustme`` makes a throw-away CA; we keep
it in the working-state folder so certificates survive stack restarts, and write
a bundle (the public CAs plus ours) that requests, httpx and urllib can trust
without losing the ability to reach real AWS endpoints.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from pathlib import Path

import certifi
import trustme

LOOPBACK_IDENTITIES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the PEM files the stack serves with and clients trust."""

    ca_cert: Path
    server_cert_chain: Path
    server_key: Path
    ca_bundle: Path


def tls_files(directory: Path) -> TlsFiles:
    """Where the TLS files live in ``directory`` (whether or not they exist yet)."""
    return TlsFiles(
        ca_cert=directory / "ca.pem",
        server_cert_chain=directory / "server-chain.pem",
        server_key=directory / "server-key.pem",
        ca_bundle=directory / "ca-bundle.pem",
    )


def ensure_tls_files(directory: Path) -> TlsFiles:
    """Create the CA and a loopback server certificate once; reuse them afterwards."""
    files = tls_files(directory)
    if all(path.exists() for path in vars(files).values()):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="AgentCore workshop local stack")
    server = ca.issue_cert(*LOOPBACK_IDENTITIES)
    ca.cert_pem.write_to_path(str(files.ca_cert))
    server.private_key_pem.write_to_path(str(files.server_key))
    files.server_key.chmod(0o600)
    with files.server_cert_chain.open("wb") as chain:
        for blob in server.cert_chain_pems:
            chain.write(blob.bytes())
    public_roots = Path(certifi.where()).read_bytes()
    files.ca_bundle.write_bytes(public_roots + b"\n" + ca.cert_pem.bytes())
    return files


@functools.cache
def client_context(ca_bundle: Path) -> ssl.SSLContext:
    """One TLS client context per bundle and process: loading 100+ roots costs ~20 ms."""
    return ssl.create_default_context(cafile=str(ca_bundle))
