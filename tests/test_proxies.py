"""Every proxy form users set, through a real forward proxy (pproxy) on loopback.

One pproxy process per module serves four listeners: plain http, http with credentials
(the password holds an "@", percent-encoded in the URL), https (TLS to the proxy, a
certificate made here) and, where the machine has ::1, http on [::1]. Behind it: small
HTTP and HTTPS servers on 127.0.0.1 (and [::1]) that answer with the path they were asked.
The proxy logs each connection it makes (`-v`), which is how a test knows a request went
through it. The forms come from the environment as users set them, through `proxy_for`.
"""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from slb_master_slave.client.api_error import ErrorKind, SlbApiError
from slb_master_slave.client.gateway import SlbGateway
from slb_master_slave.client.proxies import UnsupportedProxy, proxy_for
from slb_master_slave.client.settings import resolve_settings
from slb_master_slave.client.transport import (
    MAX_ANSWER_BYTES,
    Failure,
    Target,
    Transport,
    TransportFailure,
)

from harness.waiting import wait_for, wait_until


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


HAS_IPV6 = _has_ipv6_loopback()
needs_ipv6 = pytest.mark.skipif(not HAS_IPV6, reason="this machine has no ::1")


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, ::1 and localhost: the proxy's and the targets'."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             x509.IPAddress(ipaddress.ip_address("::1"))]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with its path as JSON; /gzip gzip-encoded, /bomb a gzip bomb."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        if self.path.startswith("/bomb"):
            body = gzip.compress(b"0" * (MAX_ANSWER_BYTES * 8))
        else:
            body = json.dumps({"path": self.path}).encode()
            if self.path.startswith("/gzip"):
                body = gzip.compress(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.path.startswith(("/gzip", "/bomb")):
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def _serve(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _wait_listening(host: str, port: int, seconds: float = 15.0) -> None:
    wait_until(lambda: _listening(host, port), seconds, f"the proxy listening on {host}:{port}")


@dataclass
class Lab:
    cert: Path
    http_port: int
    https_port: int
    http6_port: int | None
    plain: str  # host:port of each proxy listener
    with_credentials: str
    tls: str
    ipv6: str | None
    log: Path

    def connections_to(self, target_port: int) -> int:
        """How many connections to the target port the proxy has logged so far."""
        return self.log.read_text().count(f":{target_port}\n")

    def went_through_proxy(self, target_port: int, before: int, seconds: float = 5.0) -> bool:
        """The proxy logged one more connection to the target port (it logs as it connects)."""
        return wait_for(lambda: self.connections_to(target_port) > before, seconds)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    directory = tmp_path_factory.mktemp("proxies")
    cert, key = _certificate(directory)
    servers = [_serve(_Server(("127.0.0.1", 0), _Echo)), _serve(_Server(("127.0.0.1", 0), _Echo))]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    servers[1].socket = context.wrap_socket(servers[1].socket, server_side=True)
    if HAS_IPV6:
        servers.append(_serve(_Server6(("::1", 0), _Echo)))
    ports = {name: _free_port("127.0.0.1") for name in ("plain", "credentials", "tls")}
    listeners = [f"http://127.0.0.1:{ports['plain']}", f"http://127.0.0.1:{ports['credentials']}#user:p@ss",
                 f"http+ssl://127.0.0.1:{ports['tls']}"]
    port6 = _free_port("::1") if HAS_IPV6 else None
    if port6:
        listeners.append(f"http://[::1]:{port6}")
    log = directory / "proxy.log"
    command = [sys.executable, "-u", "-m", "pproxy", "-v", "--auth", "0", "--ssl", f"{cert},{key}"]
    for listener in listeners:
        command += ["-l", listener]
    with log.open("w") as out:
        proxy = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        for port in ports.values():
            _wait_listening("127.0.0.1", port)
        if port6:
            _wait_listening("::1", port6)
        yield Lab(cert, servers[0].server_address[1], servers[1].server_address[1],
                  servers[2].server_address[1] if HAS_IPV6 else None,
                  f"127.0.0.1:{ports['plain']}", f"127.0.0.1:{ports['credentials']}", f"127.0.0.1:{ports['tls']}",
                  f"[::1]:{port6}" if port6 else None, log)
    finally:
        proxy.terminate()
        proxy.wait(10)
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture()
def trusted(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lab's certificate trusted for the target and the https proxy, as users set a CA bundle."""
    monkeypatch.setenv("ALIBABA_CLOUD_CA_BUNDLE", str(lab.cert))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def send(target: Target, path: str = "/?Action=X") -> tuple[int, object]:
    now = time.monotonic()
    answer = Transport().send(target, "POST", path, {"Accept-Encoding": "identity"}, None,
                              connect_deadline=now + 5, read_seconds=5, deadline=now + 5)
    return answer.status, json.loads(answer.body) if answer.status == 200 else answer.body


def _forms(lab: Lab) -> dict[str, str]:
    forms = {"scheme-less host:port": lab.plain, "http://": f"http://{lab.plain}", "https:// (TLS to the proxy)":
             f"https://{lab.tls}", "credentials, percent-encoded": f"http://user:p%40ss@{lab.with_credentials}"}
    if lab.ipv6:
        forms["IPv6 literal"] = f"http://{lab.ipv6}"
    return forms


FORMS = ["scheme-less host:port", "http://", "https:// (TLS to the proxy)", "credentials, percent-encoded",
         pytest.param("IPv6 literal", marks=needs_ipv6)]


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("https", [False, True], ids=["http target", "https target (CONNECT)"])
def test_every_proxy_form_carries_requests(lab: Lab, monkeypatch: pytest.MonkeyPatch, form: str, https: bool) -> None:
    scheme = "https" if https else "http"
    monkeypatch.setenv(f"{scheme.upper()}_PROXY", _forms(lab)[form])
    proxy = proxy_for("slb.example.com", scheme)  # as the signer picks it for a real endpoint
    assert proxy is not None and proxy.startswith(("http://", "https://"))
    port = lab.https_port if https else lab.http_port
    before = lab.connections_to(port)
    assert send(Target(https, "127.0.0.1", port, proxy), "/?Action=Via") == (200, {"path": "/?Action=Via"})
    assert lab.went_through_proxy(port, before)


@needs_ipv6
@pytest.mark.usefixtures("trusted")
def test_an_ipv6_target_is_reached_through_an_ipv6_proxy(lab: Lab) -> None:
    assert lab.ipv6 is not None and lab.http6_port is not None
    before = lab.connections_to(lab.http6_port)
    assert send(Target(False, "::1", lab.http6_port, f"http://{lab.ipv6}"), "/six") == (200, {"path": "/six"})
    assert lab.went_through_proxy(lab.http6_port, before)


@pytest.mark.usefixtures("trusted")
def test_wrong_proxy_credentials_are_the_proxys_answer_or_a_refused_tunnel(lab: Lab) -> None:
    wrong = f"http://user:nope@{lab.with_credentials}"
    status, _ = send(Target(False, "127.0.0.1", lab.http_port, wrong))
    assert status == 407
    with pytest.raises(TransportFailure) as info:
        send(Target(True, "127.0.0.1", lab.https_port, wrong))
    assert info.value.failure is Failure.PROXY and "407" in info.value.detail and not info.value.sent


@pytest.mark.usefixtures("trusted")
def test_gzip_answers_are_decoded_and_the_cap_counts_decoded_bytes(lab: Lab) -> None:
    assert send(Target(False, "127.0.0.1", lab.http_port), "/gzip?x=1") == (200, {"path": "/gzip?x=1"})
    with pytest.raises(TransportFailure) as info:
        send(Target(False, "127.0.0.1", lab.http_port), "/bomb")
    assert info.value.failure is Failure.TOO_LARGE and info.value.sent


@pytest.mark.usefixtures("trusted")
def test_no_proxy_and_loopback_connect_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example,.corp")
    assert proxy_for("slb.internal.example", "https") is None
    assert proxy_for("slb.eu.corp", "https") is None
    assert proxy_for("slb.aliyuncs.com", "https") == "http://proxy.invalid:3128", "scheme-less means http://"
    for loopback in ("127.0.0.1", "::1", "localhost"):
        assert proxy_for(loopback, "https") is None, loopback


@pytest.mark.usefixtures("trusted")
def test_a_socks_proxy_is_refused_naming_the_setting_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(UnsupportedProxy) as info:
        proxy_for("slb.aliyuncs.com", "https")
    assert "HTTPS_PROXY" in str(info.value) and "http://host:port" in str(info.value)
    config = {"alicloud:accessKey": "id", "alicloud:secretKey": "secret", "alicloud:region": "cn-hangzhou",
              "slb-master-slave:endpoint": "https://slb.example.com"}
    with pytest.raises(SlbApiError) as error:
        SlbGateway(resolve_settings(config, {})).describe_group("rsp-1")
    assert error.value.kind is ErrorKind.SETTING and error.value.attempts == 1, "a setting is not retried"
    assert "socks5" in str(error.value) and "HTTPS_PROXY" in str(error.value)


@pytest.mark.usefixtures("trusted")
def test_all_proxy_is_the_fallback_for_both_schemes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "proxy.invalid:3128")
    assert proxy_for("slb.aliyuncs.com", "https") == proxy_for("slb.aliyuncs.com", "http") == "http://proxy.invalid:3128"
    monkeypatch.setenv("HTTPS_PROXY", "https://tls-proxy.invalid:3129")
    assert proxy_for("slb.aliyuncs.com", "https") == "https://tls-proxy.invalid:3129", "the scheme's own variable wins"
