"""guanxi.algorithms.churn: who left, the at-risk model worked by hand (ties, weights,
the decay, the horizon), the planted at-risk neighbours of a generated bank ranked
first, and what leaves with a customer."""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from guanxi.algorithms.churn import at_risk, departed_ties, departures, if_leaves
from guanxi.errors import ConfigError, NotFound
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import Entity, canonical_frame
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank

AS_OF = "2026-06-30"


def customers(**closed) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": list(closed),
            "closed_on": list(closed.values()),
            "aum": [str(10 * (i + 1)) for i in range(len(closed))],
        }
    )


def refs(*pairs) -> pd.DataFrame:
    return pd.DataFrame(
        {"referrer_id": [a for a, _ in pairs], "referee_id": [b for _, b in pairs]}, dtype="str"
    )


def homes(**members) -> pd.DataFrame:
    rows = [(h, c) for h, cs in members.items() for c in cs]
    return pd.DataFrame({"household_id": [h for h, _ in rows], "customer_id": [c for _, c in rows]})


def ago(days: int) -> str:
    return date.fromordinal(date.fromisoformat(AS_OF).toordinal() - days).isoformat()


# -- who left -------------------------------------------------------------------------
def test_departures_are_dated_on_or_before_the_analysis_date():
    cust = customers(a=ago(0), b=ago(10), c=None, d=ago(-1))
    left = departures(cust, as_of=AS_OF)
    assert left["customer_id"].tolist() == ["a", "b"]  # d leaves after the analysis date
    assert left["days_ago"].tolist() == [0, 10]
    assert left["source"].tolist() == ["closed_on", "closed_on"]
    with pytest.raises(ConfigError, match="ISO date"):
        departures(cust, as_of="June")


def test_all_accounts_closed_counts_only_when_asked():
    cust = customers(a=None, b=None, c=None, d=None)
    acc = canonical_frame(
        Entity.ACCOUNTS,
        pd.DataFrame(
            {
                "account_id": ["A1", "A2", "B1", "C1", "C2"],
                "customer_id": ["a", "a", "b", "c", "c"],
                "product": ["savings", "loan", "savings", "savings", "current"],
                "status": ["closed", "closed", "open", "closed", "closed"],
            }
        ),
    )
    # c holds, jointly, b's open account: not every account of c is closed
    holders = pd.DataFrame({"account_id": ["B1"], "customer_id": ["c"], "role": ["joint"]})
    assert departures(cust, acc, holders, as_of=AS_OF).empty
    left = departures(cust, acc, holders, as_of=AS_OF, closed_accounts=True)
    assert left["customer_id"].tolist() == ["a"]  # d holds no account at all
    assert left["source"].tolist() == ["accounts_closed"]
    assert left["days_ago"].isna().all() and left["closed_on"].isna().all()


def test_departed_ties_of_every_kind():
    acc = pd.DataFrame({"account_id": ["J1"], "customer_id": ["g"], "product": ["savings"]})
    holders = pd.DataFrame({"account_id": ["J1"], "customer_id": ["x"], "role": ["joint"]})
    ties = departed_ties(
        ["x"],
        referrals=refs(("p", "x"), ("x", "k")),
        households=homes(h1=["x", "s", "t"], h2=["u", "v"]),
        accounts=canonical_frame(Entity.ACCOUNTS, acc),
        account_holders=holders,
    )
    assert ties.values.tolist() == [
        ["g", "x", "joint_holder"],
        ["k", "x", "referrer"],
        ["p", "x", "referee"],
        ["s", "x", "household"],
        ["t", "x", "household"],
    ]


# -- the model, by hand -------------------------------------------------------------
def test_the_decay_halves_every_half_life():
    for days, factor in ((0, 1.0), (45, 2**-0.5), (90, 0.5), (180, 0.25), (360, 0.0625)):
        cust = customers(x=ago(days), a=None)
        risk, _ = at_risk(cust, as_of=AS_OF, households=homes(h=["x", "a"]))
        assert risk["pressure"].tolist() == [pytest.approx(factor)], days
        assert risk["hazard_ratio"].tolist() == [pytest.approx(1.8**factor)], days
    # past the horizon a departure counts no more
    cust = customers(x=ago(366), a=None)
    assert at_risk(cust, as_of=AS_OF, households=homes(h=["x", "a"]))[0].empty
    risk, _ = at_risk(cust, as_of=AS_OF, households=homes(h=["x", "a"]), horizon_days=400)
    assert risk["pressure"].tolist() == [pytest.approx(2 ** (-366 / 90))]


