"""Where WebRTC may connect: ICE servers for real use, and a loopback-only mode.

Bound to 127.0.0.1 (the default), the browser and the server are on one machine: no STUN or
TURN server is needed, and none is contacted (left unset, streamlit-webrtc would look ICE
servers up itself and aiortc would fall back to a public STUN server). For remote viewers set
``SHORTORY_ICE_SERVERS`` to a JSON list such as ``[{"urls": "stun:stun.example.org"}]``.

``SHORTORY_WEBRTC_LOOPBACK=1`` makes aiortc offer 127.0.0.1 and ignore other addresses: for a
machine with no network at all (the browser test runs in a network namespace with only ``lo``).
aioice leaves loopback out of its host candidates, so without this such a machine has no
candidate to offer.
"""

from __future__ import annotations

import ipaddress
import json
import os

from shortory_core.errors import ShortoryError

LOOPBACK_ENV = "SHORTORY_WEBRTC_LOOPBACK"
ICE_SERVERS_ENV = "SHORTORY_ICE_SERVERS"


def rtc_configuration() -> dict:
    """The RTCConfiguration both peers use; a malformed ``SHORTORY_ICE_SERVERS`` is a clear
    error, not a silent fallback to public servers."""
    raw = os.environ.get(ICE_SERVERS_ENV, "").strip()
    if not raw:
        return {"iceServers": []}
    try:
        servers = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ShortoryError(f"{ICE_SERVERS_ENV} is not JSON ({exc.msg}); write a list such "
                            'as [{"urls": "stun:stun.example.org"}].') from None
    if not isinstance(servers, list) or not all(
            isinstance(s, dict) and "urls" in s for s in servers):
        raise ShortoryError(f'{ICE_SERVERS_ENV} must be a list of {{"urls": ...}} objects.')
    return {"iceServers": servers}


def loopback_only() -> bool:
    return os.environ.get(LOOPBACK_ENV, "") == "1"


def use_loopback_only() -> None:
    """Patch aioice (once per process) to offer 127.0.0.1 and drop non-loopback candidates."""
    import aioice.ice

    if getattr(aioice.ice, "_shortory_loopback", False):
        return
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    add_remote = aioice.ice.Connection.add_remote_candidate

    async def add_loopback_candidate(self, candidate):  # type: ignore[no-untyped-def]
        if candidate is not None:
            try:
                if not ipaddress.ip_address(candidate.host).is_loopback:
                    return None
            except ValueError:  # an mDNS name: not on loopback
                return None
        return await add_remote(self, candidate)

    aioice.ice.Connection.add_remote_candidate = add_loopback_candidate
    aioice.ice._shortory_loopback = True
