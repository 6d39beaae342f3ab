"""Whether the app can be reached from other machines: the rule that decides if the analyst's
pages need a password when none is set.

Three kinds of evidence, any one enough:

- the address the server binds (``server.address``; ``scripts/start.sh`` passes
  ``SHORTORY_ADDRESS``): only a loopback address keeps other machines out. An empty address
  makes Streamlit listen on every interface, so it counts as reachable;
- the request of this browser session: a reverse proxy on the same machine connects from
  127.0.0.1, yet it announces itself (``Forwarded``, ``X-Forwarded-For``...) and passes on the
  public host name. A page reached that way is published, whatever the bind address says.
  (uvicorn, which serves the app, already takes the client's address from ``X-Forwarded-For``
  when the proxy connects from 127.0.0.1, so the peer address then reads as the client's.)
- the address invite links are set to start with (``SHORTORY_PUBLIC_URL``): when it names
  another host, the analyst means the app to be reached from there.

A proxy that strips all of this cannot be told from a local browser; the README therefore asks
whoever publishes the app to set a password, and once one is set the gate always applies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


@dataclass(frozen=True)
class Exposure:
    """Whether other machines can reach the app, and why, in words for the page."""

    reachable: bool
    why: str


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` (and its sub-names) and loopback IP addresses; False for any
    other name or address, and for none at all."""
    if not host:
        return False
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(host_header: str) -> str:
    """The host name of a ``Host`` header, without its port (``[::1]:8501`` -> ``::1``)."""
    value = host_header.strip()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def exposure(bind_address: str | None, headers: Mapping[str, str], client_ip: str | None,
             public_url: str | None = None) -> Exposure:
    """Whether this session's page is reachable from elsewhere. ``headers`` are the request's
    (any case); ``client_ip`` is the connection's peer (None or a loopback address when local);
    ``public_url`` the base of invite links, when set.
    """
    if public_url and not is_loopback(urlsplit(public_url.strip()).hostname):
        return Exposure(True, f"invite links start with {public_url.strip()}")
    if not is_loopback(bind_address):
        shown = bind_address or "every interface"
        return Exposure(True, f"the server listens on {shown}, not only on this machine")
    lowered = {key.lower(): value for key, value in headers.items()}
    if client_ip and not is_loopback(client_ip):
        return Exposure(True, f"this page was opened from {client_ip}, another machine")
    proxied = [name for name in PROXY_HEADERS if name in lowered]
    if proxied:
        return Exposure(True, f"this page came through a proxy, which sent {proxied[0]}")
    host = lowered.get("host")
    if host and not is_loopback(host_of(host)):
        return Exposure(True, f"this page was opened as {host_of(host)}")
    return Exposure(False, f"the server listens on {bind_address} only")
