"""Month over month: a run's stable ids, and what changed since the run before it.

The store keeps every run (:meth:`guanxi.graph.store.GraphStore.runs`). A new run is
compared with the **published** run (the last official one a risk officer filed):

- :func:`stable_ids` gives its groups and circles the ids of the previous run's
  groups and circles they continue (:mod:`guanxi.algorithms.lineage`), renaming them
  in every frame of the run, and returns the lineage events (merges, splits, new,
  gone) to store with it;
- :func:`changes_since` computes the change tables and the alerts
  (:mod:`guanxi.algorithms.changes`), stored with the run too, so the API and the
  report read them instead of recomputing;
- :func:`diff_runs` compares any two stored runs (``guanxi diff``), from their stored
  result sets only.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from guanxi.algorithms.changes import ALERT_RULES, AlertRules, RunChanges, alerts, run_changes
from guanxi.algorithms.lineage import GroupLineage, match_groups
from guanxi.errors import NotFound
from guanxi.graph.store import GraphStore, Result

__all__ = [
    "COMPARED",
    "previous_results",
    "used_ids",
    "stable_ids",
    "changes_since",
    "diff_runs",
    "resolve_run",
]

#: the result sets a comparison reads, by their CSV names
COMPARED = (
    Result.EXPOSURE_GROUPS,
    Result.GROUP_MEMBERS,
    Result.SINGLE_NAMES,
    Result.GUARANTEE_CIRCLES,
    Result.CIRCLE_MEMBERS,
    Result.INFLUENCERS,
    Result.REFERRAL_REACH,
)


def previous_results(store: GraphStore, run_id: str) -> dict[str, pd.DataFrame]:
    """The result sets of stored run ``run_id`` that a comparison reads, by CSV name."""
    return {r.value: store.fetch_results(r, run_id) for r in COMPARED}


def used_ids(store: GraphStore, result: Result, column: str) -> set[str]:
    """Every id of ``column`` in ``result`` over all runs kept (never given to another
    group or circle)."""
    ids: set[str] = set()
    for run_id in store.runs()["run_id"]:
        frame = store.fetch_results(result, run_id)
        if column in frame.columns:
            ids.update(frame[column].dropna().astype(str))
    return ids


def _rename(frames: dict[str, pd.DataFrame], names: Mapping[str, str], column: str,
            which: tuple[str, ...]) -> None:  # fmt: skip
    for name in which:
        if name not in frames:
            continue
        frame = frames[name]
        if column in frame.columns and len(frame):
            frame = frame.copy()
            frame[column] = frame[column].map(lambda v: names.get(v, v)).astype("str")
            frames[name] = frame


def stable_ids(
    frames: dict[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame] | None,
    *,
    used_group_ids: set[str],
    used_circle_ids: set[str],
) -> tuple[GroupLineage, GroupLineage]:
    """Rename this run's groups and circles (in place, in ``frames``) to the ids of the
    previous run's groups and circles they continue; re-sort the frames the way a run
    sorts them; return the two lineages."""
    previous = previous or {}
    weight = None
    members = frames["group_members"]
    if len(members):
        weight = pd.Series(
            [float(x) for x in members["single_name_exposure"].fillna(0)],
            index=members["customer_id"].astype(str).to_numpy(),
        )
    groups = match_groups(
        members,
        previous.get("group_members"),
        key="group_id",
        used_ids=used_group_ids,
        new_weight=weight,
    )
    names = groups.ids.to_dict()
    _rename(frames, names, "group_id",
            ("exposure_groups", "group_members", "group_links", "evidence_paths"))  # fmt: skip
    if len(frames["exposure_groups"]):
        g = frames["exposure_groups"]
        order = sorted(range(len(g)), key=lambda i: (-g["exposure"].iloc[i], g["group_id"].iloc[i]))
        frames["exposure_groups"] = g.take(order).reset_index(drop=True)
    for name, keys in (("group_members", ["group_id", "customer_id"]),
                       ("group_links", ["group_id", "reason", "a", "b"]),
                       ("evidence_paths", ["group_id", "customer_id", "hop"])):  # fmt: skip
        frame = frames.get(name, pd.DataFrame())
        if len(frame):
            frames[name] = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    circles = match_groups(
        frames["guarantee_circles"],
        previous.get("guarantee_circles"),
        key="circle_id",
        used_ids=used_circle_ids,
    )
    names = circles.ids.to_dict()
    _rename(frames, names, "circle_id", ("circle_summary", "guarantee_circles", "circle_cycles"))
    for name, keys in (("circle_summary", ["circle_id"]),
                       ("guarantee_circles", ["circle_id", "customer_id"]),
                       ("circle_cycles", ["circle_id", "cycle_no"])):  # fmt: skip
        frame = frames[name]
        if len(frame):
            frames[name] = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return groups, circles


def changes_since(
    frames: Mapping[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame] | None,
    *,
    group_lineage: pd.DataFrame,
    circle_lineage: pd.DataFrame,
    rules: AlertRules = ALERT_RULES,
) -> tuple[RunChanges, pd.DataFrame]:
    """The change tables and alerts of a run against the previous one (``previous``
    None: a first run, everything new, no alert)."""
    before = previous or {r.value: frames[r.value].iloc[0:0] for r in COMPARED}
    changes = run_changes(
        before, frames, lineage=group_lineage, circle_lineage=circle_lineage, rules=rules
    )
    raised = alerts(changes, before, frames, rules=rules)
    if previous is None:  # a first run: nothing to warn about, everything is new
        raised = raised.iloc[0:0]
    return changes, raised


def resolve_run(store: GraphStore, run_id: str) -> str:
    """A stored run's full id from its id or a unique prefix of it.

    Raises
    ------
    NotFound
        No run, or several, match.
    """
    ids = [r for r in store.runs()["run_id"] if r.startswith(run_id)]
    if run_id in ids:
        return run_id
    if len(ids) != 1:
        raise NotFound(
            f"{'no' if not ids else len(ids)} stored run(s) match {run_id!r}; "
            "guanxi runs lists them"
        )
    return ids[0]


def diff_runs(store: GraphStore, older: str, newer: str) -> tuple[RunChanges, pd.DataFrame]:
    """What changed from stored run ``older`` to stored run ``newer`` (their stored
    results only; ids are stable across runs, so a group has one id in both).

    Each run's lineage relates it to the run published before it. When other official
    runs lie between ``older`` and ``newer``, their lineage is followed too
    (:func:`span_lineage`), so a group that merged away in between is reported as
    merged into the group that holds it in ``newer``, not as gone.
    """
    before = previous_results(store, older)
    after = previous_results(store, newer)
    between = runs_between(store, older, newer)
    lineage = span_lineage(store, between, Result.GROUP_LINEAGE, "group_id", before, after)
    circle_lineage = span_lineage(store, between, Result.CIRCLE_LINEAGE, "circle_id", before, after)
    changes = run_changes(before, after, lineage=lineage, circle_lineage=circle_lineage)
    return changes, alerts(changes, before, after)


def runs_between(store: GraphStore, older: str, newer: str) -> list[str]:
    """The official runs after ``older`` up to ``newer`` (``newer`` last, always), oldest
    first; just ``[newer]`` when ``older`` is not earlier."""
    runs = store.runs()
    ids = runs["run_id"].tolist()
    if older not in ids or newer not in ids or ids.index(older) >= ids.index(newer):
        return [newer]
    inside = runs.iloc[ids.index(older) + 1 : ids.index(newer)]
    return [*inside.loc[inside["kind"] == "official", "run_id"].tolist(), newer]


def span_lineage(
    store: GraphStore,
    runs: list[str],
    result: Result,
    key: str,
    before: Mapping[str, pd.DataFrame],
    after: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """The lineage events from the first of ``runs``' predecessors to the last run.

    One run: its own lineage. Several: merges are chained (X merged into Y, later Y
    into Z: X merged into Z) to the id that holds them in the last run, and a split is
    kept when its group is in the last run and its origin in the first."""
    frames = [store.fetch_results(result, run) for run in runs]
    if len(frames) == 1:
        return frames[0]
    members = "group_members" if key == "group_id" else "guarantee_circles"
    old_ids = set(before[members][key]) if len(before.get(members, [])) else set()
    new_ids = set(after[members][key]) if len(after.get(members, [])) else set()
    into: dict[str, str] = {}
    split_from: dict[str, str] = {}
    for frame in frames:
        for g, e, o in zip(frame[key], frame["event"], frame["other_id"], strict=True):
            if e == "merged" and isinstance(o, str):
                into[o] = str(g)
            elif e == "split" and isinstance(o, str):
                split_from.setdefault(str(g), o)
    rows = []
    for gone in sorted(old_ids - new_ids):
        target, seen = into.get(gone), {gone}
        while target is not None and target not in new_ids and target not in seen:
            seen.add(target)
            target = into.get(target)
        if target in new_ids:
            rows.append({key: target, "event": "merged", "other_id": gone})
    for g, o in sorted(split_from.items()):
        if g in new_ids and g not in old_ids and o in old_ids:
            rows.append({key: g, "event": "split", "other_id": o})
    return pd.DataFrame(rows, columns=[key, "event", "other_id"])
