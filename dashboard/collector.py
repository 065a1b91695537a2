"""Python's cycle collector, paused while the app builds or reads something large.

Both steps it is paused for allocate millions of objects, most of which live on (a snapshot, its frames):
each allocation burst makes the collector walk every object alive again, with the interpreter lock held,
so every other thread stops meanwhile. The collector is back on when the outermost pause ends (pauses in
other sessions' threads overlap safely: only the one that found it on turns it back on); reference
counting frees what is no longer used throughout.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """The cycle collector paused for the block (see the module docstring)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
