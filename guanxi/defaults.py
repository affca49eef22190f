"""Every option default, defined once.

The CLI, the settings, the analysis options and the API import their defaults from
here, so the same question asked through any of them gets the same answer (campaign
seeds used to be drawn with 1,000 simulations in the CLI, 200 in the API and 500 in
``guanxi analyze``, and differed).
"""

from __future__ import annotations

__all__ = [
    "PRESET",
    "CCF",
    "MAX_CYCLES",
    "SEEDS_K",
    "SEED_SIMULATIONS",
    "SEED",
    "PAGERANK_ALPHA",
    "PAGERANK_TOL",
    "KEEP_RUNS",
    "REPORTING_CURRENCY",
    "VALUE_CREDIT_MARGIN",
    "REFERRAL_VALUE_DISCOUNT",
    "VALUE_TIERS",
    "QUADRANT_SPLIT",
    "CHURN_HAZARD_PER_TIE",
    "CHURN_HALF_LIFE_DAYS",
    "CHURN_HORIZON_DAYS",
    "CHURN_TIE_WEIGHTS",
    "CHURN_CLOSED_ACCOUNTS",
    "HUB_TOP",
    "BANK_IS_GSIB",
    "CONTAGION_THRESHOLD",
    "CHAIN_HOPS",
    "CHAIN_EDGES",
]

#: large-exposure limit preset (``algorithms.exposure.PRESETS``)
PRESET = "basel"
#: credit conversion factor of an account whose row gives none
CCF = "1"
#: simple cycles listed per guarantee circle
MAX_CYCLES = 100
#: campaign seeds picked by ``guanxi analyze``
SEEDS_K = 10
#: Monte Carlo runs per influence estimate (analyze, ``guanxi seeds`` and the API)
SEED_SIMULATIONS = 500
#: randomness of communities and campaign seeds
SEED = 0
#: PageRank damping and stopping tolerance (L1 change, not scaled by N)
PAGERANK_ALPHA = 0.85
PAGERANK_TOL = 1e-10
#: analysis runs kept in a store (the published run is always kept)
KEEP_RUNS = 24
#: the currency every amount is converted to before it is summed
REPORTING_CURRENCY = "CNY"

# -- marketer depth (issue 17): value tiers, churn along relationships, portfolios -----
#: credit revenue proxy of a customer's own value: this fraction of their drawn credit
#: (a year's net interest margin on it), added to their AUM and deposits
#: (:mod:`guanxi.algorithms.value`)
VALUE_CREDIT_MARGIN = "0.03"
#: weight of each further generation in a customer's referral value: a direct
#: referee's own value counts whole, a second-generation one half, a third a quarter
REFERRAL_VALUE_DISCOUNT = "0.5"
#: A/B/C tiers on own + referral value: ``quantile:A,B`` (A the top A share of the
#: valued customers, B the next B share, C the rest) or ``value:A,B`` (A from amount
#: A up, B from amount B up, in the reporting currency)
VALUE_TIERS = "quantile:0.10,0.30"
#: the own x referral quadrants: "high" is strictly above this quantile (the median)
QUADRANT_SPLIT = "0.5"
#: hazard multiplier of one tie to a customer who just left (Nitzan & Libai 2011:
#: about +80 % defection hazard after a neighbour's defection)
CHURN_HAZARD_PER_TIE = 1.8
#: the effect of a departure halves every this many days
CHURN_HALF_LIFE_DAYS = 90
#: departures longer ago than this count no more
CHURN_HORIZON_DAYS = 365
#: weight of each kind of tie to a customer who left (``algorithms.churn``)
CHURN_TIE_WEIGHTS = {"household": 1.0, "joint_holder": 1.0, "referrer": 1.0, "referee": 0.5}
#: whether a customer without ``closed_on`` whose accounts are all closed counts as left
CHURN_CLOSED_ACCOUNTS = False
#: a "hub" of a relationship manager's portfolio: a customer ranked this high or better
#: among the referral influencers
HUB_TOP = 100

# -- risk officer depth (issue 16) -----------------------------------------------------
#: whether the reporting bank is a G-SIB: the G-SIB line (15 % between G-SIBs, Basel
#: LEX40.1, CRR Art. 395(1)) applies to G-SIB counterparties (``algorithms.limits``)
BANK_IS_GSIB = True
#: a guarantor defaults when the guarantees called exceed this share of its net assets
#: (``algorithms.contagion``)
CONTAGION_THRESHOLD = "1"
#: how many guarantees away from a circle its chains are followed (``circle_chains``)
CHAIN_HOPS = 2
#: most chain guarantees listed per circle and direction
CHAIN_EDGES = 200
