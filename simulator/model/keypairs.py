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


def key_blob(publickey):
    parts = (publickey or "").split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise errors.invalid("Public key is invalid")
    try:
        return base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise errors.invalid("Public key is invalid") from None


def generated_public_key():
    """An ssh-rsa public key in OpenSSH's wire format (random modulus: nobody logs in with it)."""
    def field(data):
        return len(data).to_bytes(4, "big") + data

    blob = field(b"ssh-rsa") + field(b"\x01\x00\x01") + field(b"\x00" + os.urandom(256))
    return "ssh-rsa " + base64.b64encode(blob).decode()
