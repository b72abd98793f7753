"""The training pages, by area: ``records`` (a training, its enrolments, attendance
and sign-in sheet), ``reports`` (report pages and spreadsheet exports) and
``imports`` (uploading a sign-in sheet: upload, then preview and confirm)."""
