"""A printable one-page summary of a run (HTML), for a handout.

Self-contained: no script, no font or stylesheet from the network; the parity plot is
drawn as inline SVG, so the page prints the same from any browser (File > Print, or
"Save as PDF").  Every name and number comes from :mod:`core.labels`, as on the pages.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from core.labels import GLOSSARY, candidate_label, column_title, cut, number, percent, r2_text, recommended_label
from core.viz.ranking import oof_mean, parity_stats
from core.viz.theme import COLORS

_CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: sans-serif; color: #0f172a; font-size: 9.5pt; line-height: 1.3; margin: 0; }
main { max-width: 180mm; margin: 0 auto; }
h1 { font-size: 13pt; margin: 0 0 2pt 0; } h2 { font-size: 10.5pt; margin: 8pt 0 3pt 0; }
.meta { color: #475569; font-size: 9pt; margin-bottom: 6pt; }
.verdict { border-left: 4pt solid VERDICT; background: #f8fafc; padding: 5pt 8pt; margin: 6pt 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { text-align: left; padding: 2pt 4pt; border-bottom: 0.5pt solid #cbd5e1; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; } td { white-space: normal; }
.two { display: flex; gap: 10pt; align-items: flex-start; } .two > div { flex: 1; }
.lesson { margin: 2pt 0; } .small { font-size: 8pt; color: #475569; }
@media print { a { color: inherit; text-decoration: none; } }
"""


def _e(text) -> str:
    return html.escape(str(text))


def parity_svg(y: np.ndarray, pred: np.ndarray, size: int = 200, color: str = COLORS["recommended"]) -> str:
    """Measured against predicted as a small SVG scatter with the diagonal."""
    y = np.asarray(y, dtype=float)
    p = oof_mean(pred)
    ok = np.isfinite(p) & np.isfinite(y)
    if not ok.any():
        return ""
    lo, hi = float(min(y[ok].min(), p[ok].min())), float(max(y[ok].max(), p[ok].max()))
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    m = 28  # margin for the axis labels

    def sx(v):
        return m + (v - lo) / (hi - lo) * (size - m - 6)

    def sy(v):
        return size - m - (v - lo) / (hi - lo) * (size - m - 6)

    dots = "".join(f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="2.6" fill="{color}" fill-opacity="0.7"/>'
                   for a, b in zip(y[ok], p[ok]))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
            f'<rect x="{m}" y="6" width="{size - m - 6}" height="{size - m - 6}" fill="none" stroke="#94a3b8"/>'
            f'<line x1="{sx(lo)}" y1="{sy(lo)}" x2="{sx(hi)}" y2="{sy(hi)}" stroke="#6b7280" stroke-dasharray="4 3"/>'
            f'{dots}<text x="{size / 2 + m / 2}" y="{size - 8}" font-size="9" text-anchor="middle">measured</text>'
            f'<text x="10" y="{size / 2 - m / 2}" font-size="9" text-anchor="middle" '
            f'transform="rotate(-90 10 {size / 2 - m / 2})">predicted (nested)</text>'
            f'<text x="{m}" y="{size - m + 11}" font-size="8">{_e(number(lo))}</text>'
            f'<text x="{size - 6}" y="{size - m + 11}" font-size="8" text-anchor="end">{_e(number(hi))}</text></svg>')


