"""Roles, what each may read, and the masking every answer goes through.

Every answer of the read model is built for a :class:`Role` and masked here, so the
JSON of the API and the HTML views for a role come from the same masked data:

=========  ===================================================================
risk       credit: exposure, groups, circles, suspected links; PII in clear
marketing  referrals, influencers, seeds, communities; **no credit amounts**
           (the fields are removed, not zeroed); PII masked
analyst    everything; PII masked
admin      everything, plus running analyses and reading the audit trail
=========  ===================================================================

Choices
-------
- **Company names are masked entirely.** A person's name is shown as initials
  (``张伟`` -> ``张.``); a company's or a bank's name, masked, is ``***``: the name of a
  corporate client is as confidential as a person's, and its first character (a
  Chinese firm's name starts with its city, ``上海...``) told nothing but looked like a
  leak. A customer's ``kind`` decides when it is known; a name met without it (a
  tooltip line) is a company's when it reads like one (:func:`looks_like_company`).
- **Value amounts need both capabilities.** ``own_value``, ``referral_value``,
  ``total_value`` and ``credit_revenue`` (:mod:`guanxi.algorithms.value`) include a
  margin on drawn credit: with a customer's balances a reader could work the drawn
  credit back out of them, so they are credit fields as well as marketing ones. The
  marketing role sees the value tier, the quadrant and the value percentiles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum
from typing import Any

from guanxi.errors import Forbidden
from guanxi.graph.schema import RelType
from guanxi.view_model import NetworkView

__all__ = [
    "Role",
    "Capability",
    "ROLE_CAPABILITIES",
    "can",
    "require",
    "PII_FIELDS",
    "CREDIT_FIELDS",
    "MARKETING_FIELDS",
    "mask_value",
    "looks_like_company",
    "MASKED",
    "mask_record",
    "Masking",
    "mask_title",
    "mask_view",
]


class Role(StrEnum):
    """Who is asking: decides which fields an answer carries and how PII is shown."""

    RISK = "risk"
    MARKETING = "marketing"
    ANALYST = "analyst"
    ADMIN = "admin"


class Capability(StrEnum):
    #: credit amounts, exposure groups, guarantee circles, suspected links
    CREDIT = "credit"
    #: referral metrics, influencers, campaign seeds, communities
    MARKETING = "marketing"
    #: names, phones, e-mails, addresses, id numbers and birth dates in clear
    PII = "pii"
    #: running analyses, refreshing the snapshot, reading the audit trail
    ADMIN = "admin"


ROLE_CAPABILITIES: Mapping[Role, frozenset[Capability]] = {
    Role.RISK: frozenset({Capability.CREDIT, Capability.PII}),
    Role.MARKETING: frozenset({Capability.MARKETING}),
    Role.ANALYST: frozenset({Capability.CREDIT, Capability.MARKETING}),
    Role.ADMIN: frozenset(Capability),
}

#: personal data: masked for roles without :attr:`Capability.PII`
PII_FIELDS = frozenset({"name", "phone", "email", "address", "id_number", "born_on"})
#: credit amounts and credit-risk results: removed for roles without :attr:`Capability.CREDIT`
CREDIT_FIELDS = frozenset(
    {
        "exposure",
        "single_name_exposure",
        "credit_limit",
        "outstanding",
        "ccf",
        "amount",
        "guaranteed_amount",
        "largest_member_exposure",
        "pct_tier1",
        "limit_status",
        "group_id",
        "group_size",
        "group_exposure",
        "circle_id",
        "credit_accounts",
        # limit headroom and contagion (issue 16)
        "headroom_large",
        "headroom_breach",
        "exposure_at_risk",
        "own_exposure",
        "obligation",
        # value amounts include a margin on drawn credit (see the module docstring)
        "credit_revenue",
        "own_value",
        "referral_value",
        "total_value",
    }
)
#: referral and influence metrics: removed for roles without :attr:`Capability.MARKETING`
MARKETING_FIELDS = frozenset(
    {
        "referred_by",
        "direct",
        "cascade",
        "depth",
        "downstream_aum",
        "generations",
        "influence_rank",
        "influence_score",
        "community_id",
        "community_size",
        # customer value and churn (issue 17)
        "credit_revenue",
        "own_value",
        "referral_value",
        "total_value",
        "value_rank",
        "value_tier",
        "value_quadrant",
        "tier",
        "quadrant",
        "own_pct",
        "referral_pct",
        "at_risk_rank",
        "hazard_ratio",
        "churn_hazard_ratio",
        "pressure",
        "neighbours_left",
        "departed_ids",
    }
)


def can(role: Role | str, capability: Capability) -> bool:
    """Whether ``role`` has ``capability``."""
    return capability in ROLE_CAPABILITIES[Role(role)]


def require(role: Role | str, capability: Capability, what: str) -> None:
    """Raise :class:`~guanxi.errors.Forbidden` unless ``role`` has ``capability``.

    The message names the role and the action only, never data.
    """
    if not can(role, capability):
        raise Forbidden(f"the {Role(role).value} role may not {what}")


#: what a masked company name, address or unknown value shows
MASKED = "***"
#: customer kinds whose name is masked entirely
_NAMED_FIRMS = frozenset({"company", "bank"})
#: words that make a Latin-script name a company's
_COMPANY_WORDS = re.compile(
    r"\b(ltd|limited|inc|co|corp|corporation|company|group|holdings?|bank|banking|llc|llp|"
    r"plc|gmbh|ag|sa|n\.a|partners|trust|fund)\b",
    re.IGNORECASE,
)


def looks_like_company(name: str) -> bool:
    """Whether a name reads as a company's: more than four characters with Chinese
    ones (a Chinese personal name has two to four), or a company word (``Ltd``,
    ``Inc``, ``Group``, ``Bank``, ...).

    Examples
    --------
    >>> looks_like_company("上海天成科技有限公司"), looks_like_company("欧阳子涵")
    (True, False)
    >>> looks_like_company("Harbour Properties Co., Ltd."), looks_like_company("Li Lei")
    (True, False)
    """
    text = str(name).strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in text) and len(text) > 4:
        return True
    return bool(_COMPANY_WORDS.search(text))


def _initials(name: str) -> str:
    letters = []
    for part in str(name).split():
        first = next((ch for ch in part if ch.isalnum()), None)
        if first is not None:
            letters.append(first.upper() + ".")
    return " ".join(letters)


def mask_value(field_name: str, value: Any, *, kind: Any = None) -> Any:
    """The masked form of one PII value (``None`` stays ``None``).

    ``name`` becomes initials for a person (``François Taylor`` -> ``F. T.``; ``张伟`` ->
    ``张.``) and ``***`` for a company or a bank (``kind``; without it, a name that
    :func:`looks_like_company`); ``born_on`` keeps the year; ``address`` is hidden;
    ``phone``, ``email`` and ``id_number`` keep their last two characters. Masking a
    masked value changes nothing.

    Examples
    --------
    >>> mask_value("name", "François Taylor"), mask_value("phone", "+86 132 9954 8313")
    ('F. T.', '******13')
    >>> mask_value("born_on", "1987-06-08"), mask_value("address", "1 Main St")
    ('1987', '***')
    >>> mask_value("name", "上海天成科技有限公司"), mask_value("name", "Wu Li", kind="company")
    ('***', '***')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    if field_name == "name":
        if text == MASKED:
            return text
        firm = kind in _NAMED_FIRMS if kind is not None else looks_like_company(text)
        return MASKED if firm else _initials(text)
    if field_name == "born_on":
        return text[:4]
    if field_name == "address":
        return MASKED
    return "******" + text[-2:] if len(text) > 2 else "**"


