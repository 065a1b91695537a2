"""The alert and matching thresholds every transform takes as an argument.

One model, used twice: the settings load it from THROUGHLINE_THRESHOLDS__* (and refuse to start on values
out of order, naming the settings), and the transforms take it as an argument (they never read settings).
A validation message starts with the fields it is about ("match_review/match_apply: ..."), so the settings
loader can name the environment variables to fix.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Thresholds(BaseModel):
    """Alert levels and match cut-offs; fractions unless the name says otherwise."""

    model_config = ConfigDict(frozen=True)

    erosion_alert_pp: float = Field(5.0, ge=0)
    """Flag a project whose forecast margin is this many percentage points below its margin at close."""
    cost_burn_warn: float = Field(0.75, gt=0)
    cost_burn_alert: float = Field(1.0, gt=0)
    early_forecast_poc: float = Field(0.15, ge=0, le=1)
    """Below this percent complete the forecast keeps the estimate (EAC = max(estimated cost, cost to
    date)), flagged "too early to extrapolate": cost ÷ a small percent complete multiplies noise."""
    overdue_receivable_days: int = Field(30, ge=0)
    """Flag a project with any receivable more than this many days past its due date."""
    handover_overdue_days: int = Field(14, ge=0)
    match_apply: float = Field(0.85, ge=0, le=1)
    """A suggested match scoring at least this is offered to apply."""
    match_review: float = Field(0.60, ge=0, le=1)
    """A suggested match scoring at least this (and below `match_apply`) is offered for review."""
    match_margin: float = Field(0.10, ge=0, le=1)
    """A suggestion is offered to apply in bulk only when the runner-up scores at least this much lower;
    and a later deal sharing an ERP project's ID takes it from the original only when it fits that much
    better."""
    conflict_name_similarity: float = Field(0.80, ge=0, le=1)
    """Linked customer names less similar than this disagree."""
    conflict_amount_tolerance: float = Field(0.10, ge=0)
    """Invoiced above contract value x (1 + this) disagrees with the deal."""

    @model_validator(mode="after")
    def _in_order(self) -> Thresholds:
        if self.match_review > self.match_apply:
            raise ValueError(
                f"match_review/match_apply: the review cut-off ({self.match_review}) must not be above the "
                f"apply cut-off ({self.match_apply})"
            )
        if self.cost_burn_warn > self.cost_burn_alert:
            raise ValueError(
                f"cost_burn_warn/cost_burn_alert: the warning level ({self.cost_burn_warn}) must not be "
                f"above the alert level ({self.cost_burn_alert})"
            )
        return self
