"""Figure downloads: HTML always, PNG through kaleido when a browser is available."""

import re

import plotly.graph_objects as go
import pytest

from core.viz.export import ExportError, figure_html, figure_png, message_png, png_available


def test_html_is_standalone():
    html = figure_html(go.Figure(go.Bar(x=[1, 2], y=[3, 4])))
    assert html.lower().startswith("<!doctype html>") and len(html) > 1_000_000  # plotly.js is inline
    assert not re.search(r"<script[^>]+src=", html)  # nothing to fetch when opened offline


def test_png_when_possible():
    ok, why = png_available()
    if not ok:
        with pytest.raises(ExportError, match=why[:20]):
            figure_png(go.Figure())
        pytest.skip(f"PNG export is not available here: {why}")
    png = figure_png(go.Figure(go.Bar(x=[1, 2], y=[3, 4])), width=400, height=300, scale=1)
    assert png.startswith(b"\x89PNG")


def test_message_png():
    assert message_png("PNG export failed: no browser").startswith(b"\x89PNG")
