"""The renderer draws a batch again when kaleido's page was not loaded yet, and only then."""

from __future__ import annotations

import logging

import pytest

from dashboard.report import renderer


def _flaky(failures: list[str]):
    calls = []

    def render_once(jobs):
        calls.append(len(jobs))
        if failures:
            raise renderer.RenderError(failures.pop(0))
        return [b"<svg/>"] * len(jobs)

    return render_once, calls


def test_a_batch_taken_before_the_page_loaded_is_drawn_again(monkeypatch):
    drawer = renderer._Renderer()
    closed = []
    monkeypatch.setattr(renderer.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(drawer, "close", lambda: closed.append(True))
    message = "a figure could not be drawn: ReferenceError: kaleido_scopes is not defined"
    once, calls = _flaky([message, message])
    monkeypatch.setattr(drawer, "_render_once", once)
    assert drawer.render(["job"]) == [b"<svg/>"]
    assert calls == [1, 1, 1]
    assert closed == [True]  # the second retry uses a fresh browser


def test_other_failures_are_reported_at_once(monkeypatch):
    drawer = renderer._Renderer()
    once, calls = _flaky(["a figure could not be drawn: bad trace type"])
    monkeypatch.setattr(drawer, "_render_once", once)
    with pytest.raises(renderer.RenderError, match="bad trace type"):
        drawer.render(["job"])
    assert calls == [1]


def test_a_page_that_never_loads_is_reported_after_the_retries(monkeypatch):
    drawer = renderer._Renderer()
    monkeypatch.setattr(renderer.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(drawer, "close", lambda: None)
    once, calls = _flaky(["kaleido_scopes is not defined"] * 5)
    monkeypatch.setattr(drawer, "_render_once", once)
    with pytest.raises(renderer.RenderError, match="kaleido_scopes"):
        drawer.render(["job"])
    assert len(calls) == renderer._LOAD_RETRIES + 1


def test_a_message_choreographer_drops_is_one_warning_line_not_a_traceback(caplog):
    """choreographer logs an undecodable DevTools message with a traceback, then ignores it."""
    import logistro
    from choreographer.channels import JSONError

    renderer._quiet_ignored_messages()
    renderer._quiet_ignored_messages()  # once per logger, however often a browser starts
    logger = logistro.getLogger("choreographer.channels.pipe")
    assert sum(isinstance(f, renderer._IgnoredMessageNote) for f in logger.filters) == 1
    with caplog.at_level(logging.WARNING, logger="choreographer.channels.pipe"):
        try:
            raise JSONError("unexpected end of data: line 1 column 70")
        except JSONError:
            logger.exception("JSONError decoding message. Ignoring")
        try:
            raise ValueError("something else")
        except ValueError:
            logger.exception("Error in trying to decode JSON off our read.")
    ignored, other = caplog.records
    assert ignored.levelname == "WARNING" and ignored.exc_info is None
    assert "could not read (JSONError: unexpected end of data" in ignored.getMessage()
    assert other.levelname == "ERROR" and other.exc_info is not None  # still a real error
    text = caplog.text
    assert text.count("Traceback") == 1
