"""What changed between two analysis runs, and the early warnings (风险预警) it raises.

Both runs are read from their stored result sets; the newer run's groups and circles
already carry stable ids (:mod:`guanxi.algorithms.lineage`), so a group that is the
same one in both runs has the same id, and the lineage events say what merged and
split.

Change tables (:func:`run_changes`)
-----------------------------------
- ``group_changes``: one row per group of either run: ``change`` (``continued``,
  ``new``, ``gone``, ``merged``, ``split``), the other group of a merge or split,
  size, members in and out, exposure, % of Tier 1 and status before and after, and
  the status ``crossing`` (``ok>large``, ``large>breach``, ``breach>large``, ...).
- ``member_changes``: customers who joined or left a group.
- ``circle_changes``: guarantee circles ``new``, ``dissolved`` or ``continued`` (with
  their size before and after).
- ``influencer_changes``: rank before and after for customers in the top
  ``top_influencers`` of either run.
- ``cascade_changes``: referrers whose cascade grew or shrank: cascade before and
  after and the growth ratio.

Alerts (:func:`alerts`, rules :data:`ALERT_RULES` with their defaults)
--------------------------------------------------------------------
- ``status_up``: a group or single name whose status rose (ok to large, large to
  breach, ok to breach). A fall is listed among the changes, not alerted.
- ``exposure_jump``: a group that existed before whose exposure rose by more than
  ``exposure_jump_pct`` (default 25 %).
- ``new_circle``: a guarantee circle that did not exist before.
- ``joined_breach``: a customer who joined a group that is in breach.
- ``member_large``: a member of a group whose own single-name exposure reached the
  large-exposure line (status ``large`` or ``breach``) in this run and was below it
  (or not a member) before.
- ``cascade_doubled``: a referrer whose cascade at least doubled (and reaches at least
  ``cascade_min`` customers; default 10).

Choices where the contract is silent
------------------------------------
- Money differences are exact (decimals); a group's % change is relative to its
  exposure before, rounded half up to 2 decimal places (empty when it was 0).
- A merged-away group appears once, with ``change`` ``merged`` and the id of the
  group it merged into; a gone group with ``gone``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

__all__ = [
    "ALERT_RULES",
    "AlertRules",
    "RunChanges",
    "run_changes",
    "alerts",
    "crossing",
]

_LEVEL = {"ok": 0, "large": 1, "breach": 2}


@dataclass(frozen=True)
class AlertRules:
    """The alert rules' thresholds (see the module docstring)."""

    exposure_jump_pct: Decimal = Decimal(25)
    cascade_min: int = 10
    top_influencers: int = 100


ALERT_RULES = AlertRules()


@dataclass
class RunChanges:
    """The change tables between two runs (see the module docstring)."""

    group_changes: pd.DataFrame
    member_changes: pd.DataFrame
    circle_changes: pd.DataFrame
    influencer_changes: pd.DataFrame
    cascade_changes: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "group_changes": self.group_changes,
            "member_changes": self.member_changes,
            "circle_changes": self.circle_changes,
            "influencer_changes": self.influencer_changes,
            "cascade_changes": self.cascade_changes,
        }


def crossing(before, after) -> str | None:
    """``"ok>large"`` when a status changed, None when it did not (or is unknown).

    Examples
    --------
    >>> crossing("ok", "large"), crossing("breach", "large"), crossing("ok", "ok")
    ('ok>large', 'breach>large', None)
    """
    if not isinstance(before, str) or not isinstance(after, str) or before == after:
        return None
    return f"{before}>{after}"


def _decimal(value) -> Decimal | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return Decimal(value) if not isinstance(value, Decimal) else value


