"""The renderer draws a batch again when kaleido's page was not loaded yet, and only then."""

from __future__ import annotations

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
