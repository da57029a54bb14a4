"""Professional title levels of the population (the platform records them, job postings ask for them)."""

from __future__ import annotations

import numpy as np

from returnees.synthetic.draws import categorical

LEVELS = ("正高级", "副高级", "中级", "初级", "无")
SENIOR = 2  # levels below this index (正高级, 副高级) need years of practice


def draw_title_levels(rng: np.random.Generator, birth: np.ndarray) -> np.ndarray:
    """An index into `LEVELS` per person; nobody born after 1993 holds a senior title."""
    n = birth.size
    level = categorical(rng, n, [8, 20, 35, 15, 22])
    young = birth.astype("datetime64[Y]").astype(np.int64) + 1970 > 1993
    return np.where(young & (level < SENIOR), SENIOR + rng.integers(0, 3, n), level)