def test_pressure_weights_and_ranking_by_hand():
    cust = customers(x=ago(0), y=ago(90), z=ago(180), a=None, b=None, c=None, d=None)
    r = refs(("x", "a"), ("b", "y"), ("c", "z"))  # a's referrer left; b's and c's referees
    hh = homes(h1=["a", "y"], h2=["d", "z", "x"])
    risk, left = at_risk(cust, as_of=AS_OF, referrals=r, households=hh)
    got = risk.set_index("customer_id")
    # a: referrer x (1.0 fresh) and household y (1.0, half) -> 1.5
    # b: referee y (0.5, half) -> 0.25; c: referee z (0.5, quarter) -> 0.125
    # d: household with z (quarter) and x (fresh) -> 1.25
    expected = {"a": 1.5, "d": 1.25, "b": 0.25, "c": 0.125}
    assert list(got.index) == list(expected)  # highest hazard first
    for cid, pressure in expected.items():
        assert got.loc[cid, "pressure"] == pytest.approx(pressure)
        assert got.loc[cid, "hazard_ratio"] == pytest.approx(1.8**pressure)
    assert got["rank"].tolist() == [1, 2, 3, 4]
    assert got.loc["a", "via"] == "household;referrer" and got.loc["a", "neighbours_left"] == 2
    assert got.loc["a", "departed_ids"] == "x;y" and got.loc["a", "last_left_on"] == ago(0)
    assert got.loc["a", "aum"] == Decimal("40.00")
    # who left is never at risk; how many each departure puts at risk
    assert not set(got.index) & {"x", "y", "z"}
    assert left.set_index("customer_id")["ties"].to_dict() == {"x": 2, "y": 2, "z": 2}
    # other weights and hazard: the same ties, another scale
    risk, _ = at_risk(
        cust,
        as_of=AS_OF,
        referrals=r,
        households=hh,
        weights={"household": 0.0, "referee": 1.0},
        hazard_per_tie=2.0,
    )
    got = risk.set_index("customer_id")
    assert got["pressure"].to_dict() == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.25})
    assert got.loc["a", "hazard_ratio"] == pytest.approx(2.0)


def test_two_ties_to_one_customer_count_once_by_the_strongest():
    cust = customers(x=ago(0), a=None)
    risk, _ = at_risk(cust, as_of=AS_OF, referrals=refs(("a", "x")), households=homes(h=["a", "x"]))
    assert risk["pressure"].tolist() == [pytest.approx(1.0)]  # household 1.0, not 1.0 + 0.5
    assert risk["via"].tolist() == ["household;referee"]


def test_equal_hazards_are_ranked_by_customer_id():
    cust = customers(x=ago(30), b=None, a=None, c=None)
    risk, _ = at_risk(cust, as_of=AS_OF, households=homes(h=["x", "c", "b", "a"]))
    assert risk["customer_id"].tolist() == ["a", "b", "c"]


def test_parameters_out_of_range():
    cust = customers(x=ago(0), a=None)
    for kw in (
        {"hazard_per_tie": 0.9},
        {"half_life_days": 0},
        {"horizon_days": -1},
        {"weights": {"friend": 1.0}},
        {"weights": {"household": -1.0}},
    ):
        with pytest.raises(ConfigError):
            at_risk(cust, as_of=AS_OF, **kw)


def test_nobody_left_nobody_at_risk():
    risk, left = at_risk(customers(a=None, b=None), as_of=AS_OF, referrals=refs(("a", "b")))
    assert risk.empty and left.empty
    assert list(risk.columns)[:4] == ["customer_id", "rank", "hazard_ratio", "pressure"]


# -- the generated bank: the planted neighbours first --------------------------------
@pytest.fixture(scope="module", params=[21, 7])
def generated(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"churn-bank-{request.param}")
    generate_bank(folder, customers=1000, seed=request.param)
    planted = json.loads((folder / "planted.json").read_text(encoding="utf-8"))
    with DuckDBStore(":memory:") as store:
        load_folder(folder, store)
        frames = {e: store.fetch(e) for e in Entity}
    return frames, planted


def _risk(frames, **kw):
    return at_risk(
        frames[Entity.CUSTOMERS],
        as_of=AS_OF,
        referrals=frames[Entity.REFERRALS],
        households=frames[Entity.HOUSEHOLDS],
        accounts=frames[Entity.ACCOUNTS],
        account_holders=frames[Entity.ACCOUNT_HOLDERS],
        **kw,
    )


