"""Stable ids across runs: which group (or circle) of this run is the same one as a
group of the previous run, and what merged and split.

A run finds its groups afresh, each named by its smallest ``customer_id``. Without
this step one new ownership row could rename group 00000341 to 00000213, and a risk
officer comparing two months would see one group vanish and another appear. This
module gives each new group the id of the previous group it continues, by an overlap
rule, and records the merges and splits with both ids.

The overlap rule
----------------
Groups are compared by shared members (customers in both). For an old group ``o``
its *heir* is the new group holding most of ``o``'s members; for a new group ``n``
its *origin* is the old group most of ``n``'s members came from (ties: the larger
overlap of exposure when given, then the smaller id, so the result repeats).

- ``n`` **continues** ``o`` (keeps ``o``'s id) when ``o`` is ``n``'s origin and ``n``
  is ``o``'s heir: a group that gained or lost a few members keeps its id.
- Another old group whose heir is ``n`` but which is not ``n``'s origin was
  **merged** into ``n`` (event ``merged`` on ``n``, with the old id).
- A new group whose origin is ``o`` but which is not ``o``'s heir **split** off
  ``o`` (event ``split`` on the new group, with the old id) and gets an id of its own.
- A new group sharing no member with any old group is **new**; an old group sharing
  no member with any new group is **gone** (its members left or no longer linked).

A new group's own id is its smallest ``customer_id`` (as on a first run), unless an
id already used by another group, in this run or any earlier run kept, would be
repeated: then ``-2``, ``-3``, ... is appended, so an id never names two different
groups.

Choices where the contract is silent
------------------------------------
- Overlap counts members, not exposure (membership is what makes a group; exposure
  moves with balances every month). Exposure only breaks ties.
- A continued group keeps its id even when its smallest member left it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["GroupLineage", "match_groups", "EVENTS"]

#: the events recorded in :attr:`GroupLineage.events`
EVENTS = ("continued", "new", "gone", "merged", "split")


class GroupLineage:
    """The outcome of :func:`match_groups`.

    Attributes
    ----------
    ids : pandas.Series
        The final id of each new group, indexed by its provisional id.
    events : pandas.DataFrame
        One row per event: ``group_id`` (the id in this run, or the old id for
        ``gone``), ``event`` (:data:`EVENTS`), ``other_id`` (the old group continued,
        merged in or split off; empty for new and gone) and ``shared_members``.
    """

    def __init__(self, ids: pd.Series, events: pd.DataFrame):
        self.ids = ids
        self.events = events

    def rename(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """``frame`` with its provisional ids in ``column`` replaced by the final ones."""
        out = frame.copy()
        out[column] = out[column].map(self.ids).astype("str")
        return out


def match_groups(
    new_members: pd.DataFrame,
    old_members: pd.DataFrame | None,
    *,
    key: str = "group_id",
    used_ids: Iterable[str] = (),
    new_weight: pd.Series | None = None,
) -> GroupLineage:
    """Give each new group a stable id, by the overlap rule of this module.

    Parameters
    ----------
    new_members : DataFrame
        ``key`` (the provisional id: the group's smallest customer_id) and
        ``customer_id``, one row per member of a group of this run.
    old_members : DataFrame or None
        The same for the previous run (final ids); None or empty on a first run.
    key : str
        The id column (``group_id`` or ``circle_id``).
    used_ids : iterable of str
        Every id used by a group in runs kept so far (never given to another group).
    new_weight : Series, optional
        A weight per customer (exposure) used to break ties between overlaps.

    Returns
    -------
    GroupLineage

    Examples
    --------
    >>> old = pd.DataFrame({"group_id": ["A", "A", "D", "D"], "customer_id": ["A", "B", "D", "E"]})
    >>> new = pd.DataFrame({"group_id": ["A", "A", "A", "A", "A"],
    ...                     "customer_id": ["A", "B", "C", "D", "E"]})
    >>> out = match_groups(new, old)
    >>> out.ids.to_dict()
    {'A': 'A'}
    >>> out.events[["group_id", "event", "other_id"]].values.tolist()
    [['A', 'continued', 'A'], ['A', 'merged', 'D']]
    """
    new = new_members[[key, "customer_id"]].astype("str")
    provisional = sorted(new[key].unique())
    if old_members is None or old_members.empty:
        old = pd.DataFrame(
            {key: pd.Series([], dtype="str"), "customer_id": pd.Series([], dtype="str")}
        )
    else:
        old = old_members[[key, "customer_id"]].astype("str")
    used = set(map(str, used_ids)) | set(old[key])
    weight = new_weight if new_weight is not None else None

    both = new.merge(old, on="customer_id", suffixes=("_new", "_old"))
    pairs = both.groupby([f"{key}_new", f"{key}_old"]).size().rename("shared").reset_index()
    if weight is not None and len(both):
        w = both["customer_id"].map(weight).fillna(0).astype(float)
        pairs = pairs.merge(
            both.assign(_w=w)
            .groupby([f"{key}_new", f"{key}_old"])["_w"]
            .sum()
            .rename("weight")
            .reset_index(),
            on=[f"{key}_new", f"{key}_old"],
        )
    else:
        pairs["weight"] = 0.0
    order = ["shared", "weight"]
    # origin of each new group, heir of each old group (ties: larger weight, smaller id)
    origin = (
        pairs.sort_values(order + [f"{key}_old"], ascending=[False, False, True], kind="stable")
        .drop_duplicates(f"{key}_new")
        .set_index(f"{key}_new")
    )
    heir = (
        pairs.sort_values(order + [f"{key}_new"], ascending=[False, False, True], kind="stable")
        .drop_duplicates(f"{key}_old")
        .set_index(f"{key}_old")
    )

    final: dict[str, str] = {}
    events: list[tuple[str, str, str, int]] = []
    continued: set[str] = set()
    for n in provisional:
        if n in origin.index:
            o = origin.at[n, f"{key}_old"]
            if heir.at[o, f"{key}_new"] == n:
                final[n] = o
                continued.add(o)
                events.append((o, "continued", o, int(origin.at[n, "shared"])))
    taken = set(final.values())
    for n in provisional:
        if n in final:
            continue
        candidate, k = n, 1
        while candidate in used or candidate in taken:
            k += 1
            candidate = f"{n}-{k}"
        final[n] = candidate
        taken.add(candidate)
        if n in origin.index:
            o = origin.at[n, f"{key}_old"]
            events.append((candidate, "split", o, int(origin.at[n, "shared"])))
        else:
            events.append((candidate, "new", "", 0))
    for o in sorted(set(old[key])):
        if o in continued:
            continue
        if o in heir.index:
            n = heir.at[o, f"{key}_new"]
            if origin.at[n, f"{key}_old"] != o:
                events.append((final[n], "merged", o, int(heir.at[o, "shared"])))
            # else: o's heir took o's id (continued) - handled above
        else:
            events.append((o, "gone", "", 0))
    frame = pd.DataFrame(events, columns=[key, "event", "other_id", "shared_members"])
    rank = {e: i for i, e in enumerate(EVENTS)}
    frame = frame.sort_values(
        [key, "event", "other_id"], key=lambda s: s.map(rank) if s.name == "event" else s
    ).reset_index(drop=True)
    for column in (key, "event", "other_id"):
        frame[column] = frame[column].astype("str")
    frame["shared_members"] = frame["shared_members"].astype("int64")
    ids = pd.Series(final, dtype="str").reindex(provisional)
    ids.index = ids.index.astype("str")
    return GroupLineage(ids, frame)
