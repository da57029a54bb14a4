"""How many review items a night's queue holds (kept free of heavy imports: the CLI reads its defaults)."""

from __future__ import annotations

import math

# Items per 1,000 persons a night's queue holds at most (`--review-budget`).
DEFAULT_BUDGET = 15.0
# Items less likely wrong than this (about 1 in 12) stay below the cut even while the budget has room.
MIN_ESTIMATE = 0.08


def budget_items(persons: int, per_thousand: float) -> int:
    """How many items a budget of `per_thousand` items per 1,000 persons allows."""
    return math.ceil(per_thousand * persons / 1000)
