"""Better Indonesian for the messages Django and the third-party apps show.

Why this package exists: users read some of Django's and the libraries' own
Indonesian on our pages, and some of it reads badly (the login error "Masukkan
nama pengguna nama pengguna dan sandi", "Ubah riwayat" for "Change history",
"Buka" on the admin's Go button), or is missing (django-import-export,
django-filter and django-autocomplete-light ship no Indonesian, so their pages
stay English). Django looks a message up in the catalogues of ``LOCALE_PATHS``
before those of the installed apps and of Django itself
(``setara/settings/base.py`` sets ``LOCALE_PATHS = [BASE_DIR / "locale"]``), so the
same msgid in ``locale/id/LC_MESSAGES/django.po`` wins.

Why the msgids are repeated here: ``makemessages --no-obsolete`` keeps only the
msgids it finds in our code and templates, so an override written into the .po by
hand would be dropped at the next run. The modules of this package name each
overridden msgid exactly as the library does (its ``gettext_noop`` /
``ngettext_lazy`` call is what makemessages extracts); nothing imports them at run
time. ``tests/test_translation_overrides.py`` checks that each one is translated
in our catalogue, differs from the library's own Indonesian and wins over it.

To override one more: copy the msgid (and msgid_plural) from the library's .po
(``.venv/lib/python3.11/site-packages/<lib>/locale/<lang>/LC_MESSAGES/django.po``)
into the module of its library, run makemessages, translate the new entry, run
compilemessages.

The admin's JavaScript messages (the two-box selector's "Choose" and "Remove"
buttons, the calendar) are in the other domain, ``djangojs``: their overrides are
written by hand in ``locale/id/LC_MESSAGES/djangojs.po``, which makemessages does
not touch unless it is run with ``-d djangojs`` (do not: our scripts have no
``gettext`` calls, so it would empty that file).
"""
