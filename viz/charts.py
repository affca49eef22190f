"""Charts as inline SVG, written by hand: no JavaScript, no chart library, no web fonts.

Each function returns one ``<svg>`` element (a string) to place in an HTML page. Every
text is escaped; the charts keep their meaning in black and white (values are printed
beside the bars, limit lines are labelled).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .styles import FONT_STACK

__all__ = ["LimitLine", "nice_ticks", "bar_chart_svg", "size_bins", "histogram_svg"]

# the page's font list (Chinese fonts included), quoted for an SVG attribute
_FONT = 'font-family="' + FONT_STACK.replace('"', "'") + '"'
_AXIS = "#6b6b6b"
#: widest label left of a bar, in pixels at the charts' 12 px font; longer ones are cut
_MAX_LABEL_WIDTH = 330


def _text_width(text: str) -> float:
    """About how wide ``text`` is drawn at 12 px: a Chinese character takes a full em,
    a Latin letter a little over half of one."""
    return sum(12.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 6.8 for ch in text)


def _fit(text: str, width: float) -> str:
    """``text``, cut with an ellipsis to about ``width`` pixels."""
    if _text_width(text) <= width:
        return text
    while text and _text_width(text) + 12 > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


_GRID = "#e6e6e6"


@dataclass(frozen=True)
class LimitLine:
    """A vertical line across a bar chart (a limit or threshold).

    Attributes
    ----------
    value : float
        Where the line stands, in the chart's units.
    label : str
        Text written at the top of the line.
    color : str
        Line and text colour.
    dashed : bool
        Draw the line dashed (so the two limits differ in print too).
    """

    value: float
    label: str
    color: str = "#c0001a"
    dashed: bool = False


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, *, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``, about ``count`` of them.

    Examples
    --------
    >>> nice_ticks(27.3)
    [0.0, 10.0, 20.0, 30.0]
    >>> nice_ticks(27.3, count=8)
    [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    >>> nice_ticks(0)
    [0.0, 1.0]
    """
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    value_labels: Sequence[str] | None = None,
    links: Sequence[str | None] | None = None,
    hover: Sequence[str] | None = None,
    lines: Sequence[LimitLine] = (),
    axis_label: str = "",
    title: str = "",
    width: int = 960,
    bar_height: int = 20,
) -> str:
    """A horizontal bar chart with optional limit lines.

    Parameters
    ----------
    labels : sequence of str
        One label per bar, written left of it.
    values : sequence of float
        Bar lengths (>= 0; NaN is drawn as an empty bar).
    colors : sequence of str, optional
        Fill of each bar (default a blue).
    value_labels : sequence of str, optional
        Text written after each bar (default the value).
    links : sequence of str or None, optional
        Relative URL each bar and its label link to.
    hover : sequence of str, optional
        Native tooltip of each bar.
    lines : sequence of LimitLine
        Vertical lines (limits), drawn over the bars and labelled at the top.
    axis_label : str
        Caption under the value axis.
    title : str
        Accessible name of the chart.
    width : int
        Width of the drawing in pixels (it scales down with the page).
    bar_height : int
        Height of one bar in pixels.

    Returns
    -------
    str
        An ``<svg>`` element.

    Raises
    ------
    ValueError
        If the sequences differ in length.
    """
    n = len(labels)
    for name, seq in (
        ("values", values),
        ("colors", colors),
        ("value_labels", value_labels),
        ("links", links),
        ("hover", hover),
    ):
        if seq is not None and len(seq) != n:
            raise ValueError(f"{name} has {len(seq)} items for {n} bars")
    vals = [float(v) if v is not None and math.isfinite(float(v)) else 0.0 for v in values]
    longest = max((_text_width(str(s)) for s in labels), default=28.0)
    left = int(min(max(longest + 14, 70), _MAX_LABEL_WIDTH + 14))
    labels = [_fit(str(s), left - 14) for s in labels]
    right = 96
    top = 26
    gap = 6
    plot_w = width - left - right
    plot_h = n * (bar_height + gap) - gap if n else bar_height
    height = top + plot_h + 44
    ticks = nice_ticks(max([*vals, *(ln.value for ln in lines), 0.0]) * 1.04)
    xmax = ticks[-1]

    def x(v: float) -> float:
        return left + plot_w * (v / xmax if xmax else 0)

    out = [
        f'<svg class="gx-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" {_FONT} font-size="12">',
        f"<title>{escape(title)}</title>" if title else "",
    ]
    for t in ticks:  # grid and tick labels
        xt = x(t)
        out.append(
            f'<line x1="{xt:.1f}" y1="{top - 4}" x2="{xt:.1f}" y2="{top + plot_h + 4}" '
            f'stroke="{_GRID}"/>'
        )
        out.append(
            f'<text x="{xt:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'fill="{_AXIS}">{escape(_fmt(t))}</text>'
        )
    for i in range(n):
        y = top + i * (bar_height + gap)
        w = max(x(vals[i]) - left, 0.0)
        fill = colors[i] if colors else "#4c78a8"
        text = value_labels[i] if value_labels else _fmt(vals[i])
        bar = [
            f'<text x="{left - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'fill="#1d1d1d">{escape(str(labels[i]))}</text>',
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{escape(fill)}">'
            + (f"<title>{escape(hover[i])}</title>" if hover else "")
            + "</rect>",
            f'<text x="{left + w + 5:.1f}" y="{y + bar_height * 0.7:.1f}" '
            f'fill="#1d1d1d">{escape(text)}</text>',
        ]
        link = links[i] if links else None
        if link:
            out.append(f'<a href="{escape(link)}">' + "".join(bar) + "</a>")
        else:
            out.extend(bar)
    out.append(
        f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{top + plot_h + 4}" stroke="{_AXIS}"/>'
    )
    for ln in lines:
        xl = x(ln.value)
        dash = ' stroke-dasharray="6 4"' if ln.dashed else ""
        out.append(
            f'<line class="gx-limit" x1="{xl:.1f}" y1="{top - 10}" x2="{xl:.1f}" '
            f'y2="{top + plot_h + 6}" stroke="{escape(ln.color)}" stroke-width="2"{dash}/>'
        )
        out.append(
            f'<text x="{xl:.1f}" y="{top - 13}" text-anchor="middle" font-weight="600" '
            f'fill="{escape(ln.color)}">{escape(ln.label)}</text>'
        )
    if axis_label:
        out.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
            f'fill="{_AXIS}">{escape(axis_label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(s for s in out if s)


