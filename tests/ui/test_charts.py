"""The dashboard's charts: inline SVG drawn from plain numbers, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from review_ui import charts
from review_ui.charts import Slice

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ET.Element:
    """The chart as XML: it must be well-formed to be drawn at all."""
    return ET.fromstring(markup)


def test_a_donut_has_one_wedge_per_nonzero_slice_with_its_share() -> None:
    slices = [Slice("达标", 3, "#0a0"), Slice("未达标", 1, "#a00"), Slice("待审核", 0, "#aa0")]
    svg = parsed(charts.donut(slices, title="考核结果", center="75%", caption="达标率"))
    wedges = svg.findall(f"{SVG}path")
    assert [w.get("fill") for w in wedges] == ["#0a0", "#a00"]
    assert [w.find(f"{SVG}title").text for w in wedges] == ["达标：3（75%）", "未达标：1（25%）"]
    # three quarters is the large arc; a quarter is not
    assert " 0 1 1 " in wedges[0].get("d", "") and " 0 0 1 " in wedges[1].get("d", "")
    texts = [t.text for t in svg.findall(f"{SVG}text")]
    assert texts == ["75%", "达标率"]


def test_a_donut_of_one_slice_or_of_nothing_is_a_full_ring() -> None:
    whole = parsed(charts.donut([Slice("达标", 5, "#0a0"), Slice("未达标", 0, "#a00")], title="t"))
    assert whole.findall(f"{SVG}path") == []
    assert [c.get("fill") for c in whole.findall(f"{SVG}circle")] == ["#0a0", "#fff"]
    empty = parsed(charts.donut([Slice("达标", 0, "#0a0")], title="t"))
    assert [c.get("fill") for c in empty.findall(f"{SVG}circle")] == [charts.EMPTY_COLOR, "#fff"]


def test_columns_scale_to_a_round_maximum() -> None:
    months = [f"{m}月" for m in range(1, 13)]
    values = [0, 10, 0, 0, 10, 0, 0, 9, 0, 0, 0, 0]
    svg = parsed(charts.columns(months, values, title="各月上门走访次数"))
    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == 12
    heights = [float(b.get("height", "-1")) for b in bars]
    assert heights[1] == heights[4] == max(heights) and heights[0] == 0.0
    assert heights[7] == round(heights[1] * 0.9, 1)  # 9 of an axis topped at 10
    assert "10" in [t.text for t in svg.findall(f"{SVG}text")]  # the axis top


def test_bars_escape_their_labels_and_say_when_there_is_nothing() -> None:
    markup = charts.bars([("<b>新桥镇</b>", 4), ("靖城街道", 1)], title="未收到")
    assert "<b>" not in markup and "&lt;b&gt;新桥镇&lt;/b&gt;" in markup
    svg = parsed(markup)
    widths = [float(r.get("width", "0")) for r in svg.findall(f"{SVG}rect")]
    assert widths[0] == 4 * widths[1]
    empty = parsed(charts.bars([], title="未收到"))
    assert [t.text for t in empty.findall(f"{SVG}text")] == ["（无）"]


@given(st.integers(min_value=0, max_value=10**9))
def test_the_axis_maximum_is_round_and_not_below_the_value(value: int) -> None:
    top = charts._nice_max(value)
    assert top >= max(1, value) and top < 10 * max(1, value) + 1
    assert re.fullmatch(r"[125]0*", str(top))
