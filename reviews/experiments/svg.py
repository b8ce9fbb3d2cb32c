"""Paper-style line charts as standalone SVG, from the standard library alone.

Seeds are drawn as a mean line inside a min-max band. Only presentation attributes
are used (no ``style``), so the SVG can sit inline in a page under a strict CSP.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from reviews.experiments.base import Series

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


@dataclass
class Line:
    label: str
    series: Series
    color: str = ""
    dashed: bool = False
    markers: bool = False


@dataclass
class Panel:
    title: str
    xlabel: str
    ylabel: str
    lines: list[Line]
    xlog: bool = False
    ylog: bool = False
    ylim: tuple[float, float] | None = None
    hlines: list[tuple[float, str]] = field(default_factory=list)
    vlines: list[tuple[float, str]] = field(default_factory=list)


PANEL_W, PANEL_H = 440, 320
REFERENCE = 'stroke="#888" stroke-dasharray="2 3"'
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 62, 16, 34, 78


def chart(panels: Sequence[Panel], *, title: str) -> str:
    """Panels side by side, each with its axes, legend and reference lines."""
    width = PANEL_W * len(panels)
    height = PANEL_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for i, panel in enumerate(panels):
        parts.append(f'<g transform="translate({i * PANEL_W},0)">')
        parts.extend(_panel(panel))
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def _finite(values: Sequence[float], log: bool) -> list[float]:
    return [v for v in values if math.isfinite(v) and (v > 0 or not log)]


def _panel(panel: Panel) -> list[str]:
    x0, x1 = MARGIN_L, PANEL_W - MARGIN_R
    y0, y1 = PANEL_H - MARGIN_B, MARGIN_T
    xs: list[float] = []
    ys: list[float] = []
    for line in panel.lines:
        xs += _finite(line.series.x, panel.xlog)
        for row in line.series.y:
            ys += _finite(row, panel.ylog)
    xs += _finite([v for v, _ in panel.vlines], panel.xlog)
    if panel.ylim:
        ys += list(panel.ylim)
    ys += _finite([v for v, _ in panel.hlines], panel.ylog)
    out = [
        f'<text x="{(x0 + x1) / 2}" y="20" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(panel.title)}</text>',
        f'<rect x="{x0}" y="{y1}" width="{x1 - x0}" height="{y0 - y1}" fill="none" stroke="#444"/>',
    ]
    if not xs or not ys:
        out.append(
            f'<text x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2}" text-anchor="middle" fill="#666">'
            "waiting for the first points…</text>"
        )
        return out
    xlo, xhi = _range(xs, panel.xlog)
    ylo, yhi = panel.ylim if panel.ylim else _range(ys, panel.ylog)
    sx = _scale(xlo, xhi, x0, x1, panel.xlog)
    sy = _scale(ylo, yhi, y0, y1, panel.ylog)

    for tick in _ticks(xlo, xhi, panel.xlog):
        px = sx(tick)
        out.append(f'<line x1="{px:.1f}" y1="{y0}" x2="{px:.1f}" y2="{y1}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{px:.1f}" y="{y0 + 16}" text-anchor="middle">{_fmt(tick)}</text>')
    for tick in _ticks(ylo, yhi, panel.ylog):
        py = sy(tick)
        out.append(f'<line x1="{x0}" y1="{py:.1f}" x2="{x1}" y2="{py:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{x0 - 6}" y="{py + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    out.append(
        f'<text x="{(x0 + x1) / 2}" y="{y0 + 34}" text-anchor="middle">'
        f"{escape(panel.xlabel)}</text>"
    )
    out.append(
        f'<text transform="translate(16,{(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(panel.ylabel)}</text>"
    )
    for value, label in panel.hlines:
        if ylo <= value <= yhi:
            py = sy(value)
            out.append(f'<line x1="{x0}" y1="{py:.1f}" x2="{x1}" y2="{py:.1f}" {REFERENCE}/>')
            out.append(
                f'<text x="{x1 - 4}" y="{py - 4:.1f}" text-anchor="end" fill="#555">'
                f"{escape(label)}</text>"
            )
    for value, label in panel.vlines:
        if xlo <= value <= xhi:
            px = sx(value)
            out.append(f'<line x1="{px:.1f}" y1="{y0}" x2="{px:.1f}" y2="{y1}" {REFERENCE}/>')
            out.append(f'<text x="{px + 4:.1f}" y="{y1 + 12}" fill="#555">{escape(label)}</text>')

    for i, line in enumerate(panel.lines):
        color = line.color or PALETTE[i % len(PALETTE)]
        points = [
            (x, m, lo, hi)
            for x, m, lo, hi in zip(
                line.series.x, line.series.mean(), *line.series.band(), strict=True
            )
            if all(math.isfinite(v) for v in (x, m, lo, hi))
            and (not panel.xlog or x > 0)
            and (not panel.ylog or lo > 0)
        ]
        if not points:
            continue
        clip = _clip(ylo, yhi)
        if len(line.series.y[0]) > 1 and len(points) > 1:
            upper = [f"{sx(x):.1f},{sy(clip(hi)):.1f}" for x, _, _, hi in points]
            lower = [f"{sx(x):.1f},{sy(clip(lo)):.1f}" for x, _, lo, _ in reversed(points)]
            out.append(
                f'<polygon points="{" ".join(upper + lower)}" fill="{color}" fill-opacity="0.18"/>'
            )
        path = " ".join(f"{sx(x):.1f},{sy(clip(m)):.1f}" for x, m, _, _ in points)
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>'
        )
        if line.markers or len(points) == 1:
            for x, m, _, _ in points:
                out.append(
                    f'<circle cx="{sx(x):.1f}" cy="{sy(clip(m)):.1f}" r="3" fill="{color}"/>'
                )

    # Legend below the x label, wrapped to the panel's width.
    lx, ly = x0, y0 + 52
    for i, line in enumerate(panel.lines):
        color = line.color or PALETTE[i % len(PALETTE)]
        width = 30 + 7 * len(line.label)
        if lx + width > x1 and lx > x0:
            lx, ly = x0, ly + 16
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 20}" y2="{ly - 4}" '
            f'stroke="{color}" stroke-width="2"{dash}/>'
        )
        out.append(
            f"<text x={quoteattr(str(lx + 24))} y={quoteattr(str(ly))}>{escape(line.label)}</text>"
        )
        lx += width
    return out


def _clip(lo: float, hi: float):
    return lambda v: min(max(v, lo), hi)


def _range(values: list[float], log: bool) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if log:
        return lo, hi if hi > lo else lo * 10
    if hi == lo:
        return lo - 1, hi + 1
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def _scale(lo: float, hi: float, a: float, b: float, log: bool):
    if log:
        llo, lhi = math.log10(lo), math.log10(hi)
        return lambda v: a + (math.log10(max(v, lo)) - llo) / (lhi - llo) * (b - a)
    return lambda v: a + (v - lo) / (hi - lo) * (b - a)


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        ticks = [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]
        ticks = [t for t in ticks if lo <= t <= hi]
        if len(ticks) < 2:
            ticks = sorted(
                {t * m for t in [10.0 ** math.floor(math.log10(lo))] for m in (1, 2, 5, 10, 20, 50)}
            )
            ticks = [t for t in ticks if lo <= t <= hi] or [lo, hi]
        return ticks
    raw = (hi - lo) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step) + 1)]


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10_000 or abs(value) < 0.001:
        exponent = math.floor(math.log10(abs(value)))
        mantissa = value / 10**exponent
        return f"{mantissa:g}e{exponent}" if round(mantissa, 6) != 1 else f"1e{exponent}"
    return f"{value:.4g}"
