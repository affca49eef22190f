"""The analysis report and its hand-drawn SVG charts."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from viz_fixtures import HOSTILE, report_inputs
from viz_pages import EXTERNAL

from guanxi.errors import ConfigError
from guanxi.viz import render_report, write_report
from guanxi.viz._assets import CONTENT_SECURITY_POLICY
from guanxi.viz.charts import LimitLine, bar_chart_svg, histogram_svg, nice_ticks, size_bins
from guanxi.viz.report import NOT_DRAWN_DEFAULT
from guanxi.viz.styles import FONT_STACK


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)]


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter("text")]


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(**report_inputs())


def test_report_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert EXTERNAL.search(page) is None
    assert "<script" not in page  # no script at all: charts are SVG
    (csp,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert html.unescape(csp) == CONTENT_SECURITY_POLICY
    assert "http://" not in page and "https://" not in page


def test_headline_figures(page):
    cards = re.findall(
        r'<div class="gx-card( gx-alert)?">\s*<div class="gx-card-value">([^<]*)</div>'
        r'\s*<div class="gx-card-label">([^<]*)</div>',
        page,
    )
    assert [(v, label) for _, v, label in cards] == [
        ("100,000", "Customers"),
        ("1.50 bn", "Tier 1 capital"),
        ("40", "Exposure groups"),
        ("1", "Groups in breach"),
        ("3", "Guarantee circles"),
        ("393", "Referrers"),
    ]
    assert [label for alert, _, label in cards if alert] == ["Groups in breach"]
    assert "above 25 % of Tier 1" in page


def test_group_chart_draws_bars_against_the_limit_lines(page):
    chart = svgs(page)[0]
    bars = [r for r in chart.iter("rect")]
    assert len(bars) == 15  # the 15 largest groups
    limits = [ln for ln in chart.iter("line") if ln.get("class") == "gx-limit"]
    assert len(limits) == 2
    large_x, breach_x = (float(ln.get("x1")) for ln in limits)
    assert large_x < breach_x
    assert limits[0].get("stroke-dasharray") and not limits[1].get("stroke-dasharray")
    labels = texts(chart)
    assert "large 10.0 %" in labels and "limit 25.0 %" in labels
    assert "Exposure in % of Tier 1 capital" in labels
    # the breaching group's bar crosses the limit line, the large one stops before it
    left = float(bars[0].get("x"))
    assert left + float(bars[0].get("width")) > breach_x
    assert large_x < left + float(bars[1].get("width")) < breach_x
    assert bars[0].get("fill") == "#c0001a" and bars[1].get("fill") == "#e69f00"
    assert {b.get("fill") for b in bars[2:]} == {"#4c78a8"}
    assert "31.0 %  breach" in labels and "18.0 %  large" in labels
    # each bar opens its group
    hrefs = [a.get("href") for a in chart.iter("a")]
    assert hrefs[:2] == ["views/group-g-000000.html", "views/group-g-000001.html"]


def test_cascade_histogram_matches_the_sizes(page):
    chart = svgs(page)[1]
    sizes = report_inputs()["referral_reach"]["cascade"].tolist()
    labels, counts = size_bins(sizes)
    bars = list(chart.iter("rect"))
    assert [b.find("title").text for b in bars] == [
        f"{lab}: {c:,}" for lab, c in zip(labels, counts, strict=True)
    ]
    heights = [float(b.get("height")) for b in bars]
    top = max(counts)
    assert heights[counts.index(top)] == max(heights)
    assert sum(counts) == len(sizes)


def test_tables_link_to_views(page):
    for href in (
        "views/group-g-000000.html",
        "views/circle-gc-0002.html",
        "views/cascade-c~3A08000392.html",
        "views/overview.html",
    ):
        assert f'href="{href}"' in page
    # circles by exposure, largest first; truncated cycle counts marked
    circles = page[page.index('id="circles"') : page.index('id="cascades"')]
    assert circles.index("gc-0002") < circles.index("gc-0001") < circles.index("gc-0003")
    assert "100+" in circles
    assert "The 20 largest of 40 groups" in page
    assert 'class="gx-row-breach"' in page


def test_only_written_views_are_linked():
    page = render_report(**report_inputs(), available_views=["group-g-000001.html"])
    hrefs = re.findall(r'href="([^"#][^"]*)"', page)
    assert set(hrefs) == {"views/group-g-000001.html"}
    assert ">g-000000 <" in page  # shown, not linked


def _rows(page: str, section: str) -> list[str]:
    part = page[page.index(f'id="{section}"') :]
    body = part[part.index("<tbody>") : part.index("</tbody>")]
    return re.findall(r"<tr.*?</tr>", body, flags=re.DOTALL)


def test_every_row_links_to_its_view_or_says_why_not():
    inputs = report_inputs()
    drawn = ["group-g-000001.html", "circle-gc-0001.html", "cascade-c~3A08000392.html"]
    page = render_report(
        **inputs,
        available_views=drawn,
        not_drawn={
            "group": "beyond the 25 largest groups",
            "cascade": "only the 10 top influencers' cascades are drawn",
        },
    )
    for section in ("groups", "circles", "cascades", "influencers"):
        rows = _rows(page, section)
        assert rows
        for row in rows:
            linked = re.search(r'<a href="views/[^"]+">', row) is not None
            why = re.findall(r'<span class="gx-why">([^<]*)</span>', row)
            assert linked != bool(why), row  # one or the other, never both or neither
    groups = _rows(page, "groups")
    assert "not drawn: beyond the 25 largest groups" in groups[0]
    assert '<a href="views/group-g-000001.html">' in groups[1]
    circles = _rows(page, "circles")  # no reason given for circles: the default
    assert f"not drawn: {NOT_DRAWN_DEFAULT}" in circles[0]
    assert (
        html.unescape(_rows(page, "cascades")[1]).count(
            "not drawn: only the 10 top influencers' cascades are drawn"
        )
        == 1
    )


def test_names_fill_the_name_columns():
    inputs = report_inputs()
    names = inputs["names"]
    page = render_report(**inputs)
    cascades = _rows(page, "cascades")
    reach = inputs["referral_reach"].sort_values(
        ["cascade", "customer_id"], ascending=[False, True]
    )
    for row, cid in zip(cascades, reach["customer_id"], strict=False):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[1] == html.escape(names[cid])
    infl = _rows(page, "influencers")
    for row, cid in zip(infl, inputs["influencers"]["customer_id"], strict=True):
        assert re.findall(r"<td[^>]*>(.*?)</td>", row)[2] == html.escape(names[cid])
    first = re.findall(r"<td[^>]*>(.*?)</td>", _rows(page, "groups")[0])
    largest = inputs["exposure_groups"].at[0, "largest_member"]
    assert first[2] == f"{names[largest]} ({largest})"  # the largest member, by name
    chart = svgs(page)[0]
    assert f"g-000000 ({names[largest]})" in texts(chart)
    # without names the columns fall back to what the frames carry
    bare = render_report(**{**inputs, "names": None})
    assert re.findall(r"<td[^>]*>(.*?)</td>", _rows(bare, "groups")[0])[2] == largest
    assert re.findall(r"<td[^>]*>(.*?)</td>", _rows(bare, "cascades")[0])[1] == ""
    # a frame's own name column wins over the mapping
    own = report_inputs()
    own["influencers"] = own["influencers"].assign(name="Own Name")
    assert "Own Name" in _rows(render_report(**own), "influencers")[0]


def test_report_text_and_charts_use_the_font_stack(page):
    assert f":root {{ --gx-font: {FONT_STACK}; }}" in page
    assert "var(--gx-font" in page
    for svg in svgs(page):
        assert "Noto Sans CJK SC" in svg.get("font-family")
        assert "Microsoft YaHei" in svg.get("font-family")


def test_long_bar_labels_are_cut_to_fit():
    long = "00001888 (" + "Great Wall Shipping Group " * 4 + ")"
    chinese = "00001375 (" + "北京永安贸易有限公司" * 3 + ")"
    tree = ET.fromstring(bar_chart_svg([long, chinese, "short"], [3.0, 2.0, 1.0]))
    labels = [t for t in texts(tree) if t.startswith(("0000", "short"))]
    assert labels[0].endswith("\u2026") and labels[1].endswith("\u2026")
    assert labels[2] == "short"
    bar = next(tree.iter("rect"))
    assert 70 <= float(bar.get("x")) <= 344  # the labels' column is bounded


def test_views_dir_is_configurable():
    page = render_report(**report_inputs(), views_dir="", available_views=["overview.html"])
    assert 'href="overview.html"' in page


def test_without_tier1_capital_the_chart_shows_amounts():
    page = render_report(**report_inputs(tier1=None))
    chart = svgs(page)[0]
    assert [ln for ln in chart.iter("line") if ln.get("class") == "gx-limit"] == []
    assert "Exposure" in texts(chart)
    assert "No Tier 1 capital given" in page
    assert any(t.startswith("465.0 m") for t in texts(chart))
    assert "not given" in page


def test_empty_analysis():
    page = render_report(headline={"Customers": 0})
    for text in (
        "No exposure groups were found.",
        "No guarantee circles were found.",
        "No referrals were found.",
        "No influencers",
    ):
        assert text in page
    assert "<svg" not in page


def test_report_escapes_everything():
    inputs = report_inputs()
    inputs["exposure_groups"].loc[0, "group_id"] = HOSTILE
    inputs["influencers"].loc[0, "name"] = HOSTILE
    inputs["headline"] = {HOSTILE: HOSTILE}
    inputs["notes"] = [HOSTILE]
    inputs["title"] = HOSTILE
    page = render_report(**inputs)
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page
    for svg in svgs(page):  # still well-formed
        assert svg.tag == "svg"


def test_print_styles(page):
    css = page[page.index("<style>") : page.index("</style>")]
    assert "@media print" in css and "@page" in css
    assert "break-inside: avoid" in css and "table-header-group" in css


def test_bad_inputs():
    with pytest.raises(ConfigError):
        render_report(headline={}, top=0)
    with pytest.raises(ConfigError):
        render_report(headline={}, thresholds={"breach_pct": -5})
    with pytest.raises(ValueError, match="pct_tier1"):
        render_report(headline={}, exposure_groups=pd.DataFrame({"group_id": ["g"]}))
    with pytest.raises(ValueError, match="DataFrame"):
        render_report(headline={}, circle_summary=[{"circle_id": 1}])


def test_write_report(tmp_path):
    path = write_report(tmp_path / "out" / "index.html", **report_inputs())
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]


# --------------------------------------------------------------------------- charts


def test_nice_ticks():
    assert nice_ticks(31.0 * 1.04) == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert nice_ticks(152) == [0.0, 50.0, 100.0, 150.0, 200.0]
    assert nice_ticks(0.37) == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert nice_ticks(float("nan")) == [0.0, 1.0]


def test_size_bins():
    assert size_bins([1, 2, 2, 4, 9, 10, 19, 20, 49, 50, 1000]) == (
        [
            "1",
            "2",
            "3-4",
            "5-9",
            "10-19",
            "20-49",
            "50-99",
            "100-199",
            "200-499",
            "500-999",
            "1000-1999",
        ],
        [1, 2, 1, 1, 2, 2, 1, 0, 0, 0, 1],
    )
    assert size_bins([0, float("nan"), None]) == ([], [])


def test_bar_chart_escapes_and_checks_lengths():
    svg = bar_chart_svg(
        ["<b>"], [1.0], links=['x" onclick="y'], hover=["<i>"], lines=[LimitLine(2.0, "<u>")]
    )
    tree = ET.fromstring(svg)
    assert "<b>" in texts(tree) and "<u>" in texts(tree)
    assert [a.get("href") for a in tree.iter("a")] == ['x" onclick="y']
    with pytest.raises(ValueError):
        bar_chart_svg(["a", "b"], [1.0])
    with pytest.raises(ValueError):
        histogram_svg(["a"], [1, 2])


def test_customer_value_and_churn_section():
    """Tiers by quadrant, the most valuable customers with exact amounts, the customers
    at risk and the portfolios; no section without those results."""
    from decimal import Decimal

    import pyarrow as pa

    money = pd.ArrowDtype(pa.decimal128(20, 2))
    tiers = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3"],
            "value_rank": [1, 2, 3],
            "tier": ["A", "B", "C"],
            "quadrant": ["champion", "advocate", "miser"],
            "own_value": pd.Series(
                [Decimal("1234567.89"), Decimal("10"), Decimal("0")], dtype=money
            ),
            "referral_value": pd.Series([Decimal("0.01"), Decimal("5"), Decimal("0")], dtype=money),
            "total_value": pd.Series(
                [Decimal("1234567.90"), Decimal("15"), Decimal("0")], dtype=money
            ),
        }
    )
    risk = pd.DataFrame(
        {
            "customer_id": ["c2", HOSTILE],
            "rank": [1, 2],
            "hazard_ratio": [1.8, 1.34],
            "neighbours_left": [2, 1],
            "via": ["household;joint_holder", "referee"],
            "last_left_on": ["2026-06-01", None],
            "aum": pd.Series([Decimal("99.50"), None], dtype=money),
        }
    )
    rms = pd.DataFrame(
        {
            "rm_id": ["R1"],
            "customers": [3],
            "aum": pd.Series([Decimal("7.01")], dtype=money),
            "hubs": [1],
            "tier_a": [1],
            "tier_b": [1],
            "tier_c": [1],
            "at_risk": [1],
            "at_risk_aum": pd.Series([Decimal("99.50")], dtype=money),
        }
    )
    page = render_report(
        headline={"Customers": 3},
        value={"value_tiers": tiers, "at_risk": risk, "rm_portfolios": rms},
        names={"c1": "张伟"},
    )
    section = page[page.index('<section id="value">') :]
    assert 'href="#value"' in page
    rows = re.findall(r"<tr><td>([ABC])</td>((?:<td class=\"num\">[^<]*</td>)+)</tr>", section)
    grid = {t: re.findall(r">([^<]*)<", cells)[::2] for t, cells in rows}
    assert grid == {
        "A": ["1", "0", "0", "0", "1"],
        "B": ["0", "0", "1", "0", "1"],
        "C": ["0", "0", "0", "1", "1"],
    }
    assert "1,234,567.89" in section and "1,234,567.90" in section and "张伟" in section
    assert "1.80" in section and "household, joint holder" in section and "99.50" in section
    assert HOSTILE not in section and html.escape(HOSTILE) in section
    assert "R1" in section and "1 / 1 / 1" in section
    assert 'id="value"' not in render_report(headline={"Customers": 0})