def size_bins(sizes: Sequence[int] | Sequence[float]) -> tuple[list[str], list[int]]:
    """Counts of sizes in 1-2-5 bins: ``1``, ``2``, ``3-4``, ``5-9``, ``10-19``, ...

    Bins run up to the one holding the largest size; empty bins in between are kept so
    the axis stays regular. Sizes below 1 and missing sizes are not counted.

    Returns
    -------
    labels : list of str
    counts : list of int

    Examples
    --------
    >>> size_bins([1, 1, 2, 3, 7, 12, 12, 130])
    (['1', '2', '3-4', '5-9', '10-19', '20-49', '50-99', '100-199'], [2, 1, 1, 1, 2, 0, 0, 1])
    >>> size_bins([])
    ([], [])
    """
    clean = [int(s) for s in sizes if s is not None and s == s and s >= 1]
    if not clean:
        return [], []
    edges = [1, 2, 3, 5] + _decades(max(clean))
    labels, counts = [], []
    for lo, hi in zip(edges, edges[1:], strict=False):
        labels.append(str(lo) if hi - lo == 1 else f"{lo}-{hi - 1}")
        counts.append(sum(lo <= s < hi for s in clean))
    return labels, counts


def _decades(top: int) -> list[int]:
    out = [10]
    while out[-1] <= top:
        last = out[-1]
        lead = int(str(last)[0])
        out.append(last * 2 if lead == 1 else last * 5 // 2 if lead == 2 else last * 2)
    return out


def histogram_svg(
    labels: Sequence[str],
    counts: Sequence[int],
    *,
    axis_label: str = "",
    count_label: str = "",
    title: str = "",
    color: str = "#1b7837",
    width: int = 960,
    height: int = 240,
) -> str:
    """Vertical bars for counts per bin, each count written above its bar.

    Parameters
    ----------
    labels : sequence of str
        Bin names, written under the bars.
    counts : sequence of int
        One count per bin.
    axis_label, count_label : str
        Captions of the horizontal and vertical axes.
    title : str
        Accessible name of the chart.
    color : str
        Bar fill.
    width, height : int
        Size of the drawing in pixels.

    Returns
    -------
    str
        An ``<svg>`` element.

    Raises
    ------
    ValueError
        If ``labels`` and ``counts`` differ in length.
    """
    if len(labels) != len(counts):
        raise ValueError(f"{len(labels)} labels for {len(counts)} counts")
    left, right, top, bottom = 56, 12, 22, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max([*counts, 0]) * 1.05, count=4)
    ymax = ticks[-1]
    n = max(len(counts), 1)
    slot = plot_w / n
    out = [
        f'<svg class="gx-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" {_FONT} font-size="12">',
        f"<title>{escape(title)}</title>" if title else "",
    ]
    for t in ticks:
        yt = top + plot_h - plot_h * (t / ymax if ymax else 0)
        out.append(
            f'<line x1="{left}" y1="{yt:.1f}" x2="{left + plot_w}" y2="{yt:.1f}" stroke="{_GRID}"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{yt + 4:.1f}" text-anchor="end" '
            f'fill="{_AXIS}">{escape(_fmt(t))}</text>'
        )
    for i, (label, c) in enumerate(zip(labels, counts, strict=True)):
        h = plot_h * (c / ymax if ymax else 0)
        bx = left + i * slot + slot * 0.12
        bw = slot * 0.76
        by = top + plot_h - h
        out.append(
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bw:.1f}" height="{h:.1f}" '
            f'fill="{escape(color)}"><title>{escape(f"{label}: {c:,}")}</title></rect>'
        )
        out.append(
            f'<text x="{bx + bw / 2:.1f}" y="{by - 4:.1f}" text-anchor="middle" '
            f'fill="#1d1d1d">{c:,}</text>'
        )
        out.append(
            f'<text x="{bx + bw / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="{_AXIS}">{escape(str(label))}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{_AXIS}"/>'
    )
    if axis_label:
        out.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
            f'fill="{_AXIS}">{escape(axis_label)}</text>'
        )
    if count_label:
        out.append(
            f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle" fill="{_AXIS}">{escape(count_label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(s for s in out if s)
