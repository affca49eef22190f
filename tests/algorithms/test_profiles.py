"""guanxi.algorithms.profiles: community profiles and relationship managers' portfolios,
worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from guanxi.algorithms.profiles import community_profiles, rm_portfolios
from guanxi.errors import ConfigError

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e", "f", "g"],
        "segment": ["mass", "Private", "mass", "sme", None, "mass", "mass"],
        "region": ["Wuhan", "Wuhan", "Xi'an", "Xi'an", "Xi'an", "Wuhan", "Wuhan"],
        "rm_id": ["R2", "R1", "R1", None, "R2", "R1", "R1"],
        "aum": ["1.005", "2", None, "4", "5", "6", "7"],
    }
)
MEMBERS = pd.DataFrame(
    {"customer_id": list("abcdefg"), "community_id": ["a", "a", "a", "a", "e", "e", "e"]}
)
INFLUENCERS = pd.DataFrame({"customer_id": ["f", "c", "b"], "rank": [1, 2, 3]})
TIERS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "tier": ["A", "B", "C", "C", "A", "B"],
        "quadrant": ["champion", "advocate", "miser", "miser", "affluent", "advocate"],
    }
)
RISK = pd.DataFrame({"customer_id": ["d", "a", "f"], "rank": [1, 2, 3]})


def test_community_profiles_by_hand():
    out = community_profiles(
        MEMBERS, CUSTOMERS, departed=["g"], influencers=INFLUENCERS, tiers=TIERS, risk=RISK
    )
    assert out["community_id"].tolist() == ["a", "e"]  # largest first, then by id
    a = out.iloc[0].to_dict()
    assert (a["size"], a["active"], a["departed"]) == (4, 4, 0)
    assert a["aum"] == Decimal("7.01")  # 1.01 (half up once) + 2 + missing + 4
    assert a["segments"] == "mass:2;Private:1;sme:1"  # most first, then by value
    assert a["regions"] == "Wuhan:2;Xi'an:2"  # a tie: by value
    assert a["top_influencer"] == "c" and a["top_influencer_rank"] == 2
    assert a["rms"] == "R1:2;R2:1"  # d has no manager
    assert (a["tier_a"], a["tier_b"], a["tier_c"], a["at_risk"]) == (1, 1, 2, 2)
    e = out.iloc[1].to_dict()
    # g left: counted as departed, not in active or aum
    assert (e["size"], e["active"], e["departed"]) == (3, 2, 1)
    assert e["aum"] == Decimal("11.00")
    assert e["top_influencer"] == "f" and e["top_influencer_rank"] == 1
    assert (e["tier_a"], e["tier_b"], e["tier_c"], e["at_risk"]) == (1, 1, 0, 1)


def test_a_community_without_influencers():
    out = community_profiles(MEMBERS.iloc[:2], CUSTOMERS)
    assert pd.isna(out["top_influencer"].iat[0]) and pd.isna(out["top_influencer_rank"].iat[0])
    assert out["tier_a"].tolist() == [0] and out["at_risk"].tolist() == [0]


def test_rm_portfolios_by_hand():
    out = rm_portfolios(
        CUSTOMERS,
        departed=["g"],
        influencers=INFLUENCERS,
        tiers=TIERS,
        risk=RISK,
        hub_top=2,
    )
    assert out["rm_id"].tolist() == ["R1", "R2"]  # largest aum first
    r1 = out.iloc[0].to_dict()
    assert (r1["customers"], r1["departed"]) == (3, 1)  # b, c, f; g left
    assert r1["aum"] == Decimal("8.00")
    assert r1["hubs"] == 2  # f (rank 1) and c (rank 2); b is rank 3
    assert (r1["tier_a"], r1["tier_b"], r1["tier_c"]) == (0, 2, 1)
    assert (r1["champions"], r1["advocates"]) == (0, 2)
    assert (r1["at_risk"], r1["at_risk_aum"], r1["top_at_risk"]) == (1, Decimal("6.00"), "f")
    r2 = out.iloc[1].to_dict()
    assert r2["aum"] == Decimal("6.01") and r2["top_at_risk"] == "a"
    assert out.attrs["unassigned"] == 1  # d
    two = rm_portfolios(
        CUSTOMERS,
        risk=pd.DataFrame({"customer_id": ["f", "b", "c"], "rank": [3, 1, 2]}),
        top_at_risk=2,
    )
    assert two.set_index("rm_id").loc["R1", "top_at_risk"] == "b;c"  # most at risk first
    for bad in ({"hub_top": 0}, {"top_at_risk": -1}):
        with pytest.raises(ConfigError):
            rm_portfolios(CUSTOMERS, **bad)


def test_no_relationship_manager_no_portfolio():
    out = rm_portfolios(CUSTOMERS.drop(columns="rm_id"))
    assert out.empty and out.attrs["unassigned"] == 7


def test_docstring_examples_run():
    import doctest

    from guanxi.algorithms import profiles as module

    found = doctest.testmod(module)
    assert found.attempted > 0 and found.failed == 0
