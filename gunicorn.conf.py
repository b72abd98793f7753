"""gunicorn settings; gunicorn reads ``./gunicorn.conf.py`` from the directory it is
started in (the project root in the README's deployment commands). Options given
on the command line (``--bind``, ``--workers``) override the values here.

The access log leaves out the query string and the Referer header, which gunicorn's
default format includes: a search on a training's enrol page (``?q=<name>``) would
otherwise write people's names to the log (UU PDP No. 27/2022), the same policy as
the error reports (``setara/error_reports.py`` hides query values). Each line
keeps the client address, time, method, path, status, size, duration in
milliseconds and user agent.
"""

import multiprocessing
import os

#: Where the proxy forwards to: only this machine, the proxy terminates TLS.
bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"

#: Worker processes: ``WEB_CONCURRENCY`` if set (the variable most platforms set),
#: else gunicorn's advice of 2 x cores + 1, capped at 9. Each worker is one
#: synchronous process answering one request at a time, 80-120 MB resident once
#: warm. Sync, not threads, by measurement (bench/load.py, README "Big trainings
#: and speed"): pages spend their time in Python, so threads of one process wait
#: on each other's interpreter lock (3 x 4 threads served 20-30 % fewer requests
#: than 3 sync workers, with higher p95s); more workers than cores keep pages
#: moving while one waits on a slow query or an upload. The cap keeps a large
#: machine from opening more database connections than PostgreSQL's default
#: ``max_connections`` (100) comfortably allows next to the job workers and other
#: app servers.
workers = int(
    os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9)
)

#: Seconds a request may take before its worker is killed and restarted. Every
#: page answers in well under a second at programme scale, and everything long
#: (exports of whole reports, large import confirms) runs as a background job
#: (``manage.py db_worker``), so 30 s is only ever reached by a fault; failing
#: then frees the worker instead of piling up requests behind it.
timeout = 30

#: Seconds a worker gets to finish its current request after a restart or
#: shutdown signal (a deploy) before it is killed; as long as any request may take.
graceful_timeout = 30

#: Seconds an idle keep-alive connection from the proxy stays open; a little
#: above nginx's and most load balancers' reuse of upstream connections.
keepalive = 5

#: Restart a worker after this many requests, spread by up to the jitter so the
#: workers do not all restart at once: bounds memory that grows slowly in a
#: long-lived process (caches, fragmentation) without a visible pause.
max_requests = 1000
max_requests_jitter = 100

#: The workers' heartbeat files in memory, not on a disk that may stall (gunicorn's
#: advice for containers); left at gunicorn's default where /dev/shm is missing.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

#: Access log to standard output (the service manager keeps it), without query
#: strings or Referer (see above); every value escaped, so a path or header with a
#: line break or NUL cannot forge or break lines (``setara/gunicorn_logging.py``).
accesslog = "-"
logger_class = "setara.gunicorn_logging.AccessLogger"
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
)
