"""Stable group ids across runs (algorithms/lineage.py): the overlap rule, case by case,
and properties that must hold for any pair of runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guanxi.algorithms.lineage import EVENTS, match_groups


def members(groups: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(g, c) for g, cs in groups.items() for c in cs]
    return pd.DataFrame(rows, columns=["group_id", "customer_id"]).astype("str")


def provisional(groups: list[list[str]]) -> pd.DataFrame:
    """New groups named as a run names them: by their smallest customer_id."""
    return members({min(g): g for g in groups})


def events(lineage) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in lineage.events[["group_id", "event", "other_id"]].values]


def test_a_first_run_keeps_the_smallest_member_ids():
    out = match_groups(provisional([["B", "C"], ["A", "D"]]), None)
    assert out.ids.to_dict() == {"A": "A", "B": "B"}
    assert events(out) == [("A", "new", ""), ("B", "new", "")]


def test_an_unchanged_group_keeps_its_id():
    old = members({"X": ["A", "B"]})
    out = match_groups(provisional([["A", "B"]]), old)
    assert out.ids.to_dict() == {"A": "X"}
    assert events(out) == [("X", "continued", "X")]


def test_a_group_that_gains_a_smaller_member_keeps_its_id():
    # the bug this prevents: one new ownership row renamed group 00000341 to 00000213
    old = members({"00000341": ["00000341", "00000400", "00000500"]})
    out = match_groups(provisional([["00000213", "00000341", "00000400", "00000500"]]), old)
    assert out.ids.to_dict() == {"00000213": "00000341"}


def test_a_group_that_loses_its_smallest_member_keeps_its_id():
    old = members({"A": ["A", "B", "C"]})
    out = match_groups(provisional([["B", "C"]]), old)
    assert out.ids.to_dict() == {"B": "A"}


def test_a_merge_keeps_the_larger_groups_id_and_records_the_other():
    old = members({"A": ["A", "B"], "D": ["D", "E", "F"]})
    out = match_groups(provisional([["A", "B", "D", "E", "F"]]), old)
    assert out.ids.to_dict() == {"A": "D"}
    assert events(out) == [("D", "continued", "D"), ("D", "merged", "A")]


def test_a_split_keeps_the_id_on_the_larger_part_and_gives_the_other_its_own():
    old = members({"A": ["A", "B", "C", "D", "E"]})
    out = match_groups(provisional([["A", "B"], ["C", "D", "E"]]), old)
    # the larger part keeps "A"; the part holding A itself cannot reuse "A"
    assert out.ids.to_dict() == {"A": "A-2", "C": "A"}
    assert events(out) == [("A", "continued", "A"), ("A-2", "split", "A")]


def test_a_gone_group_is_recorded_and_its_id_never_reused():
    old = members({"A": ["A", "B"]})
    out = match_groups(provisional([["C", "D"]]), old, used_ids=["C"])
    assert out.ids.to_dict() == {"C": "C-2"}
    assert ("A", "gone", "") in events(out)
    assert ("C-2", "new", "") in events(out)


def test_ties_are_broken_by_weight_then_by_id():
    old = members({"A": ["A", "B"], "C": ["C", "D"]})
    new = provisional([["A", "B", "C", "D"]])
    plain = match_groups(new, old)
    assert plain.ids.to_dict() == {"A": "A"}  # equal overlap: the smaller id
    weighted = match_groups(new, old, new_weight=pd.Series({"C": 10.0, "D": 5.0}))
    assert weighted.ids.to_dict() == {"A": "C"}  # the heavier overlap


def test_rename_replaces_provisional_ids():
    old = members({"X": ["A", "B"]})
    out = match_groups(provisional([["A", "B"], ["C", "D"]]), old)
    frame = pd.DataFrame({"group_id": ["A", "C"], "size": [2, 2]})
    assert out.rename(frame, "group_id")["group_id"].tolist() == ["X", "C"]


@pytest.mark.parametrize("seed", range(20))
def test_ids_are_unique_and_every_old_group_is_accounted_for(seed):
    rng = np.random.default_rng(seed)
    customers = [f"{i:03d}" for i in range(60)]

    def random_groups() -> list[list[str]]:
        chosen = rng.permutation(customers)[: rng.integers(10, 60)]
        cuts = np.sort(
            rng.choice(np.arange(1, len(chosen)), size=rng.integers(1, 8), replace=False)
        )
        return [list(g) for g in np.split(chosen, cuts) if len(g) >= 2]

    old = members({min(g): g for g in random_groups()})
    out = match_groups(provisional(random_groups()), old, used_ids=["999"])
    assert out.ids.is_unique
    assert "999" not in set(out.ids)
    # an old id is used again only by the group that continues it
    continued = out.events[out.events["event"] == "continued"]
    assert set(out.ids) & set(old["group_id"]) == set(continued["group_id"])
    # every old group is continued, merged into a new one, or gone; exactly once
    old_events = out.events[out.events["event"].isin(["continued", "merged", "gone"])]
    seen = old_events["other_id"].where(old_events["event"] != "gone", old_events["group_id"])
    assert sorted(seen) == sorted(set(old["group_id"]))
    assert set(out.events["event"]) <= set(EVENTS)