def _pct_change(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    if before is None or after is None or before == 0:
        return None
    return ((after - before) * 100 / before).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def run_changes(
    before: Mapping[str, pd.DataFrame],
    after: Mapping[str, pd.DataFrame],
    *,
    lineage: pd.DataFrame | None = None,
    circle_lineage: pd.DataFrame | None = None,
    rules: AlertRules = ALERT_RULES,
) -> RunChanges:
    """The changes from run ``before`` to run ``after``.

    Parameters
    ----------
    before, after : mapping of result name to DataFrame
        Each run's result sets by their CSV names (``exposure_groups``,
        ``group_members``, ``single_names``, ``circle_summary``, ``guarantee_circles``,
        ``influencers``, ``referral_reach``).
    lineage, circle_lineage : DataFrame, optional
        The ``after`` run's lineage events (``group_id``/``circle_id``, ``event``,
        ``other_id``, ``shared_members``), from :func:`guanxi.algorithms.lineage.match_groups`.
    rules : AlertRules
        ``top_influencers`` bounds the influencer table.

    Returns
    -------
    RunChanges
    """
    return RunChanges(
        group_changes=_group_changes(before, after, lineage),
        member_changes=_member_changes(before, after),
        circle_changes=_circle_changes(before, after, circle_lineage),
        influencer_changes=_influencer_changes(before, after, rules.top_influencers),
        cascade_changes=_cascade_changes(before, after),
    )


def _members(run: Mapping[str, pd.DataFrame]) -> dict[str, set[str]]:
    m = run.get("group_members")
    if m is None or m.empty:
        return {}
    out: dict[str, set[str]] = {}
    for g, c in zip(m["group_id"].astype(str), m["customer_id"].astype(str), strict=True):
        out.setdefault(g, set()).add(c)
    return out


def _by_id(frame: pd.DataFrame | None, key: str) -> dict[str, dict]:
    if frame is None or frame.empty:
        return {}
    return {str(r[key]): r for r in frame.to_dict("records")}


def _group_changes(before, after, lineage: pd.DataFrame | None) -> pd.DataFrame:
    old, new = (
        _by_id(before.get("exposure_groups"), "group_id"),
        _by_id(after.get("exposure_groups"), "group_id"),
    )
    old_members, new_members = _members(before), _members(after)
    events: dict[str, list[tuple[str, str]]] = {}
    if lineage is not None and len(lineage):
        for g, e, o in zip(lineage["group_id"], lineage["event"], lineage["other_id"], strict=True):
            events.setdefault(str(g), []).append((str(e), str(o) if isinstance(o, str) else ""))
    merged_into = {o: g for g, evs in events.items() for e, o in evs if e == "merged"}
    rows = []
    for gid in sorted(set(old) | set(new)):
        o, n = old.get(gid), new.get(gid)
        evs = dict(events.get(gid, []))
        if n is not None and o is not None:
            change, other = "continued", ""
        elif n is not None:
            change = "split" if "split" in evs else "new"
            other = evs.get("split", "")
        elif gid in merged_into:
            change, other = "merged", merged_into[gid]
        else:
            change, other = "gone", ""
        before_members = old_members.get(gid, set())
        after_members = new_members.get(gid, set())
        exposure_before = _decimal(o["exposure"]) if o else None
        exposure_after = _decimal(n["exposure"]) if n else None
        status_before = o["status"] if o and isinstance(o.get("status"), str) else None
        status_after = n["status"] if n and isinstance(n.get("status"), str) else None
        rows.append(
            {
                "group_id": gid,
                "change": change,
                "other_id": other,
                "merged_in": ";".join(sorted(x for e, x in events.get(gid, []) if e == "merged")),
                "size_before": len(before_members) if o else 0,
                "size_after": len(after_members) if n else 0,
                "members_in": len(after_members - before_members) if n else 0,
                "members_out": len(before_members - after_members) if o else 0,
                "exposure_before": exposure_before,
                "exposure_after": exposure_after,
                "exposure_change": (exposure_after or Decimal(0)) - (exposure_before or Decimal(0)),
                "exposure_change_pct": _pct_change(exposure_before, exposure_after),
                "pct_tier1_before": _decimal(o.get("pct_tier1")) if o else None,
                "pct_tier1_after": _decimal(n.get("pct_tier1")) if n else None,
                "status_before": status_before,
                "status_after": status_after,
                "crossing": crossing(status_before, status_after) if o and n else None,
            }
        )
    columns = [
        "group_id", "change", "other_id", "merged_in", "size_before", "size_after",
        "members_in", "members_out", "exposure_before", "exposure_after", "exposure_change",
        "exposure_change_pct", "pct_tier1_before", "pct_tier1_after", "status_before",
        "status_after", "crossing",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for c in ("group_id", "change", "other_id", "merged_in", "status_before", "status_after",
              "crossing"):  # fmt: skip
        frame[c] = frame[c].astype("object").where(frame[c].notna(), None).astype("str")
    for c in ("size_before", "size_after", "members_in", "members_out"):
        frame[c] = frame[c].astype("int64")
    return frame


def _member_changes(before, after) -> pd.DataFrame:
    old_members, new_members = _members(before), _members(after)
    rows = []
    new_groups = _by_id(after.get("exposure_groups"), "group_id")
    old_groups = _by_id(before.get("exposure_groups"), "group_id")
    in_old_group = {c: g for g, cs in old_members.items() for c in cs}
    in_new_group = {c: g for g, cs in new_members.items() for c in cs}
    for gid in sorted(set(old_members) | set(new_members)):
        b, a = old_members.get(gid, set()), new_members.get(gid, set())
        for c in sorted(a - b):  # a new group's founding members joined it too
            rows.append(
                {
                    "group_id": gid,
                    "customer_id": c,
                    "change": "joined",
                    "from_group": in_old_group.get(c),
                    "group_status": new_groups.get(gid, {}).get("status"),
                }
            )
        for c in sorted(b - a):
            rows.append(
                {
                    "group_id": gid,
                    "customer_id": c,
                    "change": "left",
                    "from_group": in_new_group.get(c),
                    "group_status": old_groups.get(gid, {}).get("status"),
                }
            )
    frame = pd.DataFrame(
        rows, columns=["group_id", "customer_id", "change", "from_group", "group_status"]
    )
    return frame.astype("object").where(frame.notna(), None).astype("str")


def _circle_changes(before, after, lineage: pd.DataFrame | None) -> pd.DataFrame:
    def members(run) -> dict[str, set[str]]:
        m = run.get("guarantee_circles")
        out: dict[str, set[str]] = {}
        if m is not None and len(m):
            for c, cust in zip(
                m["circle_id"].astype(str), m["customer_id"].astype(str), strict=True
            ):
                out.setdefault(c, set()).add(cust)
        return out

    old, new = members(before), members(after)
    rows = []
    for cid in sorted(set(old) | set(new)):
        change = "continued" if cid in old and cid in new else "new" if cid in new else "dissolved"
        rows.append(
            {
                "circle_id": cid,
                "change": change,
                "size_before": len(old.get(cid, ())),
                "size_after": len(new.get(cid, ())),
                "members": ";".join(sorted(new.get(cid) or old.get(cid) or ())),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["circle_id", "change", "size_before", "size_after", "members"]
    )
    for c in ("circle_id", "change", "members"):
        frame[c] = frame[c].astype("str")
    for c in ("size_before", "size_after"):
        frame[c] = frame[c].astype("int64")
    return frame


def _influencer_changes(before, after, top: int) -> pd.DataFrame:
    old = before.get("influencers")
    new = after.get("influencers")
    ob = {} if old is None else dict(zip(old["customer_id"].astype(str), old["rank"], strict=True))
    nb = {} if new is None else dict(zip(new["customer_id"].astype(str), new["rank"], strict=True))
    chosen = {c for c, r in ob.items() if r <= top} | {c for c, r in nb.items() if r <= top}
    rows = []
    for c in sorted(chosen, key=lambda c: (nb.get(c, 10**12), c)):
        before_rank, after_rank = ob.get(c), nb.get(c)
        rows.append(
            {
                "customer_id": c,
                "rank_before": before_rank,
                "rank_after": after_rank,
                "move": None
                if before_rank is None or after_rank is None
                else int(before_rank) - int(after_rank),
            }
        )
    frame = pd.DataFrame(rows, columns=["customer_id", "rank_before", "rank_after", "move"])
    frame["customer_id"] = frame["customer_id"].astype("str")
    for c in ("rank_before", "rank_after", "move"):
        frame[c] = frame[c].astype("Int64")
    return frame


def _cascade_changes(before, after) -> pd.DataFrame:
    old, new = before.get("referral_reach"), after.get("referral_reach")
    ob = (
        {}
        if old is None
        else dict(zip(old["customer_id"].astype(str), old["cascade"], strict=True))
    )
    nb = (
        {}
        if new is None
        else dict(zip(new["customer_id"].astype(str), new["cascade"], strict=True))
    )
    rows = []
    for c in sorted(set(ob) | set(nb)):
        b, a = int(ob.get(c, 0)), int(nb.get(c, 0))
        if a == b:
            continue
        rows.append(
            {
                "customer_id": c,
                "cascade_before": b,
                "cascade_after": a,
                "growth": None if b == 0 else round(a / b, 4),
            }
        )
    frame = pd.DataFrame(rows, columns=["customer_id", "cascade_before", "cascade_after", "growth"])
    frame["customer_id"] = frame["customer_id"].astype("str")
    for c in ("cascade_before", "cascade_after"):
        frame[c] = frame[c].astype("int64")
    frame["growth"] = frame["growth"].astype("float64")
    return frame


def alerts(
    changes: RunChanges,
    before: Mapping[str, pd.DataFrame],
    after: Mapping[str, pd.DataFrame],
    *,
    rules: AlertRules = ALERT_RULES,
) -> pd.DataFrame:
    """The early warnings of :data:`ALERT_RULES` raised by ``changes``.

    Returns
    -------
    pandas.DataFrame
        ``rule``, ``severity`` (``high`` for anything reaching breach, else
        ``medium``), ``subject`` (``group``, ``customer`` or ``circle``), ``id``,
        ``group_id`` (when the alert concerns a group), ``detail`` (one sentence).
    """
    rows: list[dict] = []
    g = changes.group_changes
    for r in g.itertuples():
        cross = r.crossing if isinstance(r.crossing, str) else None
        if cross and _LEVEL.get(r.status_after, -1) > _LEVEL.get(r.status_before, -1):
            rows.append(
                _alert(
                    "status_up",
                    "high" if r.status_after == "breach" else "medium",
                    "group",
                    r.group_id,
                    r.group_id,
                    f"group {r.group_id} went from {r.status_before} to {r.status_after}: "
                    f"{r.pct_tier1_before}% -> {r.pct_tier1_after}% of Tier 1",
                )
            )
        pct = r.exposure_change_pct
        if (
            r.change == "continued"
            and pct is not None
            and pct is not pd.NA
            and Decimal(pct) > rules.exposure_jump_pct
        ):
            rows.append(
                _alert(
                    "exposure_jump",
                    "high" if r.status_after == "breach" else "medium",
                    "group",
                    r.group_id,
                    r.group_id,
                    f"group {r.group_id}'s exposure rose {pct}% "
                    f"({r.exposure_before} -> {r.exposure_after})",
                )
            )
    # single names (customers in no group) whose status rose
    old_single = _by_id(before.get("single_names"), "customer_id")
    for r in (
        after.get("single_names") if after.get("single_names") is not None else pd.DataFrame()
    ).to_dict("records"):
        was = old_single.get(str(r["customer_id"]), {}).get("status")
        now = r.get("status")
        if isinstance(was, str) and isinstance(now, str) and _LEVEL[now] > _LEVEL[was]:
            rows.append(
                _alert(
                    "status_up",
                    "high" if now == "breach" else "medium",
                    "customer",
                    str(r["customer_id"]),
                    None,
                    f"single name {r['customer_id']} went from {was} to {now}",
                )
            )
    for r in changes.circle_changes.itertuples():
        if r.change == "new":
            rows.append(
                _alert(
                    "new_circle",
                    "medium",
                    "circle",
                    r.circle_id,
                    None,
                    f"new guarantee circle {r.circle_id} of {r.size_after} customers: {r.members}",
                )
            )
    groups_after = _by_id(after.get("exposure_groups"), "group_id")
    for r in changes.member_changes.itertuples():
        if r.change == "joined" and groups_after.get(r.group_id, {}).get("status") == "breach":
            rows.append(
                _alert(
                    "joined_breach",
                    "high",
                    "customer",
                    r.customer_id,
                    r.group_id,
                    f"customer {r.customer_id} joined group {r.group_id}, which is in breach",
                )
            )
    old_member = _member_status(before)
    for (gid, cid), status in _member_status(after).items():
        if _LEVEL.get(status, 0) >= 1 and _LEVEL.get(old_member.get((gid, cid), "ok"), 0) < 1:
            rows.append(
                _alert(
                    "member_large",
                    "high" if status == "breach" else "medium",
                    "customer",
                    cid,
                    gid,
                    f"customer {cid} in group {gid} is itself {status} as a single name",
                )
            )
    for r in changes.cascade_changes.itertuples():
        if (
            r.cascade_after >= rules.cascade_min
            and r.cascade_before > 0
            and r.cascade_after >= 2 * r.cascade_before
        ):
            rows.append(
                _alert(
                    "cascade_doubled",
                    "medium",
                    "customer",
                    r.customer_id,
                    None,
                    f"referrer {r.customer_id}'s cascade grew from {r.cascade_before} to "
                    f"{r.cascade_after} customers",
                )
            )
    frame = pd.DataFrame(rows, columns=["rule", "severity", "subject", "id", "group_id", "detail"])
    order = {"high": 0, "medium": 1}
    frame = frame.sort_values(
        ["severity", "rule", "id"],
        key=lambda s: s.map(order) if s.name == "severity" else s,
        kind="stable",
    ).reset_index(drop=True)
    return frame.astype("object").where(frame.notna(), None).astype("str")


def _member_status(run) -> dict[tuple[str, str], str]:
    m = run.get("group_members")
    if m is None or m.empty or "status" not in m.columns:
        return {}
    return {
        (str(g), str(c)): s
        for g, c, s in zip(m["group_id"], m["customer_id"], m["status"], strict=True)
        if isinstance(s, str)
    }


def _alert(rule, severity, subject, id_, group_id, detail) -> dict:
    return {
        "rule": rule,
        "severity": severity,
        "subject": subject,
        "id": id_,
        "group_id": group_id,
        "detail": detail,
    }
