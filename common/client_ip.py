"""The client's address, for rate limits, lockouts and logs.

Behind a reverse proxy every request arrives from the proxy's address, and the proxy names the address it saw in
X-Forwarded-For. That header is believed only when the request comes from a trusted proxy (settings.TRUSTED_PROXIES,
addresses or networks, from GRIDWORK_TRUSTED_PROXIES), and it is read from the right: the first address that is not
a trusted proxy is the client's (what stands to its left was written by the client and may be made up). A request
without REMOTE_ADDR (gunicorn on a unix socket behind a local proxy) counts as coming from a proxy."""

import ipaddress
from functools import lru_cache

from django.conf import settings

UNKNOWN = "0.0.0.0"


@lru_cache(maxsize=16)
def _networks(spec):
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec if item)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request):
    """The client's address as text (a valid IP address; UNKNOWN when none can be told)."""
    meta = getattr(request, "META", {}) or {}
    remote = _address(meta.get("REMOTE_ADDR", "") or "")
    proxies = _networks(tuple(str(p).strip() for p in getattr(settings, "TRUSTED_PROXIES", ())))

    def trusted(address):
        return address is None or any(address in net for net in proxies)

    if remote is not None and not trusted(remote):
        return str(remote)
    if remote is not None and not proxies:
        return str(remote)
    for hop in reversed((meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: nothing to its left can be believed
        if not trusted(address):
            return str(address)
    return str(remote) if remote is not None else UNKNOWN
