"""Scrubbing secrets out of error texts without garbling them (issue 16, item 10 e).

The scrubber replaced every occurrence of the secret, in every encoding, anywhere in the
text. A wrong secret that happens to be a piece of the API's own words ("sign", "Spec",
"calc") then cut the API's message into "Specified ***ature is not matched...". Now a form
of the secret long enough that no text contains it by chance (16 characters and more) is
still removed wherever it appears, and a shorter one where it stands as a whole token
(not inside a longer run of letters and digits; a %XX escape before it counts as a
boundary), so the secret is still never shown raw, URL-encoded once or twice, or in base64.
The trimming of the server's string to sign also cut mid-sentence ("...calculation. server
(the server's ...)").
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import quote

import pytest
from slb_master_slave.client.api_error import SlbApiError
from slb_master_slave.client.gateway import SlbGateway
from slb_master_slave.client.scrubbing import scrub
from slb_master_slave.client.settings import resolve_settings

from harness.emulator_process import EmulatorProcess
from harness.stack_fixtures import stack_config

API_SENTENCE = "Specified signature is not matched with our calculation"


@pytest.mark.parametrize("wrong_secret", ["sign", "atur", "Spec", "calc", "server", "string", "the server",
                                          "emulator-demo-secre"])
def test_a_wrong_secret_leaves_the_apis_message_readable(emu: EmulatorProcess, wrong_secret: str) -> None:
    config = stack_config(emu, **{"alicloud:secretKey": wrong_secret, "slb-master-slave:timeoutSeconds": "3"})
    with pytest.raises(SlbApiError) as info:
        SlbGateway(resolve_settings(config, environ={})).list_groups("lb-demo-hangzhou")
    error = info.value
    assert error.code == "SignatureDoesNotMatch"
    assert error.message == f"{API_SENTENCE} (the server's string to sign is not shown)"
    assert f"SignatureDoesNotMatch: {API_SENTENCE} (the server's string to sign is not shown) (RequestId " in str(error)


ALIBABA_LIKE = "Ab3/xY+9=&k~!Zq7wE5rT8uI0oP2aS"  # 30 characters, as Alibaba Cloud's secrets are
SHORT = "k3y/s+x"
ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "url": lambda s: quote(s, safe=""),
    "url~": lambda s: quote(s, safe="~"),
    "url-lower": lambda s: quote(s, safe="~").lower(),
    "url-twice": lambda s: quote(quote(s, safe=""), safe=""),
    "url~-twice": lambda s: quote(quote(s, safe="~"), safe="~"),
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "base64-unpadded": lambda s: base64.b64encode(s.encode()).decode().rstrip("="),
    "base64-url": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
}
PLACES = ["{}", "AccessKeySecret={}&Format=JSON", '{{"secret": "{}"}}', "a%3D{}%26b", "a%253D{}%2526b",
          "token: {}.", "(AccessKeySecret {})"]


@pytest.mark.parametrize("secret", [ALIBABA_LIKE, SHORT, "abcd1234"])
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("place", PLACES)
def test_the_secret_never_survives_in_any_encoding(secret: str, encoding: str, place: str) -> None:
    shown = ENCODINGS[encoding](secret)
    cleaned = scrub(place.format(shown), [secret])
    assert shown not in cleaned and "***" in cleaned


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_long_secret_goes_even_inside_other_text(encoding: str) -> None:
    shown = ENCODINGS[encoding](ALIBABA_LIKE)
    assert shown not in scrub(f"x{shown}y", [ALIBABA_LIKE])


@pytest.mark.parametrize(("secret", "text"), [
    ("sign", "Specified signature is not matched"),
    ("calc", "with our calculation."),
    ("Spec", "Specified signature"),
    ("abcd1234", "rsp-abcd1234ef in lb-1"),
])
def test_a_short_secret_inside_a_longer_word_is_left_alone(secret: str, text: str) -> None:
    assert scrub(text, [secret]) == text