def mask_record(record: Mapping[str, Any], role: Role | str) -> dict[str, Any]:
    """A copy of a customer-level ``record`` fit for ``role``.

    Credit fields (:data:`CREDIT_FIELDS`) are removed for roles without the credit
    capability, referral and influence fields (:data:`MARKETING_FIELDS`) for roles
    without the marketing capability, and PII fields (:data:`PII_FIELDS`) are masked
    with :func:`mask_value` for roles without the PII capability. Other keys pass.

    Examples
    --------
    >>> mask_record({"name": "Li Lei", "exposure": 5.0, "aum": 1.0}, Role.MARKETING)
    {'name': 'L. L.', 'aum': 1.0}
    """
    return Masking(role).record(record)


#: the short form of a customer named in another answer (:meth:`Masking.person`)
_PERSON_KEYS = ("customer_id", "name", "kind")
#: whether that form can skip the general masking loop: ``name`` is PII, and
#: ``customer_id`` and ``kind`` pass every role unchanged
_PERSON_FAST = "name" in PII_FIELDS and not (
    set(_PERSON_KEYS) & (CREDIT_FIELDS | MARKETING_FIELDS) or {"customer_id", "kind"} & PII_FIELDS
)


class Masking:
    """:func:`mask_record` for one role, its capabilities looked up once (answers that
    name many customers mask one record per customer)."""

    __slots__ = ("credit", "marketing", "pii")

    def __init__(self, role: Role | str):
        capabilities = ROLE_CAPABILITIES[Role(role)]
        self.credit = Capability.CREDIT in capabilities
        self.marketing = Capability.MARKETING in capabilities
        self.pii = Capability.PII in capabilities

    def record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        credit, marketing, pii = self.credit, self.marketing, self.pii
        out: dict[str, Any] = {}
        for key, value in record.items():
            if key in CREDIT_FIELDS and not credit:
                continue
            if key in MARKETING_FIELDS and not marketing:
                continue
            if key in PII_FIELDS and not pii:
                value = mask_value(key, value, kind=record.get("kind"))
            out[key] = value
        return out

    def person(self, customer_id: str, name: Any, kind: Any) -> dict[str, Any]:
        """``record({"customer_id": ..., "name": ..., "kind": ...})``, without the loop."""
        if not _PERSON_FAST:  # pragma: no cover - only if the field sets change
            return self.record({"customer_id": customer_id, "name": name, "kind": kind})
        if not self.pii and name is not None:
            name = mask_value("name", name, kind=kind)
        return {"customer_id": customer_id, "name": name, "kind": kind}


