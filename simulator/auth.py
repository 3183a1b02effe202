"""CloudStack's request signing, verified as ApiServer.verifyRequest does it."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote


def java_urlencode(value):
    """java.net.URLEncoder.encode(value, UTF-8) with '+' turned into %20, as CloudStack signs."""
    return quote(value, safe="-_.*")


def unsigned_request(params):
    """Sorted (case-sensitively, like Collections.sort) name=value pairs, lower-cased."""
    pairs = [
        f"{name}={java_urlencode(value)}"
        for name, value in sorted(params.items())
        if name.lower() != "signature"
    ]
    return "&".join(pairs).lower()


def sign(params, secret):
    digest = hmac.new(secret.encode(), unsigned_request(params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def parse_expires(value):
    """CloudStack's DateUtil.parseTZDateString: yyyy-MM-dd'T'HH:mm:ssZ (and the ISO +HH:MM form)."""
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def verify(params, secret):
    """True when the signature matches and, for signatureVersion 3, the request has not expired."""
    lowered = {k.lower(): v for k, v in params.items()}
    signature = lowered.get("signature")
    if not signature:
        return False
    if lowered.get("signatureversion") == "3":
        expires = parse_expires(lowered.get("expires", ""))
        if expires is None or expires < datetime.now(UTC):
            return False
    return hmac.compare_digest(signature, sign(params, secret))
