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

Owns both checks, in their order, and the canonical strings; where accounts and used nonces
are kept is the caller's (an account finder and a NonceBook are passed in). Imports
parameters.py and exceptions.py only.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from email.message import Message
from typing import Protocol
from urllib.parse import quote

from . import exceptions as exc
from .parameters import Parameters

MAX_SKEW_SECONDS = 15 * 60
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
    """Where used nonces are kept (storage.Store: the sqlite file with --db)."""

    def use_nonce(self, key_id: str, nonce: str, expires_at: float, now: float) -> bool:
        ...


class Account(Protocol):
    """What a signature is checked against (models.Account is one)."""

    @property
    def access_key_secret(self) -> str: ...

    @property
    def security_token(self) -> str | None: ...


FindAccount = Callable[[str], Account | None]
HeaderValues = Callable[[str], list[str]]


def percent_encode(value: object) -> str:
    return quote(str(value).encode("utf-8"), safe="~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(
        percent_encode(k) + "=" + percent_encode(v)
        for k, v in sorted(params.items()) if k != "Signature")
    return method.upper() + "&%2F&" + percent_encode(canonical)


def sign(string: str, secret: str) -> str:
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
    except (ValueError, TypeError, OverflowError) as e:
        raise exc.InvalidTimeStampFormat() from e
    return whole + (float(m.group(2)) if m.group(2) else 0.0)


def _check_skew_and_nonce(nonces: NonceBook, key_id: str, nonce: str, when: float,
                          now: float) -> None:
    """A nonce is remembered until its timestamp can no longer be accepted: replaying
    the request later fails on the timestamp instead."""
    if not nonces.use_nonce(key_id, nonce, when + MAX_SKEW_SECONDS, now):
        raise exc.SignatureNonceUsed()


def _check_token(account: Account, token: str | None) -> None:
    """STS keys need their token; other keys must not send one."""
    wanted = account.security_token
    if wanted:
        if not token:
            raise exc.InvalidSecurityTokenMalformed()
        if not hmac.compare_digest(token.encode("utf-8", "replace"),
                                   wanted.encode("utf-8")):
            raise exc.InvalidSecurityTokenMismatch()
    elif token is not None:
        raise exc.InvalidSecurityTokenMismatch(
            "A security token was given for an access key that is not an STS key.")


def _check_v1_scheme(params: Parameters) -> None:
    """SignatureMethod HMAC-SHA1 and SignatureVersion 1.0, each named and supported."""
    if params.required("SignatureMethod") != "HMAC-SHA1":
        raise exc.InvalidSignatureMethod()
    if params.required("SignatureVersion") != "1.0":
        raise exc.InvalidSignatureVersion()


def _checked_time(stamp: str, now: float) -> float:
    """The request's time, within MAX_SKEW_SECONDS of ours."""
    when = parse_timestamp(stamp)
    if abs(now - when) > MAX_SKEW_SECONDS:
        raise exc.InvalidTimeStampExpired()
    return when


def _account(find_account: FindAccount, key_id: str) -> Account:
    account = find_account(key_id)
    if account is None:
        raise exc.InvalidAccessKeyIdNotFound()
    return account


def _secret(account: Account) -> str:
    return account.access_key_secret or ""


def authenticate(method: str, params: Mapping[str, str], find_account: FindAccount,
                 nonces: NonceBook, now: float | None = None) -> str:
    """Check a request's signature; return the access key id, or raise an SlbError.

    ``find_account(key_id)`` returns the Account or None. Checks in order: key id,
    signature, its scheme, timestamp, nonce, account, signature value, token, replay.
    """
    now = time.time() if now is None else now
    read = Parameters(params)
    key_id = read.required("AccessKeyId")
    signature = read.required("Signature")
    _check_v1_scheme(read)
    when = _checked_time(read.required("Timestamp"), now)
    nonce = read.required("SignatureNonce")
    account = _account(find_account, key_id)

    expected_string = string_to_sign(method, params)
    expected = sign(expected_string, _secret(account))
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise exc.SignatureDoesNotMatch(expected_string)

    _check_token(account, read.get("SecurityToken"))
    _check_skew_and_nonce(nonces, key_id, nonce, when, now)
    return key_id