def test_the_planted_at_risk_neighbours_rank_first(generated):
    frames, planted = generated
    assert planted["as_of"] == AS_OF
    neighbours = {x["customer_id"]: x for x in planted["departures"]["at_risk"]}
    assert neighbours
    risk, left = _risk(frames)
    assert set(risk["customer_id"].head(len(neighbours))) == set(neighbours)
    assert set(left["customer_id"]) == {d["customer_id"] for d in planted["departures"]["departed"]}
    # counting customers whose accounts are all closed (undated: as old as the horizon)
    # adds departures and neighbours, and loses none of the planted ones (but those
    # counted as left themselves)
    more, left = _risk(frames, closed_accounts=True)
    undated = set(left.loc[left["source"] == "accounts_closed", "customer_id"])
    assert undated and set(neighbours) - undated <= set(more["customer_id"])
    assert set(left.loc[left["source"] == "closed_on", "customer_id"]) == {
        d["customer_id"] for d in planted["departures"]["departed"]
    }
    risk, _ = _risk(frames)
    assert len(risk) == len(neighbours)  # nobody else is tied to someone who left
    for row in risk.itertuples():
        want = neighbours[row.customer_id]
        assert row.neighbours_left == want["ties"] and row.via.split(";") == want["via"]
    # the hub whose referees left, with the most ties, has every one of them counted
    hub = planted["departures"]["at_risk"][0]
    assert risk.set_index("customer_id").loc[hub["customer_id"], "neighbours_left"] == hub["ties"]


def test_the_ranking_follows_the_model_on_the_generated_bank(generated):
    """An independent recomputation of every pressure from planted.json's dates and
    plain pandas joins."""
    frames, planted = generated
    closed = {d["customer_id"]: d["closed_on"] for d in planted["departures"]["departed"]}
    weight = {"household": 1.0, "joint_holder": 1.0, "referrer": 1.0, "referee": 0.5}
    pairs: dict[tuple[str, str], float] = {}

    def tie(who, gone, kind):
        if who in closed or who == gone:
            return
        pairs[(who, gone)] = max(pairs.get((who, gone), 0.0), weight[kind])

    for r in frames[Entity.REFERRALS].itertuples():
        if r.referrer_id in closed:
            tie(r.referee_id, r.referrer_id, "referrer")
        if r.referee_id in closed:
            tie(r.referrer_id, r.referee_id, "referee")
    hh = frames[Entity.HOUSEHOLDS]
    for _, members in hh.groupby("household_id")["customer_id"]:
        for gone in set(members) & set(closed):
            for who in members:
                tie(who, gone, "household")
    acc = frames[Entity.ACCOUNTS][["account_id", "customer_id"]]
    holders = pd.concat([acc, frames[Entity.ACCOUNT_HOLDERS][["account_id", "customer_id"]]])
    for _, members in holders.groupby("account_id")["customer_id"]:
        for gone in set(members) & set(closed):
            for who in members:
                tie(who, gone, "joint_holder")
    pressure: dict[str, float] = {}
    for (who, gone), w in pairs.items():
        days = (date.fromisoformat(AS_OF) - date.fromisoformat(closed[gone])).days
        pressure[who] = pressure.get(who, 0.0) + w * 0.5 ** (days / 90)
    risk, _ = _risk(frames)
    got = dict(zip(risk["customer_id"], risk["pressure"], strict=True))
    assert got.keys() == pressure.keys()
    assert all(math.isclose(got[c], pressure[c]) for c in got)
    assert np.all(np.diff(risk["hazard_ratio"].to_numpy()) <= 0)


# -- if this customer leaves ----------------------------------------------------------
def test_if_leaves_by_hand():
    cust = pd.DataFrame(
        {
            "customer_id": ["h", "r1", "r2", "g2", "m", "gone", "both"],
            "aum": ["1", "10.005", "20", None, "5", "99", "3"],
        }
    )
    r = refs(("h", "r1"), ("h", "r2"), ("r2", "g2"), ("r1", "gone"), ("h", "both"))
    hh = homes(H=["h", "m", "gone", "both"], K=["m", "zz"])
    out = if_leaves("h", cust, r, hh, departed=["gone"])
    assert out.exposed["customer_id"].tolist() == ["r2", "r1", "m", "both", "g2"]
    row = out.exposed.set_index("customer_id")
    assert row.loc["both", "via"] == "cascade;household" and row.loc["m", "via"] == "household"
    assert row.loc["g2", "generation"] == 2 and pd.isna(row.loc["m", "generation"])
    assert pd.isna(row.loc["g2", "aum"])
    # 10.005 rounds half up once: 10.01 + 20 + 5 + 3
    assert out.exposed_aum == Decimal("38.01") and out.own_aum == Decimal("1.00")
    assert out.count == 5
    lone = if_leaves("g2", cust, r, hh)
    assert lone.count == 0 and lone.exposed_aum == Decimal("0.00") and lone.own_aum is None
    with pytest.raises(NotFound, match="customer nobody not found"):
        if_leaves("nobody", cust, r, hh)


def test_docstring_examples_run():
    import doctest

    from guanxi.algorithms import churn as module

    found = doctest.testmod(module)
    assert found.attempted > 0 and found.failed == 0
