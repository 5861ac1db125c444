"""Figures as downloadable files: standalone HTML (always) and PNG (through kaleido).

PNG export drives a headless Chromium through kaleido; Debian's ``/usr/bin/chromium``
is found on the PATH.  MathJax is switched off, so nothing is fetched from a CDN.
When no browser is available, :func:`png_available` says so and callers offer HTML only.
"""

from __future__ import annotations

import io
import shutil
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio


class ExportError(RuntimeError):
    """A figure could not be rendered to an image."""


def figure_html(fig: go.Figure) -> str:
    """A standalone HTML page of the figure with plotly.js inlined (works offline)."""
    return pio.to_html(fig, include_plotlyjs=True, full_html=True)


@lru_cache(maxsize=1)
def browser_path() -> str | None:
    """The Chromium kaleido would use, or None."""
    try:
        from choreographer.browsers.chromium import Chromium

        found = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - any failure means: no browser
        found = None
    return found or shutil.which("chromium") or shutil.which("chromium-browser")


def png_available() -> tuple[bool, str]:
    """Whether PNG export can work here, and why not when it cannot."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False, "kaleido is not installed"
    if not browser_path():
        return False, "no Chromium browser was found for kaleido (install Debian's chromium)"
    return True, ""


def figure_png(fig: go.Figure, width: int = 1000, height: int | None = None, scale: float = 2.0) -> bytes:
    """The figure as PNG bytes; ExportError with the reason when it cannot be rendered."""
    ok, why = png_available()
    if not ok:
        raise ExportError(why)
    import kaleido

    data = fig.to_dict()
    height = height or data.get("layout", {}).get("height") or 500
    try:
        return kaleido.calc_fig_sync(data, opts=dict(format="png", width=width, height=height, scale=scale),
                                     kopts={"mathjax": False})
    except Exception as exc:  # noqa: BLE001 - kaleido raises many kinds
        raise ExportError(f"PNG export failed ({type(exc).__name__}: {str(exc)[:200]})") from None


def message_png(text: str, width: int = 900) -> bytes:
    """A plain PNG carrying ``text``: what a PNG download holds when rendering failed."""
    import textwrap

    from PIL import Image, ImageDraw

    lines = textwrap.wrap(text, 90)
    image = Image.new("RGB", (width, 40 + 22 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + 22 * i), line, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
