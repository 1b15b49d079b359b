"""Ed25519 signatures over manifests: who vouches for a stored day or a published report, checkable offline.

Why Ed25519 through `cryptography`: small keys and signatures, no parameters to get wrong, and the same key files
OpenSSL reads — so an auditor handed a report and the public key can check it with `openssl pkeyutl -verify -rawin`
and no tool of ours. A signature is over the exact bytes of a manifest (a snapshot's `manifest.json`, a report's
`SHA256SUMS`), stored beside it as `<name>.sig` (64 raw bytes). A key is named by its fingerprint: `sha256:` and
the hex sha256 of its 32 raw public bytes (`openssl pkey -pubin -in key.pub.pem -outform DER | tail -c 32 |
sha256sum` prints the same hex).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_SUFFIX = ".sig"


class SigningKeyError(ValueError):
    """A key file that cannot be used: unreadable, not PEM, or not an Ed25519 key."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Signer:
    """The configured private key: signs manifests and names itself by its public key's fingerprint."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SigningKeyError(f"{path}: cannot read the {what} ({error.strerror})") from None


def load_signer(path: str | Path) -> Signer:
    """The Ed25519 private key at `path` (PEM, unencrypted: `openssl genpkey -algorithm ed25519`)."""
    data = _read(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"{path}: not an unencrypted PEM private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key (create one with `openssl genpkey -algorithm ed25519`)")
    return Signer(key)


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """An Ed25519 public key (PEM `-----BEGIN PUBLIC KEY-----`), or the public half of a private key file."""
    data = _read(path, "public key")
    if b"PRIVATE KEY" in data:
        return load_signer(path).public_key
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"{path}: not a PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 public key")
    return key


def signature_valid(public_key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
