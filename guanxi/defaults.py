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
