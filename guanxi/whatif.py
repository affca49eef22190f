"""The guarantee-contagion what-if on a bank's data, as a pure function: the guarantee
network of the data (:func:`guanxi.algorithms.contagion.guarantee_network`) with the
options of a run, and the simulation from the customers assumed to default
(:func:`~guanxi.algorithms.contagion.simulate_defaults`). Nothing is written.

The read model (``POST /api/v1/whatif/default``) imports this module inside the
function that answers, so serving the published run loads no algorithm until a what-if
is asked for; the network is built once per snapshot and kept with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from guanxi import defaults
from guanxi.algorithms.contagion import Contagion, GuaranteeNetwork, guarantee_network
from guanxi.algorithms.contagion import simulate_defaults as _simulate
from guanxi.graph.schema import Entity
from guanxi.money import Reporting

__all__ = ["network_of", "simulate_defaults"]


def network_of(
    frames: Mapping[Entity, pd.DataFrame],
    *,
    as_of: Any,
    ccf_default: Any = None,
    reporting_currency: str | None = None,
) -> GuaranteeNetwork:
    """The guarantee network of canonical ``frames`` (customers, accounts, account
    holders, guarantees, fx_rates): guarantees valid on ``as_of``, amounts converted
    into ``reporting_currency`` (default: the settings' default) as an analysis
    converts them.

    Raises
    ------
    ConfigError
        A date that does not parse, a ``ccf_default`` outside 0..1, or a currency
        without a rate.
    """
    reporting = Reporting.of(
        reporting_currency or defaults.REPORTING_CURRENCY, frames.get(Entity.FX_RATES)
    )
    return guarantee_network(
        frames.get(Entity.CUSTOMERS),
        frames.get(Entity.ACCOUNTS),
        frames.get(Entity.ACCOUNT_HOLDERS),
        frames.get(Entity.GUARANTEES),
        as_of=as_of,
        ccf_default=ccf_default or defaults.CCF,
        reporting=reporting,
    )


def simulate_defaults(
    network: GuaranteeNetwork,
    customer_ids: Iterable[str],
    *,
    threshold: Any = defaults.CONTAGION_THRESHOLD,
    assume_default_without_net_assets: bool = False,
) -> Contagion:
    """:func:`guanxi.algorithms.contagion.simulate_defaults` on ``network``.

    Raises
    ------
    NotFound
        An id is not a customer of the network.
    ConfigError
        No id, or a threshold that is not a positive share.
    """
    return _simulate(
        network,
        customer_ids,
        threshold=threshold,
        assume_default_without_net_assets=assume_default_without_net_assets,
    )
