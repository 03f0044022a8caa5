"""A throwaway certificate authority for the HTTPS fakes (fake Entra ID, fake OIDC issuers), for tests only.

One CA per test process (``default_ca()``) signs a leaf for 127.0.0.1/localhost/::1 for every fake that
serves HTTPS, so a single bundle file trusts them all::

    ca = default_ca()
    with FakeEntra(tls_ca=ca) as entra:            # (the HTTPS fakes use default_ca() unless told)
        env["REQUESTS_CA_BUNDLE"] = str(ca.path)    # requests / azure-identity / az
        env["SSL_CERT_FILE"] = str(ca.path)         # OpenSSL-based clients, libcurl
        urllib.request.urlopen(entra.url + "/…", context=ca.client_context())

Keys are EC P-256 (fast to make); certificates are valid from an hour ago for two days. Nothing here
is written outside a private temporary directory, which is removed when the process exits.
"""

from __future__ import annotations

import atexit
import datetime as dt
import ipaddress
import shutil
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Skyferry tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class LoopbackCA:
    """A CA certificate and key in memory; ``path`` is its PEM on disk (for REQUESTS_CA_BUNDLE)."""

    def __init__(self, common_name: str = "Skyferry test CA") -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="skyferry-test-ca-"))
        atexit.register(shutil.rmtree, self._dir, True)
        self._lock = threading.Lock()
        self._leaves = 0
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM)
        self.path = self._dir / "ca.pem"
        self.path.write_bytes(self.pem)

    def issue(self, names: tuple[str, ...] = LOOPBACK_NAMES) -> tuple[bytes, bytes]:
        """(certificate PEM, key PEM) of a server leaf for ``names`` (IP addresses or DNS names)."""
        key = ec.generate_private_key(ec.SECP256R1())
        alt: list[x509.GeneralName] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)

    def server_context(self, names: tuple[str, ...] = LOOPBACK_NAMES) -> ssl.SSLContext:
        """A TLS 1.2+ server context presenting a fresh leaf (and this CA) for ``names``."""
        cert, key = self.issue(names)
        with self._lock:
            self._leaves += 1
            stem = self._dir / f"leaf-{self._leaves}"
        cert_path, key_path = stem.with_suffix(".pem"), stem.with_suffix(".key")
        cert_path.write_bytes(cert + self.pem)
        key_path.write_bytes(key)
        key_path.chmod(0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA only."""
        return ssl.create_default_context(cadata=self.pem.decode())


_default: LoopbackCA | None = None
_default_lock = threading.Lock()


def default_ca() -> LoopbackCA:
    """The process-wide test CA every HTTPS fake uses unless given another."""
    global _default
    with _default_lock:
        if _default is None:
            _default = LoopbackCA()
        return _default
