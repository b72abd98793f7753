"""Certificates as PDF (WeasyPrint, A4 landscape, one page each), in the active
language (Indonesian by default), with the QR code of the public verification
page (``setara.qr``: segno, SVG, no image library).

The page is ``templates/certificates/certificate_pdf.html``. Several certificates
are drawn one by one and their pages joined into one document, so a long run
reports its progress (``progress(done, total)``, certificates drawn) as it goes.
WeasyPrint is imported only when a PDF is made: without its system libraries
(Pango) ``setara.pdf.PdfUnavailable`` is raised and the pages say so.
"""

from collections.abc import Callable, Sequence
from urllib.parse import urljoin

from django.template.loader import render_to_string
from django.utils import timezone

from setara.pdf import weasyprint_html
from setara.qr import qr_data_uri

from .models import Certificate

TEMPLATE = "certificates/certificate_pdf.html"


def verification_url(base_url: str, certificate: Certificate) -> str:
    """The absolute address of ``certificate``'s public page, on the site at
    ``base_url`` (``request.build_absolute_uri("/")``, such as
    ``https://setara.example.org/``): what its QR code holds."""
    return urljoin(base_url, certificate.get_absolute_url())


def certificate_page(certificate: Certificate, base_url: str) -> dict:
    """What one page prints: ``certificate`` (its number and name),
    ``training``, ``place``, ``partners`` (one line, comma-separated),
    ``issued_on`` (local date),
    ``url`` (the verification address) and ``qr`` (its QR code as a data URI).
    Needs ``certificate.enrolment.training.region`` (loaded or fetched)."""
    training = certificate.enrolment.training
    url = verification_url(base_url, certificate)
    return {
        "certificate": certificate,
        "training": training,
        "place": training.place_display,
        "partners": ", ".join(training.partner_names),
        "issued_on": timezone.localdate(certificate.issued_at),
        "url": url,
        "qr": qr_data_uri(url),
    }


def certificates_html(certificates: Sequence[Certificate], base_url: str) -> str:
    """The HTML of ``certificates``, a page each, in the active language."""
    pages = [certificate_page(c, base_url) for c in certificates]
    return render_to_string(TEMPLATE, {"pages": pages})


def certificates_pdf(
    certificates: Sequence[Certificate],
    base_url: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """``certificates`` as one PDF (a page each, in the given order) and its
    bytes. ``progress(done, total)`` is told after each certificate is drawn.
    Raises ``PdfUnavailable`` without WeasyPrint, ``ValueError`` for an empty
    list."""
    if not certificates:
        raise ValueError("no certificates to draw")
    html_class = weasyprint_html()
    total = len(certificates)
    documents = []
    for done, certificate in enumerate(certificates, start=1):
        html = certificates_html([certificate], base_url)
        documents.append(html_class(string=html).render())
        if progress is not None:
            progress(done, total)
    if len(documents) == 1:
        return documents[0].write_pdf()
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
