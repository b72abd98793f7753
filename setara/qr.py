"""QR codes of the public registration link (segno: pure Python, no image
libraries), as SVG that pages embed without any request or script."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, title: str = "") -> SafeString:
    """An inline ``<svg>`` QR code of ``url`` without a fixed size (its
    ``viewBox`` lets CSS size it), error correction level M (15% of the code may
    be dirty or torn: a printed poster), with ``title`` for screen readers.

    Safe to put in a page as it is: segno writes only numbers and fixed markup,
    and ``title`` is escaped."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=4, omitsize=True, svgclass="qr", title=title or None)
    return mark_safe(svg)  # noqa: S308 - generated markup, escaped title


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as a ``data:image/svg+xml`` URI for an ``<img>``
    (the Content-Security-Policy allows ``data:`` images; WeasyPrint's PDF of
    the sign-in sheet draws it too)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_data_uri(scale=4)
