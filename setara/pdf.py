"""WeasyPrint, loaded only when a PDF is made (certificates, the sign-in sheet):
importing it loads the Pango system library, which a server may lack; the
pages then say that PDF is not available and offer printing instead."""


class PdfUnavailable(Exception):
    """WeasyPrint (or the Pango library it loads) is not installed here."""


def weasyprint_html():
    """WeasyPrint's ``HTML`` class. Raises ``PdfUnavailable`` without WeasyPrint
    or its system libraries."""
    try:
        from weasyprint import HTML  # loads Pango: only when a PDF is asked for
    except (ImportError, OSError) as error:
        raise PdfUnavailable from error
    return HTML
