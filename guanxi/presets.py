"""The large-exposure limit presets: thresholds in percent of Tier 1 capital, as data.

Used by the analyses (:func:`guanxi.algorithms.exposure.classify`,
:func:`guanxi.algorithms.limits.limit_check`) and by the reports that draw the limit
lines, so it lives outside the algorithms.

A preset also says which connected-client rules apply beyond the default set
(``family_control``: the China 2010 close-family criterion) and from which single-name
exposure a bank must review its customers' economic dependencies
(``dependency_review_pct``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from guanxi.errors import ConfigError

__all__ = ["Counterparty", "LimitPreset", "PRESETS", "get_preset", "LINK_REASON_CLAUSES"]


class Counterparty(StrEnum):
    """Which limit family a counterparty (or a group) falls in.

    ``non_bank``: every customer whose ``kind`` is not ``bank``; ``bank``: an interbank
    counterparty (``kind`` bank); ``gsib``: a bank whose ``gsib`` flag is ``true``.
    """

    NON_BANK = "non_bank"
    BANK = "bank"
    GSIB = "gsib"


def _exact(name: str, field: str, value) -> Decimal:
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        exact = Decimal("NaN")
    if isinstance(value, bool) or not exact.is_finite() or exact <= 0:
        raise ValueError(f"preset {name!r}: {field} must be > 0, got {value!r}")
    return exact


@dataclass(frozen=True)
class LimitPreset:
    """Large-exposure thresholds, in percent of Tier 1 capital.

    A value *at or above* a ``large`` threshold is ``large``; a value *strictly above*
    a ``breach`` threshold is ``breach``; anything below the large threshold is
    ``ok``. Single names use the ``single_*`` pair, exposure groups the ``group_*``
    pair, interbank counterparties (customers of ``kind`` bank, and groups made of
    banks only) the ``interbank_*`` pair, and G-SIB counterparties the
    ``gsib_breach_pct`` limit when the preset has one and the reporting bank is
    itself a G-SIB (:meth:`thresholds`).

    Parameters
    ----------
    name : str
        Short name used in configuration (``basel``, ``eu``, ``china``).
    single_large_pct, single_breach_pct : Decimal, int or str
        Thresholds for a single name.
    group_large_pct, group_breach_pct : Decimal, int or str
        Thresholds for a group of connected clients.
    description : str
        Where the numbers come from.
    interbank_large_pct, interbank_breach_pct : Decimal, int, str or None
        Thresholds for a bank counterparty; None: the single-name ones.
    gsib_breach_pct : Decimal, int, str or None
        The limit between G-SIBs (None: no such line; a G-SIB takes the interbank
        thresholds).
    family_control : bool
        Companies controlled by members of one household form one group (link
        reason ``family_control``).
    dependency_review_pct : Decimal, int or str
        A customer whose single-name exposure is at or above this share of Tier 1 has
        its economic dependencies listed for review.

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
    interbank_large_pct: Decimal | None = None
    interbank_breach_pct: Decimal | None = None
    gsib_breach_pct: Decimal | None = None
    family_control: bool = False
    dependency_review_pct: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        if self.interbank_large_pct is None:
            object.__setattr__(self, "interbank_large_pct", self.single_large_pct)
        if self.interbank_breach_pct is None:
            object.__setattr__(self, "interbank_breach_pct", self.single_breach_pct)
        for kind in ("single", "group", "interbank"):
            for level in ("large", "breach"):
                field = f"{kind}_{level}_pct"
                object.__setattr__(self, field, _exact(self.name, field, getattr(self, field)))
            large = getattr(self, f"{kind}_large_pct")
            breach = getattr(self, f"{kind}_breach_pct")
            if large > breach:
                raise ValueError(
                    f"preset {self.name!r}: {kind} large threshold {large}% is above "
                    f"the breach threshold {breach}%"
                )
        if self.gsib_breach_pct is not None:
            gsib = _exact(self.name, "gsib_breach_pct", self.gsib_breach_pct)
            if self.interbank_large_pct > gsib:
                raise ValueError(
                    f"preset {self.name!r}: interbank large threshold "
                    f"{self.interbank_large_pct}% is above the G-SIB limit {gsib}%"
                )
            object.__setattr__(self, "gsib_breach_pct", gsib)
        object.__setattr__(
            self,
            "dependency_review_pct",
            _exact(self.name, "dependency_review_pct", self.dependency_review_pct),
        )
        if not isinstance(self.family_control, bool):
            raise ValueError(f"preset {self.name!r}: family_control must be True or False")

    def thresholds(
        self,
        *,
        is_group: bool,
        counterparty: Counterparty | str = Counterparty.NON_BANK,
        bank_is_gsib: bool = True,
    ) -> tuple[Decimal, Decimal]:
        """``(large_pct, breach_pct)`` for a group or a single name of a counterparty
        class.

        Parameters
        ----------
        is_group : bool
            A group of connected clients (True) or a single name.
        counterparty : Counterparty or str, default ``non_bank``
            ``bank`` and ``gsib`` take the interbank pair, for a single bank and for a
            group of banks alike; ``gsib`` takes the G-SIB limit as its breach line
            when the preset has one and ``bank_is_gsib``.
        bank_is_gsib : bool, default True
            Whether the reporting bank is itself a G-SIB (the G-SIB line applies
            between G-SIBs only). The default applies it to every G-SIB counterparty.

        Examples
        --------
        >>> [str(x) for x in PRESETS["basel"].thresholds(is_group=False, counterparty="gsib")]
        ['10', '15']
        >>> [str(x) for x in PRESETS["china"].thresholds(is_group=True, counterparty="bank")]
        ['2.5', '25']
        """
        kind = Counterparty(counterparty)
        if kind is Counterparty.NON_BANK:
            if is_group:
                return self.group_large_pct, self.group_breach_pct
            return self.single_large_pct, self.single_breach_pct
        large, breach = self.interbank_large_pct, self.interbank_breach_pct
        if kind is Counterparty.GSIB and bank_is_gsib and self.gsib_breach_pct is not None:
            breach = self.gsib_breach_pct
        return large, breach  # type: ignore[return-value]


