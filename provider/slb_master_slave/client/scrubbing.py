"""Secrets out of every text an error can carry, and foreign answers cut to one line.

An error's text holds what came from outside (the API's message, a proxy's page, a URL),
and the API echoes what it was sent: SignatureDoesNotMatch quotes the string to sign,
token included. So every such text passes `scrub` once, at the error's construction, with
the secret in every encoding it can take on the way; `summarize` makes a page that is not
the API's one short line without markup or query strings.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

SUMMARY_CHARS = 200
# A form of a secret this long is removed wherever it appears: no text holds it by chance.
SCRUB_ANYWHERE_CHARS = 16
# Shorter forms are removed where they stand as a whole token; shorter than this, never
# (one to three characters are in every sentence and are no credential).
SCRUB_MIN_CHARS = 4
_ALNUM = "A-Za-z0-9"
# Before a whole token: not a letter or digit, unless that is the end of a %XX or %25XX escape
# ("Secret%3Dk3y" is "Secret=k3y" once decoded).
_TOKEN_START = rf"(?:(?<![{_ALNUM}])|(?<=%[0-9A-Fa-f]{{2}})|(?<=%25[0-9A-Fa-f]{{2}}))"


def _secret_forms(secret: str) -> set[str]:
    """The secret as it can appear: raw, URL-encoded (once or twice, SDK or stdlib style), base64."""
    once = {quote(secret, safe=""), quote(secret, safe="~"), quote(secret),
            quote(secret, safe="~").replace("%7E", "~").replace("+", "%20")}
    twice = {quote(form, safe="") for form in once} | {quote(form, safe="~") for form in once}
    b64 = {base64.b64encode(secret.encode()).decode(), base64.urlsafe_b64encode(secret.encode()).decode()}
    forms = {secret} | once | twice | b64 | {f.rstrip("=") for f in b64}
    forms |= {f.lower() for f in once | twice if "%" in f}
    return {f for f in forms if len(f) >= SCRUB_MIN_CHARS}


def _form_pattern(form: str) -> str:
    """A long form anywhere; a short one only as a whole token, so a wrong secret such as
    "sign" leaves "signature" in the API's message alone but never shows as itself."""
    pattern = re.escape(form)
    if len(form) >= SCRUB_ANYWHERE_CHARS:
        return pattern
    if re.match(f"[{_ALNUM}]", form):
        pattern = _TOKEN_START + pattern
    if re.search(f"[{_ALNUM}]$", form):
        pattern += f"(?![{_ALNUM}])"
    return pattern


def scrub(text: str, secrets: list[str]) -> str:
    """Remove every secret, in every encoding we know of, from a text we are about to show."""
    for secret in secrets:
        for form in sorted(_secret_forms(secret), key=len, reverse=True):
            text = re.sub(_form_pattern(form), "***", text)
    return text


_SIGNED_PARAMETER = re.compile(r"[^\s]*(?:\?|&|%26|%3D)[^\s]*")
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)


def summarize(body: bytes, limit: int = SUMMARY_CHARS) -> str:
    """One line of at most `limit` characters from an answer that is not the API's: no markup,
    no query strings (a server may echo the signed URL back)."""
    text = body[: 64 * 1024].decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    text = _TAG.sub(" ", title.group(1) if title else text)
    text = _SIGNED_PARAMETER.sub("[…]", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


STRING_TO_SIGN_NOTE = " (the server's string to sign is not shown)"


def trim_api_message(message: str) -> tuple[str, str]:
    """SignatureDoesNotMatch carries the server's string to sign (every parameter, the token
    included): keep the sentences before the one that shows it ("... calculation. server
    string to sign is:..."), drop that one; the note saying so is returned apart, to be
    added after scrubbing (a wrong secret such as "sign" must not cut our own words)."""
    marker = message.lower().find("string to sign")
    if marker < 0:
        return message[:500], ""
    sentence_end = message.rfind(". ", 0, marker)
    kept = (message[:sentence_end] if sentence_end >= 0 else "").rstrip(" :.,")
    return (kept or "The signature does not match")[:500], STRING_TO_SIGN_NOTE
