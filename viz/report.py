"""The analysis report: ``index.html``, the page a manager reads after ``guanxi analyze``.

It shows the headline figures, the largest exposure groups against the limit lines, the
guarantee circles, the spread of referral cascade sizes and the top influencers; every
row links to its interactive view (relative links, ``views/group-<id>.html`` and so on,
named by :func:`guanxi.viz.view_filename`). Charts are inline SVG drawn here; the page
has no script at all, loads nothing, and prints cleanly on A4.

Inputs are the frames ``guanxi analyze`` writes (``guanxi/analysis.py``); columns not
listed are ignored, optional ones are shown when present:

=================  =====================================================================
exposure_groups    ``group_id``, ``size`` (members), ``exposure``, ``pct_tier1`` (percent
                   of Tier 1, ``12.5`` = 12.5 %, NaN without Tier 1 capital), ``status``
                   (``ok``, ``large``, ``breach`` or empty); optional
                   ``largest_member``, ``reasons``, ``name``
circle_summary     ``circle_id``, ``size``, ``guarantees``, ``guaranteed_amount``,
                   ``exposure``, ``cycles_found``, ``cycles_truncated``
referral_reach     ``customer_id``, ``direct``, ``cascade``, ``depth``,
                   ``downstream_aum``; optional ``name``
influencers        ``customer_id``, ``rank``, ``score``, ``cascade``,
                   ``downstream_aum``; optional ``name``, ``direct``, ``depth``
=================  =====================================================================

``names`` maps a customer id to the name the report's reader may see (the report is
written for the bank's analysts, with full visibility; a caller writing it for a role
without access to names passes masked names or none). Every id in the tables and the
group chart is shown with its name when ``names`` has it.

Rows link to their view when it was written (``available_views``); a row without one
says why (``not_drawn``, by view kind, e.g. ``{"group": "beyond the 25 largest
groups"}``).

``headline`` maps a label to a figure (number or text, in the order given); a figure
may also be a mapping ``{"value": ..., "note": "...", "alert": bool}``. ``thresholds``
gives the group limits in percent of Tier 1: ``{"large_pct": 10, "breach_pct": 25}``,
optionally with ``"name"`` (the rule set, e.g. ``"basel"``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd

from guanxi.errors import ConfigError

from ._assets import CONTENT_SECURITY_POLICY
from ._templates import environment, static_text
from .charts import LimitLine, bar_chart_svg, histogram_svg, size_bins
from .report_value import QUADRANT_ORDER, value_section
from .styles import FONT_STACK
from .views import view_filename

__all__ = ["STATUS_COLORS", "NOT_DRAWN_DEFAULT", "render_report", "write_report"]

#: bar colour of each group status
STATUS_COLORS = {"ok": "#4c78a8", "large": "#e69f00", "breach": "#c0001a", "": "#9a9a9a"}

_REQUIRED = {
    "exposure_groups": ("group_id", "size", "exposure", "pct_tier1", "status"),
    "circle_summary": ("circle_id", "size"),
    "referral_reach": ("customer_id", "cascade"),
    "influencers": ("customer_id",),
}


def _check(frame, name: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _REQUIRED[name]})
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in _REQUIRED[name] if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}")
    return frame.reset_index(drop=True)


def _num(value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def _is_blank(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value, *, digits: int = 0) -> str:
    """A number with thousands separators; an empty string for a missing value."""
    if _is_blank(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    x = _num(value)
    if math.isnan(x):
        return str(value)
    if x.is_integer() and digits == 0:
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def fmt_amount(value) -> str:
    """An amount, shortened for reading: ``182.4 m``, ``1.25 bn``, ``45,000``."""
    x = _num(value)
    if math.isnan(x):
        return ""
    if abs(x) >= 1e9:
        return f"{x / 1e9:,.2f} bn"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f} m"
    return f"{x:,.0f}"


def fmt_money(value) -> str:
    """An exact amount as printed in a table: every digit of the minor unit
    (``1,569,631,729.91``); an empty string when missing."""
    if _is_blank(value):
        return ""
    if isinstance(value, Decimal):
        return f"{value:,}"
    return fmt_number(value)


def fmt_pct(value) -> str:
    x = _num(value)
    return "" if math.isnan(x) else f"{x:,.1f} %"


def _headline(headline: Mapping[str, object]) -> list[dict]:
    cards = []
    for label, figure in headline.items():
        note, alert = "", False
        if isinstance(figure, Mapping):
            note = str(figure.get("note", "") or "")
            alert = bool(figure.get("alert", False))
            figure = figure.get("value")
        if isinstance(figure, str):
            text = figure
        elif isinstance(figure, float) and not figure.is_integer() and abs(figure) < 1000:
            text = fmt_number(figure, digits=2)
        elif isinstance(figure, float) and abs(figure) >= 1e6:
            text = fmt_amount(figure)
        else:
            text = fmt_number(figure)
        cards.append({"label": str(label), "value": text or "\u2013", "note": note, "alert": alert})
    return cards


#: why a row has no view, when the caller does not say
NOT_DRAWN_DEFAULT = "no view was written for it"


class _Links:
    """Relative links to views, only to the files said to exist."""

    def __init__(self, views_dir: str, available: Collection[str] | None):
        self.views_dir = views_dir.strip("/")
        self.available = None if available is None else {Path(a).name for a in available}

    def __call__(self, kind: str, key) -> str | None:
        if _is_blank(key) or str(key) == "":
            return None
        name = view_filename(kind, key)
        if self.available is not None and name not in self.available:
            return None
        return f"{self.views_dir}/{name}" if self.views_dir else name

    def exists(self, name: str) -> str | None:
        if self.available is not None and name not in self.available:
            return None
        return f"{self.views_dir}/{name}" if self.views_dir else name


def _text(row, column: str) -> str:
    value = row.get(column)
    return "" if _is_blank(value) else str(value)


def _name_of(names: Mapping[str, object], row, id_column: str) -> str:
    """The row's own ``name`` column, else the name of its id in ``names``."""
    own = _text(row, "name")
    if own:
        return own
    key = row.get(id_column)
    if _is_blank(key):
        return ""
    value = names.get(str(key))
    return "" if _is_blank(value) else str(value)


