"""The functional core: pure pandas from typed records to every figure, finding and proposal the pages show.

Keep it this way (it is what makes the figures testable by hand): a transform takes frames and values and
returns new ones; it never mutates its inputs, never reads the clock (`as_of` is passed), never reads
settings (thresholds are passed), never opens a socket or a file, and imports nothing from services but the
typed records (import-linter checks it: see pyproject.toml). Functions are named for what they return
(`margin_by_project`), take and return the columns named in `dashboard.columns`, and join with `validate=`
and `indicator=` so a duplicate or a one-sided row is a fact to show, not a crash.
"""
