"""The Outcomes page's charts: SVG drawn on the server by pygal, shown as an `<img>` (a data
URL), so the script pygal writes into its SVG for its own tooltips never runs, and the page
loads no chart JavaScript at all. Every chart has its numbers as an HTML table beside it; the
image's alternative text says so."""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style

# Dark enough on white for text and bars alike (WCAG AA), and told apart without colour by
# the legend's order and the table.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#d0d0d0",
    colors=("#1f5fa8", "#2e7d32", "#a34a00", "#6a3d9a"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    title_font_size=15,
)
WIDTH = 640
ROW_HEIGHT = 34
MIN_HEIGHT = 220
MAX_TICKS = 8
CACHED_CHARTS = 256  # about 25 kB each


@dataclass(frozen=True)
class Chart:
    src: str  # a data: URL of the SVG
    alt: str


def _image(chart: pygal.graph.graph.Graph, alt: str) -> Chart:
    svg: str = chart.render(is_unicode=True)
    return Chart("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), alt)


def _config(rows: int, title: str) -> dict[str, object]:
    return {
        "style": STYLE,
        "title": title,
        "width": WIDTH,
        "height": max(MIN_HEIGHT, 90 + rows * ROW_HEIGHT),
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "print_values": False,
        "show_y_guides": False,
        "truncate_label": 40,
        "min_scale": 1,
    }


def bars(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[int]],
    *,
    horizontal: bool = True,
    stacked: bool = False,
) -> Chart:
    """One bar per label and series; the alt text names the table that holds the numbers."""
    frozen = tuple((name, tuple(values)) for name, values in series.items())
    return _drawn(title, tuple(labels), frozen, horizontal, stacked)


# Drawing costs tens of milliseconds a chart, and the same figures are drawn again and again
# (everyone opens the default period): the same numbers give the same picture.
@functools.lru_cache(maxsize=CACHED_CHARTS)
def _drawn(
    title: str,
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[int, ...]], ...],
    horizontal: bool,
    stacked: bool,
) -> Chart:
    kind = {
        (True, False): pygal.HorizontalBar,
        (True, True): pygal.HorizontalStackedBar,
        (False, False): pygal.Bar,
        (False, True): pygal.StackedBar,
    }[(horizontal, stacked)]
    chart = kind(**_config(len(labels) if horizontal else 4, title))
    # Counts are whole numbers: ticks at whole steps, not at 0.1, 0.2, …
    columns = list(zip(*(values for _, values in series), strict=True)) or [(0,)]
    top = max(max(sum(c) if stacked else max(c) for c in columns), 1)
    step = math.ceil(top / MAX_TICKS)
    chart.y_labels = list(range(0, top + step, step))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return _image(chart, f"Bar chart: {title}. The same numbers are in the table below it.")