#: The built-in presets. ``basel`` is the default.
#:
#: - ``basel``: Basel large-exposures standard (LEX 20/30/40, 2014/2019): an exposure at
#:   or above 10 % of Tier 1 is large, the limit is 25 %, for single names, groups of
#:   connected clients and banks alike; 15 % between G-SIBs (LEX40.1). Economic
#:   interdependence is assessed from 5 % of Tier 1 (LEX10.13).
#: - ``eu``: EU CRR (Articles 392 and 395, as amended by CRR2): large at 10 %, limit
#:   25 % of Tier 1, for single names, groups and institutions alike; 15 % between
#:   G-SIIs (Art. 395(1)). (The EUR 150m floor for institutions is not modelled.)
#: - ``china``: CBIRC 2018 rules on large exposures (商业银行大额风险暴露管理办法):
#:   large (reported) at 2.5 % of Tier 1 for every client; limit 15 % for a single
#:   non-bank customer, 20 % for a group of connected non-bank customers and 25 % for
#:   an interbank (同业) single client or group. Companies controlled by one family
#:   form one group (CBRC 2010 group-client guideline, 集团客户, art. 3).
PRESETS: Mapping[str, LimitPreset] = {
    "basel": LimitPreset(
        "basel",
        "10",
        "25",
        "10",
        "25",
        "Basel large exposures standard: large >= 10%, breach > 25% of Tier 1 "
        "(> 15% between G-SIBs)",
        interbank_large_pct="10",
        interbank_breach_pct="25",
        gsib_breach_pct="15",
    ),
    "eu": LimitPreset(
        "eu",
        "10",
        "25",
        "10",
        "25",
        "EU CRR Art. 392/395: large >= 10%, breach > 25% of Tier 1 (> 15% between G-SIIs)",
        interbank_large_pct="10",
        interbank_breach_pct="25",
        gsib_breach_pct="15",
    ),
    "china": LimitPreset(
        "china",
        "2.5",
        "15",
        "2.5",
        "20",
        "CBIRC 2018: large >= 2.5%; breach > 15% (single name), > 20% (group) or "
        "> 25% (interbank) of Tier 1",
        interbank_large_pct="2.5",
        interbank_breach_pct="25",
        family_control=True,
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


#: why two customers are one group of connected clients: each link reason, the rule
#: guanxi applies and the clause behind it (for reports, views and answers)
LINK_REASON_CLAUSES: Mapping[str, str] = {
    "control": "Control: an ownership share above 50 % or the role of controller "
    "(Basel LEX10, control relationship; EU CRR Art. 4(1)(39)(a); China 2018 "
    "large-exposure rules, 控制关系).",
    "guarantee": "Guarantee valid on the analysis date: the guarantor answers for the "
    "borrower's debt (Basel LEX10.12: a guarantee so significant that the guarantor "
    "is likely to default if it is called; China 2018 large-exposure rules, 担保).",
    "joint_credit": "Joint credit: both hold one open credit account, so either's "
    "default leaves the other liable for it.",
    "economic_dependency": "Economic interdependence: 50 % or more of one's gross "
    "receipts or gross expenditures is with the other (Basel LEX10.12-10.13; EU CRR "
    "Art. 4(1)(39)(b) with the EBA connected-clients guidelines; China 2018 "
    "large-exposure rules, 经济依存).",
    "family_control": "Family control (China preset only): companies controlled by "
    "members of one household, spouse, parent or child (CBRC 2010 group-client "
    "guideline, 商业银行集团客户授信业务风险管理指引, art. 3).",
}
