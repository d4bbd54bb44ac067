"""The wire's formats, shared by the SLB API and the admin API: form decoding with its
limits on the way in; JSON bodies, the XML form of an answer and the error body on the way
out; and the masking that keeps secrets out of every log. Imports exceptions.py only.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, unquote_to_bytes
from xml.sax.saxutils import escape

from . import exceptions as exc

JsonObject = dict[str, Any]
HOST_ID = "slb.emulator.local"
MAX_PARAMS = 500
# Never written to the access log or the request log in clear (any spelling, any case).
SENSITIVE_PARAMS = {"securitytoken", "signature", "x-acs-security-token", "token",
                    "accesskeysecret"}
_QUERY_PAIR = re.compile(r"([^?&=\s'\"]+)=([^&\s'\"]*)")


def mask_secrets(text: str) -> str:
    """``key=value`` pairs in text with a sensitive key (decoded: ``Security%54oken`` is
    SecurityToken too) get ``***`` as value: the access log must not leak a token."""
    def repl(m: re.Match[str]) -> str:
        try:
            key = unquote(unquote(m.group(1).replace("+", " ")))
        except Exception:
            key = m.group(1)
        return m.group(1) + "=***" if key.lower() in SENSITIVE_PARAMS else m.group(0)
    return _QUERY_PAIR.sub(repl, text)


def masked_params(params: dict[str, str]) -> dict[str, str]:
    """The request log's copy of the parameters: no Signature, tokens as ``***``."""
    return {k: ("***" if k.lower() in SENSITIVE_PARAMS else v)
            for k, v in params.items() if k != "Signature"}


def _form_text(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def parse_form(raw: bytes) -> list[tuple[str, str]]:
    """Pairs from an application/x-www-form-urlencoded byte string (strict UTF-8)."""
    pairs: list[tuple[str, str]] = []
    for part in raw.split(b"&"):
        if not part:
            continue
        if len(pairs) >= MAX_PARAMS:
            raise exc.InvalidParameter(message="Too many request parameters.")
        raw_key, _, raw_value = part.partition(b"=")
        try:
            key, value = _form_text(raw_key), _form_text(raw_value)
        except UnicodeDecodeError as e:
            raise exc.InvalidParameter(
                message="The request parameters are not valid UTF-8.") from e
        if key:
            pairs.append((key, value))
    return pairs


def error_body(request_id: str, code: str, message: str) -> JsonObject:
    """An error as the common response structure of Alibaba Cloud RPC APIs spells it."""
    return {"RequestId": request_id, "HostId": HOST_ID, "Code": code, "Message": message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product=Slb" % code}


def _xml_value(name: str, value: Any, out: list[str]) -> None:
    """One element; a list repeats the element once per item (the API's XML shape:
    ``{"X": {"Y": [a, b]}}`` is ``<X><Y>a</Y><Y>b</Y></X>``)."""
    if isinstance(value, list):
        for item in value:
            _xml_value(name, item, out)
        return
    out.append("<%s>" % name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(key, item, out)
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif value is not None:
        out.append(escape(str(value)))
    out.append("</%s>" % name)


def to_xml(root: str, body: JsonObject) -> str:
    """A response body as the API's XML: ``<ActionResponse>`` on success, ``<Error>``
    on failure (the common response structure of Alibaba Cloud RPC APIs)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _xml_value(root, body, out)
    return "".join(out)