def render_report(
    *,
    headline: Mapping[str, object],
    exposure_groups: pd.DataFrame | None = None,
    circle_summary: pd.DataFrame | None = None,
    referral_reach: pd.DataFrame | None = None,
    influencers: pd.DataFrame | None = None,
    thresholds: Mapping[str, object] | None = None,
    title: str = "guanxi analysis",
    as_of: str = "",
    source: str = "",
    notes: Sequence[str] = (),
    views_dir: str = "views",
    available_views: Collection[str] | None = None,
    not_drawn: Mapping[str, str] | None = None,
    names: Mapping[str, object] | None = None,
    changes: Mapping[str, pd.DataFrame] | None = None,
    alerts: pd.DataFrame | None = None,
    compared_with: str | None = None,
    value: Mapping[str, pd.DataFrame] | None = None,
    top: int = 20,
    generated_at: str | None = None,
) -> str:
    """The analysis report as one self-contained HTML page.

    Parameters
    ----------
    headline : mapping of str to object
        Headline figures, label to value, shown first in the given order. A value may be
        a number, a text, or ``{"value": ..., "note": ..., "alert": bool}``.
    exposure_groups, circle_summary, referral_reach, influencers : pandas.DataFrame, optional
        The analysis frames (columns in the module docstring). Missing frames give
        sections that say there is nothing to show.
    thresholds : mapping, optional
        ``large_pct`` and ``breach_pct`` (group limits in percent of Tier 1), drawn as
        lines on the chart; optional ``name`` of the rule set. Without them, or without
        ``pct_tier1`` values, the chart shows exposure amounts and no lines.
    title : str
        Page title.
    as_of, source : str
        Analysis date and where the data came from, shown under the title.
    notes : sequence of str
        Warnings of the run, listed at the end of the header.
    views_dir : str, default "views"
        Folder of the view files, relative to the report.
    available_views : collection of str, optional
        File names (as from :func:`~guanxi.viz.view_filename`) of the views that were
        written; rows link only to these. ``None`` links every row shown.
    not_drawn : mapping of str to str, optional
        By view kind (``group``, ``circle``, ``cascade``), why a row has no view; shown
        as "not drawn: <reason>" in the row (default: "no view was written for it").
    names : mapping of str to object, optional
        Customer id to name, for the "Name" and "Largest member" columns and the
        group chart (see the module docstring). Rows keep their own ``name`` column
        where they have one.
    value : mapping of str to pandas.DataFrame, optional
        The marketer's results, ``value_tiers``, ``at_risk`` and ``rm_portfolios``
        (:mod:`guanxi.viz.report_value`): the "Customer value and churn" section.
    top : int, default 20
        Rows per table and bars in the groups chart (the chart shows at most 15).
    generated_at : str, optional
        When the report was made (default: now, UTC).

    Returns
    -------
    str
        The HTML document: inline CSS and SVG, no script, Content-Security-Policy
        forbidding every request.

    Raises
    ------
    ConfigError
        If ``top`` is not a positive integer or a threshold is not a positive number.
    ValueError
        If a frame lacks a required column.

    See Also
    --------
    write_report : render and write to a file.
    guanxi.viz.render_view : the views the rows link to.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ConfigError(f"top must be a positive integer, not {top!r}")
    groups = _check(exposure_groups, "exposure_groups")
    circles = _check(circle_summary, "circle_summary")
    reach = _check(referral_reach, "referral_reach")
    infl = _check(influencers, "influencers")
    link = _Links(views_dir, available_views)
    names = names or {}
    reasons = dict(not_drawn or {})

    def why(kind: str, href: str | None) -> str:
        return "" if href else "not drawn: " + reasons.get(kind, NOT_DRAWN_DEFAULT)

    thresholds = dict(thresholds or {})
    limits = {}
    for key in ("large_pct", "breach_pct"):
        if thresholds.get(key) is not None:
            v = _num(thresholds[key])
            if math.isnan(v) or v <= 0:
                raise ConfigError(f"thresholds[{key!r}] must be a positive percentage")
            limits[key] = v

    # ---------------------------------------------------------------- groups
    groups = groups.assign(_exp=_numbers(groups["exposure"]), _pct=_numbers(groups["pct_tier1"]))
    groups = groups.sort_values(["_exp", "group_id"], ascending=[False, True], kind="stable")
    shown = groups.head(top)
    chart_rows = shown.head(15)
    use_pct = len(chart_rows) > 0 and chart_rows["_pct"].notna().all()
    group_chart = ""
    chart_note = ""
    if len(chart_rows):
        statuses = [_text(r, "status").lower() for r in chart_rows.to_dict("records")]
        labels = []
        for r in chart_rows.to_dict("records"):
            extra = _name_of(names, r, "largest_member") or _text(r, "largest_member")
            labels.append(f"{r['group_id']} ({extra})" if extra else str(r["group_id"]))
        if use_pct:
            values = chart_rows["_pct"].tolist()
            value_labels = [f"{fmt_pct(p)}" for p in values]
            lines = []
            if "large_pct" in limits:
                lines.append(
                    LimitLine(
                        limits["large_pct"],
                        f"large {fmt_pct(limits['large_pct'])}",
                        "#b27400",
                        dashed=True,
                    )
                )
            if "breach_pct" in limits:
                lines.append(
                    LimitLine(
                        limits["breach_pct"], f"limit {fmt_pct(limits['breach_pct'])}", "#c0001a"
                    )
                )
            axis = "Exposure in % of Tier 1 capital"
            if not lines:
                chart_note = "No limits given: the limit lines are not drawn."
        else:
            values = chart_rows["_exp"].fillna(0).tolist()
            value_labels = [fmt_amount(v) for v in values]
            lines = []
            axis = "Exposure"
            chart_note = (
                "No Tier 1 capital given: exposures are shown as amounts and the "
                "limit lines are not drawn."
            )
        group_chart = bar_chart_svg(
            labels,
            values,
            colors=[STATUS_COLORS.get(s, STATUS_COLORS[""]) for s in statuses],
            value_labels=[
                f"{v}  {s}" if s and s != "ok" else v
                for v, s in zip(value_labels, statuses, strict=True)
            ],
            links=[link("group", r["group_id"]) for r in chart_rows.to_dict("records")],
            hover=[
                f"{r['group_id']}: {r['size']} members, exposure {fmt_number(r['_exp'])}"
                + (f", {fmt_pct(r['_pct'])} of Tier 1" if not math.isnan(_num(r["_pct"])) else "")
                for r in chart_rows.to_dict("records")
            ],
            lines=lines,
            axis_label=axis,
            title=f"The {len(chart_rows)} largest exposure groups"
            + (" against the limits" if lines else ""),
        )
    group_rows = []
    for i, r in enumerate(shown.to_dict("records"), start=1):
        status = _text(r, "status").lower()
        href = link("group", r["group_id"])
        largest = _text(r, "largest_member")
        name = _name_of(names, r, "largest_member")
        group_rows.append(
            {
                "rank": i,
                "id": str(r["group_id"]),
                "href": href,
                "why": why("group", href),
                "name": f"{name} ({largest})" if name and largest else name or largest,
                "size": fmt_number(r["size"]),
                "exposure": fmt_money(r["exposure"]),
                "pct": fmt_pct(r["_pct"]),
                "status": status,
                "reasons": _text(r, "reasons").replace(";", ", ").replace("_", " "),
            }
        )
    status_counts = groups["status"].astype(object).where(groups["status"].notna(), "")
    status_counts = status_counts.map(lambda s: str(s).lower()).value_counts().to_dict()

    # ---------------------------------------------------------------- circles
    if len(circles):
        sort_cols = [c for c in ("exposure", "guaranteed_amount", "size") if c in circles.columns]
        circles = circles.assign(**{f"_{c}": _numbers(circles[c]) for c in sort_cols})
        circles = circles.sort_values(
            [f"_{c}" for c in sort_cols] + ["circle_id"],
            ascending=[False] * len(sort_cols) + [True],
            kind="stable",
        )
    circle_rows = []
    for r in circles.head(max(top, 50)).to_dict("records"):
        truncated = bool(r.get("cycles_truncated")) and not _is_blank(r.get("cycles_truncated"))
        href = link("circle", r["circle_id"])
        circle_rows.append(
            {
                "id": str(r["circle_id"]),
                "href": href,
                "why": why("circle", href),
                "size": fmt_number(r["size"]),
                "guarantees": fmt_number(r.get("guarantees")),
                "amount": fmt_money(r.get("guaranteed_amount")),
                "exposure": fmt_money(r.get("exposure")),
                "cycles": fmt_number(r.get("cycles_found")) + ("+" if truncated else ""),
            }
        )

    # ---------------------------------------------------------------- cascades
    sizes = _numbers(reach["cascade"])
    bin_labels, bin_counts = size_bins(sizes.dropna().tolist())
    cascade_chart = ""
    if bin_counts:
        cascade_chart = histogram_svg(
            bin_labels,
            bin_counts,
            axis_label="Cascade size (customers reached, all generations)",
            count_label="Referrers",
            title="Distribution of referral cascade sizes",
        )
    reach = reach.assign(_size=sizes).sort_values(
        ["_size", "customer_id"], ascending=[False, True], kind="stable"
    )
    cascade_rows = []
    for r in reach.head(top).to_dict("records"):
        href = link("cascade", r["customer_id"])
        cascade_rows.append(
            {
                "id": str(r["customer_id"]),
                "href": href,
                "why": why("cascade", href),
                "name": _name_of(names, r, "customer_id"),
                "direct": fmt_number(r.get("direct")),
                "cascade": fmt_number(r["_size"]),
                "depth": fmt_number(r.get("depth")),
                "aum": fmt_money(r.get("downstream_aum")),
            }
        )
    cascade_stats = {}
    if sizes.notna().any():
        s = sizes.dropna()
        cascade_stats = {
            "referrers": f"{len(s):,}",
            "median": fmt_number(
                float(s.median()), digits=0 if float(s.median()).is_integer() else 1
            ),
            "largest": fmt_number(int(s.max())),
        }

    # ---------------------------------------------------------------- influencers
    if "rank" in infl.columns and len(infl):
        infl = infl.assign(_rank=_numbers(infl["rank"])).sort_values("_rank", kind="stable")
    infl_rows = []
    for i, r in enumerate(infl.head(top).to_dict("records"), start=1):
        score = _num(r.get("score"))
        href = link("cascade", r["customer_id"])
        infl_rows.append(
            {
                "rank": fmt_number(r.get("rank")) or str(i),
                "id": str(r["customer_id"]),
                "href": href,
                "why": why("cascade", href),
                "name": _name_of(names, r, "customer_id"),
                "score": "" if math.isnan(score) else f"{score:.3g}",
                "cascade": fmt_number(r.get("cascade")),
                "aum": fmt_money(r.get("downstream_aum")),
            }
        )

    since = _since(changes, alerts, compared_with, link, why, names, top)
    value = dict(value or {})
    marketer = (
        value_section(
            value.get("value_tiers"),
            value.get("at_risk"),
            value.get("rm_portfolios"),
            names=names,
            top=top,
        )
        if value
        else None
    )
    page = (
        environment()
        .get_template("report.html.j2")
        .render(
            since=since,
            marketer=marketer,
            csp=CONTENT_SECURITY_POLICY,
            css=static_text("report.css"),
            font_stack=FONT_STACK,
            title=title,
            as_of=str(as_of or ""),
            source=str(source or ""),
            generated_at=generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            notes=[str(n) for n in notes if str(n).strip()],
            cards=_headline(headline),
            group_chart=group_chart,
            chart_note=chart_note,
            limits={k: fmt_pct(v) for k, v in limits.items()},
            rule_set=str(thresholds.get("name", "") or ""),
            groups_total=len(groups),
            status_counts=status_counts,
            group_rows=group_rows,
            status_colors=STATUS_COLORS,
            circle_rows=circle_rows,
            circles_total=len(circles),
            cascade_chart=cascade_chart,
            cascade_stats=cascade_stats,
            cascade_rows=cascade_rows,
            infl_rows=infl_rows,
            infl_total=len(infl),
            overview_href=link.exists("overview.html"),
            quadrants=QUADRANT_ORDER,
        )
    )
    return page


def _since(changes, alerts, compared_with, link, why, names, top) -> dict | None:
    """The "Since the previous run" section: alerts first, then status crossings,
    merges and splits, new and gone groups, circles new and dissolved, and the
    referrers whose cascade grew."""
    if changes is None or compared_with is None:
        return None
    groups = changes.get("group_changes", pd.DataFrame())
    circles = changes.get("circle_changes", pd.DataFrame())
    cascades = changes.get("cascade_changes", pd.DataFrame())
    members = changes.get("member_changes", pd.DataFrame())
    alert_rows = (
        []
        if alerts is None
        else [
            {
                "severity": _text(a, "severity"),
                "rule": _text(a, "rule").replace("_", " "),
                "detail": _text(a, "detail"),
            }
            for a in alerts.head(top).to_dict("records")
        ]
    )

    def group_row(r: dict) -> dict:
        href = link("group", r["group_id"])
        return {
            "id": str(r["group_id"]),
            "href": href,
            "why": why("group", href),
            "change": _text(r, "change"),
            "other": _text(r, "other_id") or _text(r, "merged_in"),
            "crossing": _text(r, "crossing").replace(">", " → "),
            "before": fmt_money(r.get("exposure_before")),
            "after": fmt_money(r.get("exposure_after")),
            "pct_before": fmt_pct(r.get("pct_tier1_before")),
            "pct_after": fmt_pct(r.get("pct_tier1_after")),
            "members": f"+{r.get('members_in', 0)} / −{r.get('members_out', 0)}",
        }

    notable = (
        groups[
            groups["crossing"].notna()
            | groups["change"].isin(["new", "gone", "merged", "split"])
            | (groups["members_in"] > 0)
            | (groups["members_out"] > 0)
        ]
        if len(groups)
        else groups
    )
    counts = groups["change"].value_counts().to_dict() if len(groups) else {}
    circle_rows = (
        [
            {
                "id": str(r["circle_id"]),
                "change": _text(r, "change"),
                "href": link("circle", r["circle_id"]),
                "why": why("circle", link("circle", r["circle_id"])),
                "members": _text(r, "members").replace(";", ", "),
            }
            for r in circles[circles["change"] != "continued"].to_dict("records")
        ]
        if len(circles)
        else []
    )
    cascade_rows = (
        [
            {
                "id": str(r["customer_id"]),
                "name": _name_of(names, r, "customer_id"),
                "before": fmt_number(r["cascade_before"]),
                "after": fmt_number(r["cascade_after"]),
            }
            for r in cascades.sort_values("cascade_after", ascending=False)
            .head(10)
            .to_dict("records")
        ]
        if len(cascades)
        else []
    )
    return {
        "compared_with": compared_with,
        "alerts": alert_rows,
        "alerts_total": 0 if alerts is None else len(alerts),
        "groups": [group_row(r) for r in notable.head(top).to_dict("records")],
        "groups_total": len(notable),
        "counts": {k: counts.get(k, 0) for k in ("continued", "new", "gone", "merged", "split")},
        "joined": int((members["change"] == "joined").sum()) if len(members) else 0,
        "left": int((members["change"] == "left").sum()) if len(members) else 0,
        "circles": circle_rows,
        "cascades": cascade_rows,
    }


def write_report(path, **kw) -> Path:
    """Render the report (:func:`render_report`) and write it to ``path`` as UTF-8.

    Parameters
    ----------
    path : str or os.PathLike
        File to write (usually ``OUT/index.html``); parent folders are created. The file
        is written beside its final name and renamed, so no reader sees half a page.
    **kw
        Keyword arguments of :func:`render_report`.

    Returns
    -------
    pathlib.Path
    """
    target = Path(path)
    page = render_report(**kw)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def _numbers(values: pd.Series) -> pd.Series:
    """A column as floats, for sorting and scaling the drawing only (the figures shown
    are the exact values; an exact decimal column that is all missing is NaN)."""
    if isinstance(values.dtype, pd.ArrowDtype):
        return values.astype("float64")
    return pd.to_numeric(values, errors="coerce")
