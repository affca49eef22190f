"""A synthetic bank: the nine contract files, with known structures planted in them.

:func:`generate_bank` writes a folder that follows ``shared/data-contract.md`` exactly
(every row valid), realistic enough to exercise every analysis, and large enough to be
the 1M-customer benchmark input, plus a ``planted.json`` manifest of the structures the
analyses must find (connected-client groups, guarantee circles, referral hubs and deep
cascades, shared contact details, interbank counterparties, economic dependencies,
family control, departures and their at-risk neighbours). With ``months``, it writes
one full extract per month-end, with changes planted between them.

Everything is vectorized numpy / pyarrow; Python loops run only over the planted
structures (a few thousand). The original steps draw from one
``numpy.random.default_rng(seed)``, consumed in a fixed order; each later step from a
generator of its own seeded from the seed and a fixed salt. The same arguments give
the same bytes.

How the package is cut
----------------------
One module per part of the bank, each step a function of the shared
:class:`~.state.BankContext` and of the earlier steps' results:

- :mod:`.vocabulary`: products, segments, regions, names and other words drawn from.
- :mod:`.columns`, :mod:`.draws`: text columns with pyarrow; shared random draws.
- :mod:`.state`: the context every step shares (random stream, dates, reservations).
- :mod:`.people`: customers (persons and companies), profiles, names, the customers file.
- :mod:`.households`: households and ages.
- :mod:`.contacts`: unique contact details, and the planted shared ones.
- :mod:`.planted`: guarantee circles and control groups, and the ``planted.json``
  manifest (which lists what is planted).
- :mod:`.accounts`: accounts and their joint or authorized holders.
- :mod:`.ownership`, :mod:`.guarantees`, :mod:`.referrals`: those files.
- :mod:`.fx`: the exchange rates; :mod:`.newcomers`: customers added after the
  background, for the later structures; :mod:`.capital`: exact exposure, the demo's
  Tier 1 capital and the loans sized against it.
- :mod:`.interbank`, :mod:`.dependencies`, :mod:`.family`, :mod:`.departures`,
  :mod:`.customer_columns`: the structures of the newer contract files.
- :mod:`.monthly`: the month-ends and the changes planted between them.
- :mod:`.build`: the order of the steps; :mod:`.writing`: CSV/Parquet files written
  atomically; :mod:`.generate`: :func:`generate_bank`.

This package re-exports the public API only.
"""

from guanxi.loaders.synthetic.generate import (
    FORMATS,
    MAX_MONTHS,
    MIN_CUSTOMERS,
    MIN_MONTHLY_CUSTOMERS,
    PLANTED_NAME,
    GenerationSummary,
    ProgressCallback,
    generate_bank,
)

__all__ = [
    "FORMATS",
    "MAX_MONTHS",
    "MIN_CUSTOMERS",
    "MIN_MONTHLY_CUSTOMERS",
    "PLANTED_NAME",
    "GenerationSummary",
    "ProgressCallback",
    "generate_bank",
]
