"""Charts as inline SVG text: a line chart of counts and a timeline of version spans.

Pure functions of plain data, standard library only. Every label may come from a cluster, so
each goes through ``_text`` or ``_attr`` (XML-escaped, control and bidi characters shown as
escapes) before it is written, and callers may paste the result into HTML as it is. Snapshots
are spaced evenly along the x axis, not by time: they are taken when someone takes them, and
seconds apart or months apart they should all be readable. Each point and bar carries a
``<title>`` (a tooltip in browsers) with its full label, and ``data-`` attributes for tests.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from kubectl_datamodel.render import text

COLORS = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2")
BAR_COLORS = ("#60a5fa", "#34d399", "#fbbf24", "#f472b6", "#a78bfa", "#22d3ee")
FONT = "font-family:system-ui,sans-serif"
CHAR_WIDTH = 6.5  # of a 11px sans-serif character, near enough to fit labels
MAX_LABEL_CHARS = 48  # timeline row labels beyond this are cut (the tooltip has them whole)


@dataclasses.dataclass(frozen=True)
class Series:
    """One line: a value per x position, None where unknown (the line breaks there)."""

    name: str
    values: tuple[float | None, ...]


@dataclasses.dataclass(frozen=True)
class Bar:
    """A span over x positions ``start`` to ``end`` inclusive, labelled (a version)."""

    label: str
    start: int
    end: int
    tooltip: str = ""


@dataclasses.dataclass(frozen=True)
class Row:
    label: str  # an operator
    bars: tuple[Bar, ...]


@dataclasses.dataclass(frozen=True)
class _Frame:
    """Where the plot area sits in the picture, and how x positions map onto it."""

    left: float
    top: float
    width: float
    height: float
    positions: int

    def x(self, index: int) -> float:
        if self.positions == 1:
            return self.left + self.width / 2
        return self.left + index * self.width / (self.positions - 1)

    def column(self, index: int) -> float:
        """The left edge of position ``index`` when positions are columns (the timeline)."""
        return self.left + index * self.width / self.positions

    @property
    def bottom(self) -> float:
        return self.top + self.height


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str = "count",
    x_label: str = "snapshot",
    point_labels: Sequence[str] | None = None,
    width: int = 380,
    height: int = 280,
) -> str:
    """A line per series over ``x_labels`` (one per snapshot), with a y axis from zero,
    gridlines, labelled ticks and a circle per known value. ``point_labels`` name each x
    position in the tooltips (default: its x label)."""
    if any(len(s.values) != len(x_labels) for s in series):
        raise ValueError("every series needs one value per x label")
    names = point_labels if point_labels is not None else x_labels
    frame = _Frame(
        left=56, top=36, width=width - 56 - 36, height=height - 36 - 80, positions=len(x_labels)
    )
    top = max((v for s in series for v in s.values if v is not None), default=0)
    ticks = nice_ticks(top)
    scale = ticks[-1] or 1
    parts = [_open(width, height, title, "line-chart"), _heading(title)]
    parts += _y_axis(frame, ticks, scale, y_label)
    parts += _x_axis(frame, x_labels, x_label)
    for number, line in enumerate(series):
        parts += _series(frame, line, scale, COLORS[number % len(COLORS)], names)
    if len(series) > 1:
        parts += _legend(frame, series)
    parts.append("</svg>")
    return "\n".join(parts)


def timeline(
    title: str,
    x_labels: Sequence[str],
    rows: Sequence[Row],
    *,
    x_label: str = "snapshot",
    width: int = 900,
) -> str:
    """One row per ``Row``, a bar per ``Bar`` across the columns of the snapshots it spans,
    the bar's label written on it when it fits (always in its tooltip)."""
    if not x_labels:
        raise ValueError("a timeline needs at least one x position")
    longest = max((len(r.label) for r in rows), default=8)
    left = 16 + CHAR_WIDTH * min(longest, MAX_LABEL_CHARS)
    row_height = 24
    height = 36 + row_height * max(len(rows), 1) + 80
    frame = _Frame(left, 36, width - left - 36, row_height * max(len(rows), 1), len(x_labels))
    parts = [_open(width, height, title, "timeline"), _heading(title)]
    parts += _columns(frame, x_labels, x_label)
    for number, row in enumerate(rows):
        parts += _timeline_row(frame, row, frame.top + number * row_height, row_height)
    parts.append("</svg>")
    return "\n".join(parts)


