"""SSH public keys: CloudStack's check of a key, its MD5 fingerprint, and a generated key."""

import base64
import binascii
import hashlib
import os

from .. import errors

KEY_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")


def fingerprint_of(blob):
    digest = hashlib.md5(blob).hexdigest()  # CloudStack fingerprints keys with MD5
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normalized_key(material):
    """SSHKeysHelper.getPublicKeyFromKeyMaterial: material without a space is base64-decoded first; it must start
    with a known type and hold a space; the key kept is "<type> <base64>" (the comment dropped). 431 otherwise."""
    material = material or ""
    if " " not in material:
        material = _lenient_b64(material).decode("latin-1")
    parts = material.split(" ")
    if not material.startswith(KEY_TYPES) or " " not in material or len(parts) < 2:
        raise errors.invalid("Public key is invalid")
    return f"{parts[0]} {parts[1]}"


def _lenient_b64(text):
    """commons-codec Base64.decodeBase64: characters outside the alphabet are skipped, padding is optional."""
    kept = "".join(c for c in text if c.isalnum() or c in "+/-_").replace("-", "+").replace("_", "/")
    kept = kept[: len(kept) - len(kept) % 4 if len(kept) % 4 == 1 else len(kept)]
    try:
        return base64.b64decode(kept + "=" * (-len(kept) % 4))
    except binascii.Error:
        return b""


def key_fingerprint(key):
    """SSHKeysHelper.getPublicKeyFingerprint: MD5 of the decoded key, colon-separated hex."""
    return fingerprint_of(_lenient_b64(key.split(" ")[1]))


def generated_public_key():
    """An ssh-rsa public key in OpenSSH's wire format (random modulus: nobody logs in with it)."""
    def field(data):
        return len(data).to_bytes(4, "big") + data

    blob = field(b"ssh-rsa") + field(b"\x01\x00\x01") + field(b"\x00" + os.urandom(256))
    return "ssh-rsa " + base64.b64encode(blob).decode()
