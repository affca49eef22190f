"""The large-exposure limit presets: thresholds in percent of Tier 1 capital, as data.

Used by the analyses (:func:`guanxi.algorithms.exposure.classify`) and by the reports
that draw the limit lines, so it lives outside the algorithms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from guanxi.errors import ConfigError

__all__ = ["LimitPreset", "PRESETS", "get_preset"]


@dataclass(frozen=True)
class LimitPreset:
    """Large-exposure thresholds, in percent of Tier 1 capital.

    A value *at or above* ``large_pct`` is ``large``; a value *strictly above*
    ``breach_pct`` is ``breach``; anything below ``large_pct`` is ``ok``. Single
    names (a customer in no group) use the ``single_*`` pair, exposure groups the
    ``group_*`` pair.

    Parameters
    ----------
    name : str
        Short name used in configuration (``basel``, ``eu``, ``china``).
    single_large_pct, single_breach_pct : float
        Thresholds for a single name.
    group_large_pct, group_breach_pct : float
        Thresholds for a group of connected clients.
    description : str
        Where the numbers come from.

    Raises
    ------
    ValueError
        If a threshold is not a positive finite number or a ``large`` threshold
        exceeds its ``breach`` threshold.
    """

    name: str
    single_large_pct: Decimal
    single_breach_pct: Decimal
    group_large_pct: Decimal
    group_breach_pct: Decimal
    description: str = ""

    def __post_init__(self) -> None:
        for kind in ("single", "group"):
            for level in ("large", "breach"):
                field = f"{kind}_{level}_pct"
                value = getattr(self, field)
                try:
                    exact = Decimal(str(value))
                except InvalidOperation:
                    exact = Decimal("NaN")
                if isinstance(value, bool) or not exact.is_finite() or exact <= 0:
                    raise ValueError(f"preset {self.name!r}: thresholds must be > 0, got {value!r}")
                object.__setattr__(self, field, exact)
            large = getattr(self, f"{kind}_large_pct")
            breach = getattr(self, f"{kind}_breach_pct")
            if large > breach:
                raise ValueError(
                    f"preset {self.name!r}: {kind} large threshold {large}% is above "
                    f"the breach threshold {breach}%"
                )

    def thresholds(self, *, is_group: bool) -> tuple[Decimal, Decimal]:
        """``(large_pct, breach_pct)`` for a group or a single name."""
        if is_group:
            return self.group_large_pct, self.group_breach_pct
        return self.single_large_pct, self.single_breach_pct


#: The built-in presets. ``basel`` is the default.
#:
#: - ``basel``: Basel large-exposures standard (LEX 20/30, 2014/2019): an exposure at or
#:   above 10 % of Tier 1 is large, the limit is 25 %. Same numbers for single names
#:   and for groups of connected clients.
#: - ``eu``: EU CRR (Articles 392 and 395, as amended by CRR2): large at 10 %, limit
#:   25 % of Tier 1, for single names and groups alike. (The CRR's G-SII-to-G-SII 15 %
#:   limit and the EUR 150m floor for bank counterparties are not modelled.)
#: - ``china``: CBIRC 2018 rules on large exposures (商业银行大额风险暴露管理办法):
#:   large (reported) at 2.5 % of Tier 1 for single names and groups; limit 15 % for a
#:   single non-bank customer and 20 % for a group of connected non-bank customers.
#:   (The 25 % interbank limit is not modelled.)
PRESETS: Mapping[str, LimitPreset] = {
    "basel": LimitPreset(
        "basel",
        "10",
        "25",
        "10",
        "25",
        "Basel large exposures standard: large >= 10%, breach > 25% of Tier 1",
    ),
    "eu": LimitPreset(
        "eu",
        "10",
        "25",
        "10",
        "25",
        "EU CRR Art. 392/395: large >= 10%, breach > 25% of Tier 1",
    ),
    "china": LimitPreset(
        "china",
        "2.5",
        "15",
        "2.5",
        "20",
        "CBIRC 2018: large >= 2.5%; breach > 15% (single name) or > 20% (group) of Tier 1",
    ),
}


def get_preset(preset: str | LimitPreset) -> LimitPreset:
    """The :class:`LimitPreset` named ``preset`` (case-insensitive), or ``preset`` itself.

    Raises
    ------
    ConfigError
        If no preset has that name.
    """
    if isinstance(preset, LimitPreset):
        return preset
    key = str(preset).strip().casefold()
    if key not in PRESETS:
        raise ConfigError(
            f"unknown limit preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}"
        )
    return PRESETS[key]
