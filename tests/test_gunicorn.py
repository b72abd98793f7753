"""gunicorn's access log (gunicorn.conf.py, setara/gunicorn_logging.py): one line
per request whatever the request holds, without query strings or Referer."""

import datetime
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from setara.gunicorn_logging import AccessLogger, log_escape

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


@pytest.fixture
def access_log():
    """``log(path, user_agent)`` through the logger gunicorn.conf.py configures;
    returns what the access log wrote."""
    settings = runpy.run_path(str(CONF))
    cfg = Config()
    for name in ("accesslog", "access_log_format", "logger_class"):
        cfg.set(name, settings[name])
    logger = cfg.logger_class(cfg)
    assert isinstance(logger, AccessLogger)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.access_log.handlers = [handler]

    def log(path, user_agent="Mozilla/5.0", query="q=Budi+Santoso"):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"{path}?{query}",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "10.0.0.7",
            "HTTP_USER_AGENT": user_agent,
            "HTTP_REFERER": "https://example.org/?q=Budi",
        }
        response = SimpleNamespace(status="200 OK", sent=512, headers=[])
        request = SimpleNamespace(headers=[("USER-AGENT", user_agent)])
        logger.access(response, request, environ, datetime.timedelta(seconds=0.02))
        return out.getvalue()

    return log


def test_a_line_break_in_the_path_cannot_forge_a_second_line(access_log):
    forged = '/jobs/\n127.0.0.1 - admin [01/Jan/2026:00:00:00 +0000] "GET /admin/'
    written = access_log(forged)
    assert written.count("\n") == 1  # the record's own end only
    assert "/jobs/\\x0a127.0.0.1 - admin" in written


@pytest.mark.parametrize("char", ["\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\t"])
def test_control_characters_are_escaped_in_every_atom(access_log, char):
    written = access_log(f"/a{char}b", user_agent=f"evil{char}agent")
    assert char not in written
    assert written.isprintable() or written[:-1].isprintable()
    assert written.count(log_escape(char)) == 2


def test_backslashes_are_doubled_so_escapes_are_unambiguous(access_log):
    assert "/a\\\\x0ab" in access_log("/a\\x0ab")


def test_query_strings_and_referer_stay_out(access_log):
    written = access_log("/trainings/1/enrol/")
    assert "Budi" not in written and "q=" not in written
    assert written.startswith("10.0.0.7 - - [")
    assert '"GET /trainings/1/enrol/ HTTP/1.1" 200 512 20ms "Mozilla/5.0"' in written
