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

LOOPBACK_ENV = "SHORTORY_WEBRTC_LOOPBACK"
ICE_SERVERS_ENV = "SHORTORY_ICE_SERVERS"


def rtc_configuration() -> dict:
    """The RTCConfiguration both peers use."""
    raw = os.environ.get(ICE_SERVERS_ENV, "").strip()
    servers = json.loads(raw) if raw else []
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
