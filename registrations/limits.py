"""Rate limits of the public pages (registration form, thanks page, check-in).

Each public request is counted twice, in the cache (django-ratelimit's counters:
Redis in production, so every app server shares them; local memory in tests and
the SQLite demo): per client address and per desk token, GET and POST apart. Over
any limit the page is a friendly 429 ("try again in a few minutes"), with
nothing written.

The limits (``DEFAULT_RATES``; override with the setting
``REGISTRATION_RATE_LIMITS``, same keys):

- per address, 300 GET and 100 POST per 10 minutes: the people of one training
  often share an address (the venue's Wi-Fi, a carrier's NAT), so a room of 60
  registering at once, some twice after a typing error, stays well under it,
  while a script posting every few seconds is stopped within minutes;
- per desk token, 3,000 GET and 600 POST per hour: far above a training's size
  (at most a few hundred people), and a cap on what a leaked link can take from
  many addresses at once.

The address is ``REMOTE_ADDR``, or with ``PROXY_COUNT`` set (the app behind that
many proxies, as for django-axes) the entry of ``X-Forwarded-For`` the nearest
trusted proxy saw; IPv6 addresses count per /64 (one household or phone).
"""

import functools
import ipaddress
from http import HTTPStatus

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

#: (scope, method) -> django-ratelimit rate ("count/period").
DEFAULT_RATES = {
    ("address", "GET"): "300/10m",
    ("address", "POST"): "100/10m",
    ("desk", "GET"): "3000/h",
    ("desk", "POST"): "600/h",
}

#: Seconds a limited client is told to wait (the shortest period above).
RETRY_AFTER = 600


def client_address(request) -> str:
    """The client's address as the rate limits count it (see the module
    docstring); an IPv6 address as its /64 network. "unknown" when there is
    none (a Unix socket without a proxy header)."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    address = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _rates() -> dict:
    return {**DEFAULT_RATES, **getattr(settings, "REGISTRATION_RATE_LIMITS", {})}


def request_limited(request, *, group: str, token: str) -> bool:
    """Count this request of page ``group`` ("register", "checkin"...) for desk
    ``token`` and say whether it is over a limit (per address or per desk)."""
    method = "POST" if request.method == "POST" else "GET"
    rates = _rates()
    limited = False
    for scope, value in (("address", client_address(request)), ("desk", token)):
        limited |= is_ratelimited(
            request,
            group=f"registrations.{group}.{scope}.{method}",
            key=lambda _group, _request, value=value: value,
            rate=rates[(scope, method)],
            increment=True,
        )
    return limited


def too_many_requests(request):
    """The friendly 429 page, in the visitor's language."""
    response = render(
        request,
        "registrations/public_429.html",
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def public_rate_limit(group: str):
    """Decorate a public view taking a ``token`` keyword argument: over a limit
    (``request_limited``) it answers ``too_many_requests`` without calling it."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request_limited(request, group=group, token=kwargs.get("token", "")):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