def nice_ticks(top: float, most: int = 6) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten, at least 1: these are counts) up to
    at least ``top``, at most ``most`` steps: 0, 20, 40, 60, 80 for 61."""
    if top <= 0:
        return [0, 1]
    magnitude = 10 ** math.floor(math.log10(top / most))
    step = next(f * magnitude for f in (1, 2, 5, 10) if top / (f * magnitude) <= most)
    step = max(step, 1)
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _text(value: object) -> str:
    return escape(text.visible(value))


def _attr(value: object) -> str:
    """An attribute value with its quotes: ``quoteattr`` picks them and escapes the rest."""
    return quoteattr(text.visible(value))


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _open(width: int, height: int, title: str, kind: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;height:auto;{FONT}" aria-label={_attr(title)}>'
        f"<title>{_text(title)}</title>"
    )


def _heading(title: str) -> str:
    return (
        f'<text x="8" y="20" font-size="14" font-weight="600" fill="#111827">{_text(title)}</text>'
    )


def _y_axis(frame: _Frame, ticks: Sequence[float], scale: float, label: str) -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.bottom - tick / scale * frame.height
        parts.append(
            f'<line x1="{frame.left:.1f}" y1="{y:.1f}" x2="{frame.left + frame.width:.1f}" '
            f'y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text class="y-tick" x="{frame.left - 6:.1f}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#374151">{_text(_number(tick))}</text>'
        )
    middle = frame.top + frame.height / 2
    parts.append(
        f'<line x1="{frame.left:.1f}" y1="{frame.top:.1f}" x2="{frame.left:.1f}" '
        f'y2="{frame.bottom:.1f}" stroke="#6b7280"/>'
        f'<text class="axis-label" x="14" y="{middle:.1f}" font-size="11" fill="#374151" '
        f'text-anchor="middle" transform="rotate(-90 14 {middle:.1f})">{_text(label)}</text>'
    )
    return parts


def _x_axis(frame: _Frame, labels: Sequence[str], label: str) -> list[str]:
    parts = [
        f'<line x1="{frame.left:.1f}" y1="{frame.bottom:.1f}" x2="{frame.left + frame.width:.1f}" '
        f'y2="{frame.bottom:.1f}" stroke="#6b7280"/>'
    ]
    parts += _x_ticks(frame, labels, [frame.x(i) for i in range(len(labels))])
    parts.append(_x_title(frame, label))
    return parts


def _x_ticks(frame: _Frame, labels: Sequence[str], centres: Sequence[float]) -> list[str]:
    """Labels under their ticks, a line of text per line of the label; every nth one when
    they are too many to read side by side (the last one always)."""
    widest = max((len(line) for label in labels for line in label.split("\n")), default=1)
    room = max(int(frame.width // (widest * CHAR_WIDTH + 12)), 1)
    every = max(math.ceil(len(labels) / room), 1)
    parts = []
    for index, (label, x) in enumerate(zip(labels, centres, strict=True)):
        if index % every and index != len(labels) - 1:
            continue
        if index != len(labels) - 1 and len(labels) - 1 - index < every:
            continue  # too close to the last label, which is shown
        lines = "".join(
            f'<tspan x="{x:.1f}" dy="{"0" if number == 0 else "1.2em"}">{_text(line)}</tspan>'
            for number, line in enumerate(label.split("\n"))
        )
        parts.append(
            f'<line x1="{x:.1f}" y1="{frame.bottom:.1f}" x2="{x:.1f}" y2="{frame.bottom + 4:.1f}" '
            f'stroke="#6b7280"/><text class="x-tick" x="{x:.1f}" y="{frame.bottom + 16:.1f}" '
            f'font-size="10" fill="#374151" text-anchor="middle">{lines}</text>'
        )
    return parts


def _x_title(frame: _Frame, label: str) -> str:
    x = frame.left + frame.width / 2
    return (
        f'<text class="axis-label" x="{x:.1f}" y="{frame.bottom + 64:.1f}" font-size="11" '
        f'fill="#374151" text-anchor="middle">{_text(label)}</text>'
    )


def _series(
    frame: _Frame, line: Series, scale: float, color: str, names: Sequence[str]
) -> list[str]:
    points = [
        (index, frame.x(index), frame.bottom - value / scale * frame.height, value)
        for index, value in enumerate(line.values)
        if value is not None
    ]
    parts = [f'<g class="series" data-series={_attr(line.name)}>']
    for run in _runs(points):  # a gap (unknown value) breaks the line
        if len(run) > 1:
            coordinates = " ".join(f"{x:.1f},{y:.1f}" for _, x, y, _ in run)
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
    for index, x, y, value in points:
        tooltip = f"{names[index]}: {_number(value)} {line.name}"
        parts.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" '
            f'data-index="{index}" data-value="{value:g}"><title>{_text(tooltip)}</title>'
            "</circle>"
        )
    parts.append("</g>")
    return parts


def _runs(
    points: Sequence[tuple[int, float, float, float]],
) -> list[list[tuple[int, float, float, float]]]:
    runs: list[list[tuple[int, float, float, float]]] = []
    for point in points:
        if runs and runs[-1][-1][0] == point[0] - 1:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _legend(frame: _Frame, series: Sequence[Series]) -> list[str]:
    parts = []
    x = frame.left + frame.width
    for number, line in reversed(list(enumerate(series))):
        name = _text(line.name)
        x -= CHAR_WIDTH * len(line.name) + 28
        parts.append(
            f'<rect x="{x:.1f}" y="10" width="12" height="12" '
            f'fill="{COLORS[number % len(COLORS)]}"/>'
            f'<text x="{x + 16:.1f}" y="20" font-size="11" fill="#374151">{name}</text>'
        )
    return parts


def _columns(frame: _Frame, labels: Sequence[str], label: str) -> list[str]:
    """The timeline's snapshot columns: a faint line between them, a label under each."""
    parts = []
    for index in range(len(labels) + 1):
        x = frame.column(index)
        parts.append(
            f'<line x1="{x:.1f}" y1="{frame.top:.1f}" x2="{x:.1f}" y2="{frame.bottom:.1f}" '
            'stroke="#e5e7eb"/>'
        )
    half = frame.width / max(len(labels), 1) / 2
    parts += _x_ticks(frame, labels, [frame.column(i) + half for i in range(len(labels))])
    parts.append(_x_title(frame, label))
    return parts