def mask_title(title: str, role: Role | str) -> str:
    """Apply :func:`mask_record` to a ``key: value`` tooltip, line by line (a ``kind``
    line, wherever it is, tells how the ``name`` line is masked)."""
    lines = []
    kind = None
    for line in str(title).split("\n"):
        key, sep, value = line.partition(": ")
        if sep and key == "kind":
            kind = value
    for line in str(title).split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            lines.append(line)
            continue
        masked = mask_record({key: value, "kind": kind} if key == "name" else {key: value}, role)
        if key in masked:
            lines.append(f"{key}: {masked[key]}")
    return "\n".join(lines)


#: edge types that carry a credit amount in their label
_AMOUNT_EDGES = frozenset({RelType.GUARANTEES.value, "guarantee"})


def mask_view(view: NetworkView, role: Role | str) -> NetworkView:
    """The final pass every view goes through before it is returned: titles filtered
    and masked by :func:`mask_title`, customer labels masked for roles without PII,
    guarantee amounts dropped from edge labels for roles without credit.

    The views are built from masked records already; this pass makes sure nothing
    slipped through (it changes nothing on a view built for the same role)."""
    role = Role(role)
    nodes = view.nodes.copy()
    edges = view.edges.copy()
    nodes["title"] = nodes["title"].map(lambda t: mask_title(t, role)).astype("str")
    edges["title"] = edges["title"].map(lambda t: mask_title(t, role)).astype("str")
    if not can(role, Capability.PII) and len(nodes):
        is_customer = nodes["kind"].isin(["person", "company"]).to_numpy(dtype=bool)
        own_id = nodes["id"].str.slice(2)
        named = is_customer & (nodes["label"] != own_id).to_numpy(dtype=bool)
        nodes.loc[named, "label"] = [
            mask_value("name", label, kind=kind)
            for label, kind in zip(nodes.loc[named, "label"], nodes.loc[named, "kind"], strict=True)
        ]
    if not can(role, Capability.CREDIT) and len(edges):
        amount = edges["type"].isin(list(_AMOUNT_EDGES)).to_numpy(dtype=bool)
        edges.loc[amount, "label"] = ""
    return replace(view, nodes=nodes, edges=edges)
