"""Background jobs: long exports and imports run by a worker, with progress, their
files kept in Django's storage and downloaded through a view that checks the role."""