def _timeline_row(frame: _Frame, row: Row, top: float, height: float) -> list[str]:
    label = text.truncate(row.label, MAX_LABEL_CHARS)
    parts = [
        f'<g class="row" data-label={_attr(row.label)}>',
        f'<text class="row-label" x="{frame.left - 8:.1f}" y="{top + height / 2 + 4:.1f}" '
        f'font-size="11" fill="#111827" text-anchor="end">{_text(label)}'
        f"<title>{_text(row.label)}</title></text>",
    ]
    for number, bar in enumerate(row.bars):
        x = frame.column(bar.start)
        width = frame.column(bar.end + 1) - x
        fits = text.truncate(bar.label, int((width - 8) // CHAR_WIDTH))
        parts.append(
            f'<g class="bar" data-label={_attr(bar.label)}>'
            f'<rect x="{x + 1:.1f}" y="{top + 3:.1f}" width="{max(width - 2, 1):.1f}" '
            f'height="{height - 6:.1f}" rx="3" fill="{BAR_COLORS[number % len(BAR_COLORS)]}">'
            f"<title>{_text(bar.tooltip or bar.label)}</title></rect>"
            f'<text x="{x + width / 2:.1f}" y="{top + height / 2 + 4:.1f}" font-size="11" '
            f'fill="#111827" text-anchor="middle">{_text(fits)}</text></g>'
        )
    parts.append("</g>")
    return parts