# --- V3 ------------------------------------------------------------------------------

def is_v3(headers: Mapping[str, str] | Message) -> bool:
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


class _V3Authorization:
    """The parts of a V3 Authorization header, checked for form."""

    def __init__(self, header_values: HeaderValues) -> None:
        m = _AUTHORIZATION.match((_first(header_values, "authorization") or "").strip())
        if not m:
            raise exc.IncompleteSignature(
                "The Authorization header is not ALGORITHM Credential=<AccessKeyId>,"
                "SignedHeaders=<a;b;...>,Signature=<hex>.")
        self.algorithm: str = m.group("algo")
        self.key_id: str = m.group("cred")
        self.signature: str = m.group("sig")
        if self.algorithm not in V3_ALGORITHMS:
            raise exc.InvalidSignatureMethod(
                "Specified signature method is not supported (%s)."
                % ", ".join(sorted(V3_ALGORITHMS)))
        if not self.key_id:
            raise exc.MissingParameter("AccessKeyId")
        self.signed: list[str] = m.group("signed").split(";") if m.group("signed") else []
        if any(not n or n != n.lower() for n in self.signed):
            raise exc.IncompleteSignature(
                "SignedHeaders must be lower-case names separated by ';'.")
        for name in V3_MUST_SIGN:
            if header_values(name) and name not in self.signed:
                raise exc.IncompleteSignature(
                    "The header %s is sent but not in SignedHeaders." % name)


def _first(header_values: HeaderValues, name: str) -> str | None:
    """A header's first value, stripped; None when it is absent."""
    values = header_values(name)
    return values[0].strip() if values else None


def _v3_required(header_values: HeaderValues, name: str) -> str:
    value = _first(header_values, name)
    if not value:
        raise exc.MissingParameter(name)
    return value


def _v3_payload_hash(algorithm: str, body: bytes, claimed: str | None) -> str:
    """The body's hash as the signature covers it: the claimed x-acs-content-sha256 must
    be the body's own."""
    body_hash = v3_hash(algorithm, body)
    if claimed is None:
        return body_hash
    if not hmac.compare_digest(claimed.lower().encode("utf-8", "replace"),
                               body_hash.encode("ascii")):
        raise exc.ContentSha256Mismatch()
    return claimed.lower() if claimed else body_hash


def authenticate_v3(method: str, query_pairs: list[tuple[str, str]],
                    header_values: HeaderValues, body: bytes,
                    find_account: FindAccount, nonces: NonceBook,
                    now: float | None = None) -> str:
    """Check a V3-signed request; return the access key id, or raise an SlbError.

    ``header_values(name)`` gives every value of a (lower-case) header as received.
    Checks in order: the Authorization header's form, date, nonce, body hash, account,
    signature value, token, replay.
    """
    now = time.time() if now is None else now
    authorization = _V3Authorization(header_values)
    algorithm, key_id = authorization.algorithm, authorization.key_id
    when = _checked_time(_v3_required(header_values, "x-acs-date"), now)
    nonce = _v3_required(header_values, "x-acs-signature-nonce")
    payload_hash = _v3_payload_hash(algorithm, body, _first(header_values, "x-acs-content-sha256"))

    account = _account(find_account, key_id)
    canonical = v3_canonical_request(method, query_pairs, header_values, authorization.signed,
                                     payload_hash)
    expected_string = algorithm + "\n" + v3_hash(algorithm, canonical.encode("utf-8"))
    expected = v3_sign(algorithm, expected_string, _secret(account))
    if not hmac.compare_digest(expected.encode("ascii"),
                               authorization.signature.lower().encode("ascii")):
        raise exc.SignatureDoesNotMatch(expected_string)
    _check_token(account, _first(header_values, "x-acs-security-token"))
    _check_skew_and_nonce(nonces, key_id, nonce, when, now)
    return key_id
