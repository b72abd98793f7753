"""Rate limits of the public pages (registration form, thanks page, check-in).

Each public request is counted in the cache (django-ratelimit's counters: Redis
in production, so every app server shares them; local memory in tests and the
SQLite demo): per client address (GET and POST apart) and per desk token. Over
any limit the page is a friendly 429 ("try again in a few minutes"), with
nothing written.

The limits (``DEFAULT_RATES``; override with the setting
``REGISTRATION_RATE_LIMITS``, same keys):

- per address, 300 GET and 100 POST per 10 minutes: the people of one training
  often share an address (the venue's Wi-Fi, a carrier's NAT), so a room of 60
  registering at once, some twice after a typing error, stays well under it,
  while a script posting every few seconds is stopped within minutes;
- per desk token, 3,000 GET per hour, and 600 *new registrations* per hour
  (``("desk", "POST")``): far above a training's size (at most a few hundred
  people), and a cap on the rows a leaked link can add from many addresses. Only
  registrations stored count (``desk_budget_count`` after success; the POST is
  checked before without counting): invalid forms, double submits and bots
  cost the desk nothing, so a few addresses posting junk cannot lock the real
  participants out;
- check-in, wrong codes only: 20 per address per 10 minutes
  (``("address", "wrong_code")``) and 3,000 per desk per hour
  (``("desk", "wrong_code")``), on top of the per-address POST limit. A code is
  one of 1,000,000 and two windows are valid at a time, so 3,000 guesses an
  hour find one with probability 3,000 x 2 / 1,000,000 = 0.6% per hour; and
  with 20 per 10 minutes (120 an hour) per address, locking a desk's check-in
  out for the hour takes 25 addresses guessing at full speed. A venue sharing
  one address can mistype 20 codes in 10 minutes before it waits.

The address is ``REMOTE_ADDR``, or with ``PROXY_COUNT`` set (the app behind that
many proxies, as for django-axes) the entry of ``X-Forwarded-For`` the nearest
trusted proxy saw; IPv6 addresses count per /64 (one household or phone).
"""

import functools
import ipaddress
from http import HTTPStatus

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage, is_ratelimited

#: (scope, method) -> django-ratelimit rate ("count/period").
DEFAULT_RATES = {
    ("address", "GET"): "300/10m",
    ("address", "POST"): "100/10m",
    ("desk", "GET"): "3000/h",
    ("desk", "POST"): "600/h",
    ("address", "wrong_code"): "20/10m",
    ("desk", "wrong_code"): "3000/h",
}

#: The desk budget each public page's POST spends (``desk_budget_count``): new
#: registrations for the form, wrong codes for check-in.
DESK_BUDGETS = {"register": ("POST",), "checkin": ("wrong_code",)}

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


def _key(value: str):
    return lambda _group, _request: value


def request_limited(request, *, group: str, token: str) -> bool:
    """Count this request of page ``group`` ("register", "checkin"...) for desk
    ``token`` and say whether it is over a limit: the per-address limit of its
    method, the per-desk GET limit, and for a POST whether a desk budget
    (``DESK_BUDGETS``) or the address's wrong-code budget is already spent (not
    counted here: ``desk_budget_count`` counts after the fact)."""
    method = "POST" if request.method == "POST" else "GET"
    rates = _rates()
    address = client_address(request)
    limited = is_ratelimited(
        request,
        group=f"registrations.{group}.address.{method}",
        key=_key(address),
        rate=rates[("address", method)],
        increment=True,
    )
    if method == "GET":
        limited |= is_ratelimited(
            request,
            group=f"registrations.{group}.desk.GET",
            key=_key(token),
            rate=rates[("desk", "GET")],
            increment=True,
        )
        return limited
    for budget in DESK_BUDGETS.get(group, ()):
        limited |= _spent(request, group, "desk", budget, token)
        if budget == "wrong_code":
            limited |= _spent(request, group, "address", budget, address)
    return limited


def _spent(request, group: str, scope: str, budget: str, value: str) -> bool:
    """Whether the ``(scope, budget)`` counter of ``value`` is at its limit."""
    usage = get_usage(
        request,
        group=f"registrations.{group}.{scope}.{budget}",
        key=_key(value),
        rate=_rates()[(scope, budget)],
        increment=False,
    )
    return usage is not None and usage["count"] >= usage["limit"]


def desk_budget_count(request, *, group: str, token: str) -> None:
    """Spend one unit of page ``group``'s budgets (``DESK_BUDGETS``) for desk
    ``token``: a registration stored, a wrong check-in code (which also counts
    for the client's address)."""
    for budget in DESK_BUDGETS.get(group, ()):
        scopes = [("desk", token)]
        if budget == "wrong_code":
            scopes.append(("address", client_address(request)))
        for scope, value in scopes:
            get_usage(
                request,
                group=f"registrations.{group}.{scope}.{budget}",
                key=_key(value),
                rate=_rates()[(scope, budget)],
                increment=True,
            )


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
