"""Importing a sign-in sheet into a training, as pretix imports orders: the file's
rows (``rows``), a plan against the registry and the training (``plan``), the upload
kept between preview and confirm (``pending``), then the all-or-nothing write
``trainings.services.enrolments_import``.

Reading the file and finding its header is ``participants.sheets``; the cell parsers
are ``participants.normalisation``.
"""
