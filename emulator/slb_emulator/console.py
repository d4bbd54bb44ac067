"""The console page at ``/_emulator/``: plain server-rendered HTML that refreshes itself.

Owns the page and nothing else: it renders a ConsolePage (the state, the request log and the
faults, read by admin.py) and acts on nothing. No JavaScript and nothing fetched from
elsewhere, so it works offline and a strict Content-Security-Policy (``default-src 'none'``)
can be sent with it. Its forms post to ``/_emulator/console/...``, which admin.py answers with
a redirect back to the page. Imports models.py and faults.py only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from .faults import KINDS, Fault
from .models import Group, Listener, LoadBalancer, State

REFRESH_SECONDS = 5
LOG_ROWS = 50
# The form's fault kinds, the most used first.
CONSOLE_KINDS = ("error", *(kind for kind in KINDS if kind != "error"))

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3}.err{color:#a00}.ok{color:#070}
.muted{color:#777}form.inline{display:inline}code{font-size:90%}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]], empty: str, table_id: str) -> str:
    """rows hold already-escaped HTML cells."""
    if not rows:
        return '<p class="muted" id="%s">%s</p>' % (table_id, _e(empty))
    head = "".join("<th>%s</th>" % _e(h) for h in headers)
    body = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % c for c in row) for row in rows)
    return '<table id="%s"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (
        table_id, head, body)


@dataclass
class ConsolePage:
    """What the page shows: the emulator's address, its state, the logged requests (oldest
    first) and the active faults."""
    url: str
    state: State
    requests: Sequence[Mapping[str, Any]]
    faults: Sequence[Fault]


NONE = '<span class="muted">none</span>'


def _load_balancer_rows(state: State) -> list[list[str]]:
    def groups_of(lb: LoadBalancer) -> int:
        return sum(1 for g in state.groups if g.load_balancer_id == lb.load_balancer_id)
    return [[_e(lb.load_balancer_id), _e(lb.region_id), _e(lb.name), _e(lb.address),
             _e(lb.address_type), _e(lb.status), _e(lb.spec), _e(lb.delete_protection),
             _e(groups_of(lb))] for lb in state.load_balancers]


def _group_row(group: Group, listeners: Sequence[Listener]) -> list[str]:
    servers = "<br>".join(
        "%s %s:%s w%s (%s)%s" % (_e(s.server_type), _e(s.server_id), _e(s.port), _e(s.weight),
                                 _e(s.type), (" ip " + _e(s.server_ip)) if s.server_ip else "")
        for s in group.servers)
    tags = "<br>".join("<code>%s</code>=<code>%s</code>" % (_e(k), _e(v))
                       for k, v in group.tags.items()) or NONE
    bound = ", ".join("%s:%s" % (_e(listener.protocol), _e(listener.port))
                      for listener in listeners
                      if listener.master_slave_server_group_id == group.id)
    return [_e(group.id), _e(group.name), _e(group.load_balancer_id), _e(group.region_id),
            _e(group.create_time), servers, tags, bound or NONE]


def _listener_row(listener: Listener) -> list[str]:
    group_id = listener.master_slave_server_group_id
    return [_e(listener.load_balancer_id), _e(listener.protocol), _e(listener.port),
            _e(group_id) if group_id else '<span class="muted">unbound</span>']


def _log_row(r: Mapping[str, Any]) -> list[str]:
    when = time.strftime("%H:%M:%S", time.gmtime(r["time"])) + (
        ".%03d" % int((r["time"] % 1) * 1000))
    code = r["code"]
    status = r["status"]
    outcome = ('<span class="ok">%s OK</span>' % _e(status) if status == 200 else
               '<span class="err">%s %s</span>' % (_e(status), _e(code)) if status
               else '<span class="err">dropped</span>')
    return [_e(r["seq"]), when, _e(r["action"]), outcome,
            _e("%s ms" % r["latency_ms"] if r.get("latency_ms") is not None else ""),
            _e(r.get("signature") or "none"), _e(r["fault"] or "")]


def _fault_row(f: Fault, suffix: str) -> list[str]:
    detail = ", ".join("%s=%s" % (k, v) for k, v in f.items()
                       if k not in ("id", "kind", "action", "seen", "fired") and v is not None)
    delete = ('<form class="inline" method="post" action="/_emulator/console/faults/%s/'
              'delete%s"><button type="submit">remove</button></form>'
              % (quote(f["id"], safe=""), suffix))
    return [_e(f["id"]), _e(f["kind"]), _e(f["action"] or "every action"), _e(detail),
            _e("%s/%s" % (f["fired"], f["seen"])), delete]


def render(page: ConsolePage, token: str | None = None, error: str | None = None) -> str:
    """The whole page; token (the admin token) is carried in every link and form."""
    suffix = "?token=" + quote(token, safe="") if token else ""
    state = page.state
    lb_rows = _load_balancer_rows(state)
    group_rows = [_group_row(group, state.listeners) for group in state.groups]
    listener_rows = [_listener_row(listener) for listener in state.listeners]
    log_rows = [_log_row(r) for r in reversed(page.requests[-LOG_ROWS:])]
    fault_rows = [_fault_row(f, suffix) for f in page.faults]

    kinds = "".join('<option value="%s">%s</option>' % (k, k) for k in CONSOLE_KINDS)
    error_html = '<p class="err" id="console-error">%s</p>' % _e(error) if error else ""
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="%(refresh)d; url=/_emulator/%(suffix)s">
<title>SLB emulator console</title><style>%(style)s</style></head>
<body>
<h1>SLB emulator <span class="muted">%(url)s</span></h1>
<p class="muted">Refreshes every %(refresh)d s. Generated %(now)s UTC.</p>
%(error)s
<h2>Load balancers</h2>%(lbs)s
<h2>Master/slave server groups</h2>%(groups)s
<h2>Listeners</h2>%(listeners)s
<h2>Active faults</h2>%(faults)s
<form method="post" action="/_emulator/console/faults%(suffix)s" id="add-fault">
<label>kind <select name="kind">%(kinds)s</select></label>
<label>action <input name="action" size="28" placeholder="every action"></label>
<label>code <input name="code" size="20" placeholder="ServiceUnavailable"></label>
<label>status <input name="status" size="4" placeholder="503"></label>
<label>seconds <input name="seconds" size="4"></label>
<label>rps <input name="rps" size="4"></label>
<label>count <input name="count" size="4" placeholder="unlimited"></label>
<label>every <input name="every" size="3" placeholder="1"></label>
<button type="submit">add fault</button></form>
<form method="post" action="/_emulator/console/faults/clear%(suffix)s" id="clear-faults">
<button type="submit">clear all faults</button></form>
<h2>Request log <span class="muted">(last %(log_rows)d, newest first)</span></h2>%(log)s
</body></html>
""" % {
        "refresh": REFRESH_SECONDS, "style": _STYLE, "url": _e(page.url),
        "now": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "error": error_html,
        "lbs": _table(["id", "region", "name", "address", "address type", "status", "spec",
                       "delete protection", "groups"], lb_rows, "No load balancers.",
                      "load-balancers"),
        "groups": _table(["id", "name", "load balancer", "region", "created", "servers",
                          "tags", "listeners"], group_rows, "No groups.", "groups"),
        "listeners": _table(["load balancer", "protocol", "port", "master/slave group"],
                            listener_rows, "No listeners.", "listeners"),
        "faults": _table(["id", "kind", "action", "settings", "fired/seen", ""], fault_rows,
                         "No active faults.", "faults"),
        "suffix": suffix, "kinds": kinds, "log_rows": LOG_ROWS,
        "log": _table(["#", "time (UTC)", "action", "result", "latency", "signature",
                       "fault"], log_rows, "No requests yet.", "requests"),
    }
