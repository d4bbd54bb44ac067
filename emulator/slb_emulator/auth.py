"""Signature version 1.0 (HMAC-SHA1) checks, as aliyun-python-sdk-core signs RPC calls.

string to sign = METHOD + "&%2F&" + percent(canonicalized query)
canonicalized  = "&".join(percent(k) + "=" + percent(v)) over params sorted by key,
                 every parameter except Signature (query and body merged)
percent        = RFC 3986: UTF-8, everything but A-Z a-z 0-9 - _ . ~ escaped
                 (space -> %20, '*' -> %2A, '~' kept)
signature      = base64(HMAC-SHA1(secret + "&", string to sign))
"""

import base64
import calendar
import hashlib
import hmac
import threading
import time
from urllib.parse import quote

from . import exceptions as exc

MAX_SKEW_SECONDS = 15 * 60
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def percent_encode(value):
    return quote(str(value).encode("utf-8"), safe="~")


def string_to_sign(method, params):
    canonical = "&".join(
        percent_encode(k) + "=" + percent_encode(v)
        for k, v in sorted(params.items()) if k != "Signature")
    return method.upper() + "&%2F&" + percent_encode(canonical)


def sign(string, secret):
    digest = hmac.new((secret + "&").encode("utf-8"), string.encode("utf-8"),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_timestamp(value):
    """Epoch seconds of a ``%Y-%m-%dT%H:%M:%SZ`` UTC timestamp, or raise."""
    try:
        return calendar.timegm(time.strptime(value, TIMESTAMP_FORMAT))
    except (ValueError, TypeError, OverflowError):
        raise exc.InvalidTimeStampFormat()


class NonceStore:
    """Nonces seen per access key in the last 15 minutes (in memory)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seen = {}  # (key id, nonce) -> time seen
        self._last_prune = 0.0

    def use(self, key_id, nonce, now=None):
        now = time.time() if now is None else now
        with self._lock:
            if now - self._last_prune > 60:
                cutoff = now - MAX_SKEW_SECONDS
                self._seen = {k: t for k, t in self._seen.items() if t >= cutoff}
                self._last_prune = now
            key = (key_id, nonce)
            seen = self._seen.get(key)
            if seen is not None and now - seen <= MAX_SKEW_SECONDS:
                raise exc.SignatureNonceUsed()
            self._seen[key] = now

    def clear(self):
        with self._lock:
            self._seen.clear()


def authenticate(method, params, find_account, nonces, now=None):
    """Check a request's signature; return the access key id, or raise an SlbError.

    ``find_account(key_id)`` returns ``{"access_key_secret", "security_token"}`` or None.
    """
    now = time.time() if now is None else now
    key_id = params.get("AccessKeyId")
    if not key_id:
        raise exc.MissingParameter("AccessKeyId")
    if not params.get("Signature"):
        raise exc.MissingParameter("Signature")
    method_name = params.get("SignatureMethod")
    if not method_name:
        raise exc.MissingParameter("SignatureMethod")
    if method_name != "HMAC-SHA1":
        raise exc.InvalidSignatureMethod()
    version = params.get("SignatureVersion")
    if not version:
        raise exc.MissingParameter("SignatureVersion")
    if version != "1.0":
        raise exc.InvalidSignatureVersion()
    stamp = params.get("Timestamp")
    if not stamp:
        raise exc.MissingParameter("Timestamp")
    when = parse_timestamp(stamp)
    if abs(now - when) > MAX_SKEW_SECONDS:
        raise exc.InvalidTimeStampExpired()
    nonce = params.get("SignatureNonce")
    if not nonce:
        raise exc.MissingParameter("SignatureNonce")

    account = find_account(key_id)
    if account is None:
        raise exc.InvalidAccessKeyIdNotFound()

    expected_string = string_to_sign(method, params)
    expected = sign(expected_string, account["access_key_secret"])
    if not hmac.compare_digest(expected.encode("ascii"),
                               params["Signature"].encode("utf-8", "replace")):
        raise exc.SignatureDoesNotMatch(expected_string)

    token = params.get("SecurityToken")
    wanted = account.get("security_token")
    if wanted:
        if not token:
            raise exc.InvalidSecurityTokenMalformed()
        if not hmac.compare_digest(token.encode("utf-8", "replace"),
                                   wanted.encode("utf-8")):
            raise exc.InvalidSecurityTokenMismatch()
    elif token is not None:
        raise exc.InvalidSecurityTokenMismatch(
            "A security token was given for an access key that is not an STS key.")

    nonces.use(key_id, nonce, now)
    return key_id
