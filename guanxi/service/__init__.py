"""The read model shared by the HTTP API, the HTML views and the CLI.

A :class:`GraphService` reads everything it serves **once** from a
:class:`~guanxi.graph.store.GraphStore` into an in-memory :class:`Snapshot` (the
canonical frames of every entity, the published analysis run with every one of its
result sets, lookups by id and a sparse adjacency for neighbourhoods), then lets the
store go; :meth:`GraphService.refresh` builds a new snapshot and swaps one reference.
Every figure served is the published run's, as ``guanxi analyze`` stored it: the read
model indexes results, it never computes them (when data was loaded after the run, the
answers say so in their ``notes``). Every answer is built for a
:class:`~guanxi.roles.Role` and masked by :mod:`guanxi.roles`, so the JSON of the API
and the HTML views for a role come from the same masked data.

No query text is built here or in the API: the service only calls the store's read
methods (:meth:`GraphStore.fetch`, :meth:`GraphStore.published_run`,
:meth:`GraphStore.fetch_results`, ...). The one algorithm module it uses is the
per-request neighbourhood search, :mod:`guanxi.algorithms.neighbourhood`; an analysis
it is asked to run (:meth:`GraphService.analyze`) is :mod:`guanxi.analysis`'s, imported
only then.

This package only re-exports; its modules, one responsibility each:

==================  ===============================================================
``core``            :class:`GraphService`: construction, the snapshot, refresh, health
``customers``       customer, suspected links, household answers
``risk``            exposure groups and guarantee circles
``risk_depth``      search, evidence paths, key guarantors, dependency review, what-if
``marketing``       referral cascades, influencers, campaign seeds
``campaigns``       value tiers, customers at risk, communities, RM portfolios
``lookup``          the marketer's stored result sets by key, once per snapshot
``views``           the network answer and the views (:class:`NetworkView`)
``history``         stored runs, changes between runs, a group across runs, alerts
``jobs``            analyses started by the service, the published run described
``snapshot``        :class:`Snapshot`: the store read (data and published run)
``indexes``         the group and influencer indexes of a snapshot
``relationships``   the customer / account / household graph of a snapshot
``arrays``          lookups by key and columns as ready Python values
``access``          how the service reaches its store
==================  ===============================================================

Roles and masking are :mod:`guanxi.roles`, the request limits :mod:`guanxi.limits` and
the view model :mod:`guanxi.view_model`; their names are re-exported here too.
"""

from guanxi.limits import (
    DEFAULT_NODES,
    MAX_CASCADE_DEPTH,
    MAX_EXCLUDE,
    MAX_HOPS,
    MAX_NODES,
    MAX_PAGE_SIZE,
    MAX_SEEDS,
)
from guanxi.roles import (
    CREDIT_FIELDS,
    MARKETING_FIELDS,
    PII_FIELDS,
    ROLE_CAPABILITIES,
    Capability,
    Role,
    can,
    mask_record,
    mask_title,
    mask_value,
    mask_view,
    require,
)
from guanxi.service.core import GraphService
from guanxi.service.history import AlertRule, ChangeTable, Crossing, GroupChange, Severity
from guanxi.service.risk import GroupSort
from guanxi.service.snapshot import NOT_ANALYZED_MESSAGE, Snapshot
from guanxi.view_model import EDGE_TYPES, LINK_REASONS, NODE_KINDS, NetworkView

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
    "mask_record",
    "mask_title",
    "mask_view",
    "NetworkView",
    "NODE_KINDS",
    "EDGE_TYPES",
    "LINK_REASONS",
    "GroupSort",
    "ChangeTable",
    "GroupChange",
    "Crossing",
    "AlertRule",
    "Severity",
    "Snapshot",
    "GraphService",
    "MAX_HOPS",
    "MAX_NODES",
    "DEFAULT_NODES",
    "MAX_PAGE_SIZE",
    "MAX_SEEDS",
    "MAX_EXCLUDE",
    "MAX_CASCADE_DEPTH",
    "NOT_ANALYZED_MESSAGE",
]
