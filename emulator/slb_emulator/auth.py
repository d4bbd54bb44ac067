"""Request authentication: signature 1.0 (the old SDKs) and V3 (the new-generation SDKs).

Signature 1.0 (HMAC-SHA1), as aliyun-python-sdk-core signs RPC calls:

string to sign = METHOD + "&%2F&" + percent(canonicalized query)
canonicalized  = "&".join(percent(k) + "=" + percent(v)) over params sorted by key,
                 every parameter except Signature (query and body merged)
percent        = RFC 3986: UTF-8, everything but A-Z a-z 0-9 - _ . ~ escaped
                 (space -> %20, '*' -> %2A, '~' kept)
signature      = base64(HMAC-SHA1(secret + "&", string to sign))

V3 (``ACS3-HMAC-SHA256``, and ``ACS3-HMAC-SM3`` where hashlib has SM3), as
alibabacloud_tea_openapi ``utils.get_authorization`` signs (the SDK source is the
reference; its Python and Node versions sign different header sets, so the list is read
from the Authorization header):

Authorization     = ALGO Credential=<AK>,SignedHeaders=<a;b;...>,Signature=<hex>
canonical request = METHOD \n / \n canonical query \n canonical headers \n
                    signed headers \n hex hash(body)
canonical query   = "&".join(percent(k) + "=" + percent(v)), query-string parameters
                    only (never the body), sorted by key
canonical headers = "name:" + ",".join(sorted(stripped values)) + "\n" per signed header
string to sign    = ALGO \n hex hash(canonical request)
signature         = hex HMAC(secret, string to sign)   (keyed with the secret alone)
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from typing import Protocol
from urllib.parse import quote

from . import exceptions as exc

MAX_SKEW_SECONDS = 15 * 60
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Whole seconds, or milliseconds as the npm aliyun-sdk sends (2026-11-26T06:36:41.027Z).
_TIMESTAMP = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})"
                        r"(\.[0-9]{1,6})?Z$")

V3_ALGORITHMS = {"ACS3-HMAC-SHA256": "sha256"}
if "sm3" in hashlib.algorithms_available:  # OpenSSL builds with SM3 (no extra package)
    V3_ALGORITHMS["ACS3-HMAC-SM3"] = "sm3"
# Headers the emulator acts on: a signature that leaves them out would let a replayer
# or a proxy change them freely, so each one present must be signed.
V3_MUST_SIGN = ("host", "x-acs-action", "x-acs-version", "x-acs-date",
                "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-security-token")
_AUTHORIZATION = re.compile(
    r"(?P<algo>ACS3-[A-Z0-9-]+)\s+Credential=(?P<cred>[^,\s]*)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]*)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]*)\s*$")


class NonceBook(Protocol):
    """Where used nonces are kept (models.Backend: the sqlite file with --db)."""

    def use_nonce(self, key_id: str, nonce: str, expires_at: float, now: float) -> bool:
        ...


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


def parse_timestamp(value: str) -> float:
    """Epoch seconds of a ``%Y-%m-%dT%H:%M:%S[.fff]Z`` UTC timestamp, or raise."""
    m = _TIMESTAMP.match(value or "")
    if not m:
        raise exc.InvalidTimeStampFormat()
    try:
        whole = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    except (ValueError, TypeError, OverflowError):
        raise exc.InvalidTimeStampFormat()
    return whole + (float(m.group(2)) if m.group(2) else 0.0)


def _check_skew_and_nonce(nonces: NonceBook, key_id: str, nonce: str, when: float,
                          now: float) -> None:
    """A nonce is remembered until its timestamp can no longer be accepted: replaying
    the request later fails on the timestamp instead."""
    if not nonces.use_nonce(key_id, nonce, when + MAX_SKEW_SECONDS, now):
        raise exc.SignatureNonceUsed()


def _check_token(account: Mapping[str, str | None], token: str | None) -> None:
    """STS keys need their token; other keys must not send one."""
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

    _check_token(account, params.get("SecurityToken"))
    _check_skew_and_nonce(nonces, key_id, nonce, when, now)
    return key_id


# --- V3 ------------------------------------------------------------------------------

def is_v3(headers: Mapping[str, str]) -> bool:
    """A V3 request: the Authorization header names an ACS3 algorithm."""
    return (headers.get("Authorization") or "").lstrip().upper().startswith("ACS3-")


def v3_canonical_query(query_pairs: list[tuple[str, str]]) -> str:
    return "&".join(percent_encode(k) + "=" + percent_encode(v)
                    for k, v in sorted(dict(query_pairs).items()))


def v3_canonical_request(method: str, query_pairs: list[tuple[str, str]],
                         header_values: Callable[[str], list[str]],
                         signed: list[str], payload_hash: str) -> str:
    """The canonical request of utils.get_authorization, from what arrived on the wire."""
    headers = "".join(
        "%s:%s\n" % (name, ",".join(sorted(v.strip() for v in header_values(name))))
        for name in signed)
    return "\n".join((method.upper(), "/", v3_canonical_query(query_pairs), headers,
                      ";".join(signed), payload_hash))


def v3_hash(algorithm: str, data: bytes) -> str:
    return hashlib.new(V3_ALGORITHMS[algorithm], data).hexdigest()


def v3_sign(algorithm: str, string: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), string.encode("utf-8"),
                    V3_ALGORITHMS[algorithm]).hexdigest()


def authenticate_v3(method: str, query_pairs: list[tuple[str, str]],
                    header_values: Callable[[str], list[str]], body: bytes,
                    find_account: Callable[[str], dict | None], nonces: NonceBook,
                    now: float | None = None) -> str:
    """Check a V3-signed request; return the access key id, or raise an SlbError.

    ``header_values(name)`` gives every value of a (lower-case) header as received.
    """
    now = time.time() if now is None else now

    def header(name: str) -> str | None:
        values = header_values(name)
        return values[0].strip() if values else None

    m = _AUTHORIZATION.match((header("authorization") or "").strip())
    if not m:
        raise exc.IncompleteSignature(
            "The Authorization header is not ALGORITHM Credential=<AccessKeyId>,"
            "SignedHeaders=<a;b;...>,Signature=<hex>.")
    algorithm, key_id = m.group("algo"), m.group("cred")
    if algorithm not in V3_ALGORITHMS:
        raise exc.InvalidSignatureMethod(
            "Specified signature method is not supported (%s)."
            % ", ".join(sorted(V3_ALGORITHMS)))
    if not key_id:
        raise exc.MissingParameter("AccessKeyId")
    signed = m.group("signed").split(";") if m.group("signed") else []
    if any(not n or n != n.lower() for n in signed):
        raise exc.IncompleteSignature("SignedHeaders must be lower-case names separated by ';'.")
    for name in V3_MUST_SIGN:
        if header_values(name) and name not in signed:
            raise exc.IncompleteSignature(
                "The header %s is sent but not in SignedHeaders." % name)
    stamp = header("x-acs-date")
    if not stamp:
        raise exc.MissingParameter("x-acs-date")
    when = parse_timestamp(stamp)
    if abs(now - when) > MAX_SKEW_SECONDS:
        raise exc.InvalidTimeStampExpired()
    nonce = header("x-acs-signature-nonce")
    if not nonce:
        raise exc.MissingParameter("x-acs-signature-nonce")
    body_hash = v3_hash(algorithm, body)
    claimed = header("x-acs-content-sha256")
    if claimed is not None and not hmac.compare_digest(claimed.lower().encode("utf-8", "replace"),
                                                       body_hash.encode("ascii")):
        raise exc.ContentSha256Mismatch()

    account = find_account(key_id)
    if account is None:
        raise exc.InvalidAccessKeyIdNotFound()
    canonical = v3_canonical_request(method, query_pairs, header_values, signed,
                                     claimed.lower() if claimed else body_hash)
    expected_string = algorithm + "\n" + v3_hash(algorithm, canonical.encode("utf-8"))
    expected = v3_sign(algorithm, expected_string, account["access_key_secret"])
    if not hmac.compare_digest(expected.encode("ascii"),
                               m.group("sig").lower().encode("ascii")):
        raise exc.SignatureDoesNotMatch(expected_string)
    _check_token(account, header("x-acs-security-token"))
    _check_skew_and_nonce(nonces, key_id, nonce, when, now)
    return key_id