def run_handout(*, title: str, created: str, target: dict, summary: dict, ranking: pd.DataFrame,
                y: np.ndarray | None = None, nested_predictions: np.ndarray | None = None,
                lessons: list | None = None, settings: str = "", top: int = 6) -> str:
    """The one-page HTML summary of a run.

    Parameters
    ----------
    title : str
        The run's readable name.
    created : str
        When it ran (local time, in words).
    target : dict
        The run's target (``name``, ``unit``, ``n``, ``domain``).
    summary : dict
        The run's summary (verdict, procedures, decision, control, interval).
    ranking : DataFrame
        The run's ranking (its best rows are listed).
    y, nested_predictions : arrays, optional
        Measured values and the recommended procedure's nested predictions (the parity plot).
    lessons : list of core.demo.Lesson, optional
        Shown under "What this run teaches".
    settings : str
        One line on how the screen was run.
    """
    unit = target.get("unit") or ""
    decision = summary.get("decision") or {}
    color = "#16a34a" if decision.get("transfer_helps") else ("#d97706" if decision.get("decided") else "#64748b")
    numbers = "".join(f"<tr><td>{_e(a)}</td><td class='num'>{_e(b)}</td></tr>" for a, b in _number_rows(summary, unit))
    ranking_rows = "".join(
        f"<tr><td class='num'>{int(r['rank'])}</td><td>{_e(cut(candidate_label(r), 78))}</td>"
        f"<td class='num'>{_e(number(r['cv_mae']))}</td><td class='num'>{_e(percent(r.get('improvement_pct')))}</td></tr>"
        for r in ranking.head(top).to_dict("records"))
    plot = _parity_block(y, nested_predictions, unit)
    lesson_html = ""
    if lessons:
        items = "".join(f"<div class='lesson'><b>{i}. {_e(lesson.title)}.</b> {_e(lesson.finding)}</div>"
                        for i, lesson in enumerate(lessons, start=1))
        lesson_html = f"<h2>What this run teaches</h2>{items}"
    terms = ("MAE", "nested estimate", "scratch", "random-weight control", "frozen features")
    glossary = "".join(f"<b>{_e(t)}</b>: {_e(GLOSSARY[t])} " for t in terms)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>{_CSS.replace('VERDICT', color)}</style></head>
<body><main>
<h1>Shotgun transfer learning: {_e(cut(str(target.get('name', 'target')), 90))}</h1>
<div class="meta">{_e(title)}{'' if not created or created in title else ' &middot; run ' + _e(created)} &middot;
{_e(target.get('domain', ''))} structures{(' &middot; ' + _e(settings)) if settings else ''}</div>
<div class="verdict">{_e(summary.get('verdict', ''))}</div>
<div class="two"><div><h2>The numbers</h2><table>{numbers}</table>
<p class="small">Recommended: {_e(cut(recommended_label(summary, ranking), 300))}</p></div>{plot}</div>
{lesson_html}
<h2>Best candidates by cross-validation</h2>
<table><tr><th class='num'>rank</th><th>candidate</th><th class='num'>{_e(column_title('cv_mae', unit))}</th>
<th class='num'>vs best scratch</th></tr>{ranking_rows}</table>
<h2>Words</h2><p class="small">{glossary}</p>
<p class="small">MDL workbench: shotgun transfer learning after Yamada et al., ACS Cent. Sci. 2019, 5, 1717.</p>
</main></body></html>"""
    return page


def _number_rows(summary: dict, unit: str) -> list[tuple[str, str]]:
    """The handout's table of numbers: honest estimates first, the optimistic one marked."""
    procs = summary.get("procedures") or {}
    rows = [("Recommended model: nested MAE (honest)", number(summary.get("nested_mae"), unit)),
            ("Transfer procedure: nested MAE", number((procs.get("transfer") or {}).get("nested_mae"), unit)),
            ("Scratch procedure: nested MAE", number((procs.get("scratch") or {}).get("nested_mae"), unit)),
            ("Naive best CV MAE (optimistic)", number(summary.get("naive_best_cv_mae"), unit))]
    control = summary.get("control")
    if control:
        rows.append(("Best random-weight control: CV MAE", number(control.get("best_random_cv_mae"), unit)))
    interval = summary.get("interval") or {}
    if interval.get("halfwidth") is not None:
        rows.append((f"{percent(100 * interval.get('level', 0.9))} prediction interval",
                     "\u00b1" + number(interval.get("halfwidth"), unit)))
    return rows


def _parity_block(y, nested_predictions, unit: str) -> str:
    """The parity plot of the recommended model's nested predictions with its numbers ('' without them)."""
    if y is None or nested_predictions is None:
        return ""
    stats = parity_stats(y, nested_predictions)
    return (f"<div style='flex:0 0 210px'>{parity_svg(y, nested_predictions)}<div class='small'>Recommended "
            f"model, each row predicted without it: MAE {_e(number(stats['mae'], unit))}, R\u00b2 "
            f"{_e(r2_text(stats['r2']))}, n={stats['n']}.</div></div>")
