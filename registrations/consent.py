"""The consent statement of the public registration form, and its version.

UU No. 27 Tahun 2022 on Personal Data Protection (UU PDP) requires consent to be
given for a stated purpose, in clear language, saying which data are processed,
why, who receives them, for how long they are kept, and the data subject's rights
(access, correction, deletion, withdrawal of consent; articles 20-22, 5-13).

The statement is a versioned legal text, not an interface string: both languages
are written out here rather than left to the translation catalogue, so the words a
person agreed to are exactly those of ``CONSENT_VERSION``. Change the text only
together with a new version; each registration stores the version it accepted.
"""

from django.utils import translation

#: Stored with every registration (``Registration.consent_version``).
CONSENT_VERSION = "2026-12-v1"

#: The statement, paragraph by paragraph, per language code.
CONSENT_TEXT: dict[str, list[str]] = {
    "id": [
        "Data yang Anda isi di formulir ini (nama, jenis kelamin, instansi, jabatan, "
        "nomor telepon/WhatsApp, desa/kelurahan, NIK bila diisi, dan jawaban "
        "tentang kesulitan fungsional bila dijawab) disimpan oleh program SETARA "
        "(Yayasan BaKTI bersama UNICEF Indonesia dan pemerintah daerah) untuk "
        "mencatat pendaftaran dan kehadiran Anda di pelatihan ini dan untuk "
        "laporan program.",
        "Yang dapat melihat data Anda hanya staf program yang mengelola pelatihan. "
        "Laporan kepada UNICEF dan pemerintah daerah hanya berisi angka (misalnya "
        "jumlah laki-laki dan perempuan), tanpa nama. NIK dan nomor telepon tidak "
        "ditampilkan kepada siapa pun di halaman publik.",
        "Data disimpan selama program SETARA berjalan dan paling lama 5 tahun "
        "setelah pelatihan, lalu dihapus atau dianonimkan.",
        "Anda berhak meminta salinan data Anda, memperbaikinya, atau "
        "menghapusnya, dan menarik persetujuan ini kapan saja, dengan "
        "menghubungi panitia pelatihan atau Yayasan BaKTI. Permintaan dijawab "
        "paling lambat 3 x 24 jam sesuai UU No. 27 Tahun 2022 tentang "
        "Pelindungan Data Pribadi.",
    ],
    "en": [
        "The data you enter in this form (name, sex, agency, position, phone/"
        "WhatsApp number, village, NIK if given, and your answers about "
        "functional difficulties if answered) are kept by the SETARA programme "
        "(Yayasan BaKTI with UNICEF Indonesia and local government) to record "
        "your registration and attendance at this training and for programme "
        "reports.",
        "Only the programme staff who run the training can see your data. Reports "
        "to UNICEF and local government hold numbers only (for example how many "
        "men and women), never names. Your NIK and phone number are never shown "
        "to anyone on a public page.",
        "The data are kept while the SETARA programme runs and at most 5 years "
        "after the training, then deleted or made anonymous.",
        "You may ask for a copy of your data, have it corrected or deleted, and "
        "withdraw this consent at any time, by contacting the training's "
        "organisers or Yayasan BaKTI. Requests are answered within 3 x 24 hours, "
        "as Law No. 27 of 2022 on Personal Data Protection requires.",
    ],
}


def consent_text(language: str | None = None) -> list[str]:
    """The statement's paragraphs in ``language`` (default: the active one),
    Indonesian for any language it is not written in."""
    code = (language or translation.get_language() or "id").split("-")[0]
    return CONSENT_TEXT.get(code, CONSENT_TEXT["id"])
