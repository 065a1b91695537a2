"""The alert and matching thresholds every transform takes as an argument (settings fill them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Alert levels and match cut-offs; fractions unless the name says otherwise."""

    erosion_alert_pp: float = 5.0
    """Flag a project whose forecast margin is this many percentage points below its margin at close."""
    cost_burn_warn: float = 0.75
    cost_burn_alert: float = 1.0
    overdue_receivable_days: int = 30
    """Flag a project with any receivable more than this many days past its due date."""
    handover_overdue_days: int = 14
    match_apply: float = 0.85
    """A suggested match scoring at least this is offered to apply."""
    match_review: float = 0.60
    """A suggested match scoring at least this (and below `match_apply`) is offered for review."""
    conflict_name_similarity: float = 0.80
    """Linked customer names less similar than this disagree."""
    conflict_amount_tolerance: float = 0.10
    """Invoiced above contract value x (1 + this) disagrees with the deal."""

    def __post_init__(self) -> None:
        if not 0 <= self.match_review <= self.match_apply <= 1:
            raise ValueError(
                f"match thresholds must satisfy 0 <= review ({self.match_review}) <= apply "
                f"({self.match_apply}) <= 1"
            )
        if not 0 < self.cost_burn_warn <= self.cost_burn_alert:
            raise ValueError(
                f"cost burn thresholds must satisfy 0 < warn ({self.cost_burn_warn}) <= alert "
                f"({self.cost_burn_alert})"
            )
        if not 0 <= self.conflict_name_similarity <= 1:
            raise ValueError(
                f"conflict_name_similarity must be within 0..1, not {self.conflict_name_similarity}"
            )
        if (
            self.conflict_amount_tolerance < 0
            or self.overdue_receivable_days < 0
            or self.handover_overdue_days < 0
        ):
            raise ValueError("tolerances and day counts must not be negative")
