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
- ``sparse``: id indexing, CSR construction, weak and strong components
- ``neighbourhood``: a node's neighbourhood by hops over a CSR adjacency, induced edges

The functions ``communities.communities`` and ``pagerank.pagerank`` are not re-exported
here: their names would hide the modules of the same name.
"""

from guanxi.algorithms.circles import guarantee_circles
from guanxi.algorithms.communities import social_edges
from guanxi.algorithms.exposure import PRESETS, classify, single_name_exposure
from guanxi.algorithms.groups import connected_client_links, exposure_groups, single_names
from guanxi.algorithms.households import household_summary
from guanxi.algorithms.influence import influencers
from guanxi.algorithms.neighbourhood import hop_neighbourhood, induced_edges
from guanxi.algorithms.referrals import cascade_tree, k_factor_by_cohort, referral_reach
from guanxi.algorithms.seeds import campaign_seeds
from guanxi.algorithms.suspected import suspected_links

__all__ = [
    "PRESETS",
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
