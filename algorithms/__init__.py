"""Graph algorithms: pure functions on pandas frames and scipy sparse matrices.

No module here imports a store: callers pass canonical frames (see
``guanxi.graph.schema``) and get frames back. One topic per module:

- ``exposure``: account and single-name exposure, limit presets and classification
- ``groups``: connected-client links (with reasons) and exposure groups
- ``circles``: guarantee circles and the cycles inside them
- ``households``: household members, deposits and exposure
- ``suspected``: customers sharing contact details
- ``referrals``: referral reach, k-factor by cohort, one customer's cascade
- ``pagerank`` / ``influence``: sparse PageRank and the referral-aware influence score
- ``seeds``: campaign seeds by CELF under the independent cascade model
- ``communities``: social edges and Leiden communities
- ``value``: own and referral value, A/B/C tiers, the own x referral quadrants
- ``churn``: who left, customers at risk along relationships, what leaves with a customer
- ``profiles``: community profiles and relationship managers' portfolios
- ``sparse``: id indexing, CSR construction, weak and strong components
- ``neighbourhood``: a node's neighbourhood by hops over a CSR adjacency, induced edges

The functions ``communities.communities`` and ``pagerank.pagerank`` are not re-exported
here: their names would hide the modules of the same name. The re-exports are lazy
(imported on first use).
"""

import importlib

#: public name -> the module it lives in; imported on first use, so importing one
#: topic (the read model's neighbourhood search) does not load every algorithm
_HOMES = {
    "PRESETS": "exposure",
    "at_risk": "churn",
    "community_profiles": "profiles",
    "if_leaves": "churn",
    "rm_portfolios": "profiles",
    "value_tiers": "value",
    "campaign_seeds": "seeds",
    "cascade_tree": "referrals",
    "classify": "exposure",
    "connected_client_links": "groups",
    "exposure_groups": "groups",
    "guarantee_circles": "circles",
    "hop_neighbourhood": "neighbourhood",
    "household_summary": "households",
    "induced_edges": "neighbourhood",
    "influencers": "influence",
    "k_factor_by_cohort": "referrals",
    "referral_reach": "referrals",
    "single_name_exposure": "exposure",
    "single_names": "groups",
    "social_edges": "communities",
    "suspected_links": "suspected",
}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"guanxi.algorithms.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'guanxi.algorithms' has no attribute {name!r}")


__all__ = [
    "PRESETS",
    "at_risk",
    "community_profiles",
    "if_leaves",
    "rm_portfolios",
    "value_tiers",
    "campaign_seeds",
    "cascade_tree",
    "classify",
    "connected_client_links",
    "exposure_groups",
    "guarantee_circles",
    "hop_neighbourhood",
    "household_summary",
    "induced_edges",
    "influencers",
    "k_factor_by_cohort",
    "referral_reach",
    "single_name_exposure",
    "single_names",
    "social_edges",
    "suspected_links",
]
