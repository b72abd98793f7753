"""gunicorn settings; gunicorn reads ``./gunicorn.conf.py`` from the directory it is
started in (the project root in the README's deployment commands).

The access log leaves out the query string and the Referer header, which gunicorn's
default format includes: a search on a training's enrol page (``?q=<name>``) would
otherwise write people's names to the log (UU PDP No. 27/2022). Each line
keeps the client address, time, method, path, status, size, duration in
milliseconds and user agent.
"""

access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
)
