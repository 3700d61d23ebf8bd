"""gc_tuning: start-up objects frozen, young collections 10,000 objects apart."""

from __future__ import annotations

import gc

from tocsin.lib import gc_tuning


def test_it_freezes_start_up_and_collects_less_often():
    before = gc.get_threshold()
    try:
        gc_tuning.tune()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (gc_tuning.YOUNG_THRESHOLD, before[1], before[2])
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
