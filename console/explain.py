"""Why two records were (not) linked: a waterfall of per-comparison match weights.

A link row of the warehouse carries its total `match_weight` and, per comparison, either the
weight itself (`mw_<comparison>`, `mw_tf_adj_<comparison>`) or the Bayes factor
(`bf_<comparison>`, `bf_tf_adj_<comparison>`; weight = log2(bf)), and possibly the level
reached (`gamma_<comparison>`). The level's label comes from the model's settings: by gamma
when present, else by the level whose trained weight equals the row's weight. The starting
bar is the prior (what the comparisons do not explain), so the bars add up to the total.
Comparisons with a value missing on either side weigh nothing and are listed, not drawn.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from console.labels import COMPARISON_LABELS
from dedup.model import MODEL_PATH

CHART_WIDTH = 640
LABEL_WIDTH = 250
ROW_HEIGHT = 22
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Bar:
    """One bar of the waterfall, in chart coordinates."""

    label: str
    level: str
    weight: float
    x: float
    width: float
    y: float

    @property
    def positive(self) -> bool:
        """Whether this comparison speaks for the same person."""
        return self.weight >= 0


@dataclass(frozen=True)
class Waterfall:
    """The bars, the zero line and the outcome of one scored pair."""

    bars: list[Bar]
    missing: list[str]
    zero_x: float
    total: float
    probability: float
    height: float
    chart_width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH


@dataclass(frozen=True)
class _Level:
    gamma: int
    label: str
    weight: float | None


@cache
def _model_levels(model_path: Path) -> dict[str, list[_Level]]:
    """Per comparison: its levels with Splink's gamma numbering and trained weight."""
    settings = json.loads(model_path.read_text(encoding="utf-8"))
    levels: dict[str, list[_Level]] = {}
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        title = COMPARISON_LABELS.get(name, name)
        plain = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        found = []
        counter = len(plain) - 1
        for lv in comparison["comparison_levels"]:
            if lv.get("is_null_level"):
                found.append(_Level(-1, f"{title}缺失", 0.0))
                continue
            m, u = lv.get("m_probability"), lv.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            found.append(_Level(counter, lv.get("label_for_charts", ""), weight))
            counter -= 1
        levels[name] = found
    return levels


def comparison_weights(row: dict[str, object]) -> list[tuple[str, float, float, int | None]]:
    """(comparison, weight, term-frequency adjustment, gamma) for each comparison in the row."""
    names = [c[3:] for c in row if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    names += [c[3:] for c in row if c.startswith("bf_") and not c.startswith("bf_tf_adj_") and c[3:] not in names]
    result = []
    for name in names:
        weight = _weight(row, f"mw_{name}", f"bf_{name}")
        if weight is None:
            continue
        adjustment = _weight(row, f"mw_tf_adj_{name}", f"bf_tf_adj_{name}") or 0.0
        gamma = row.get(f"gamma_{name}")
        result.append((name, weight, adjustment, None if gamma is None else int(gamma)))  # type: ignore[call-overload]
    return result


def _weight(row: dict[str, object], mw: str, bf: str) -> float | None:
    if row.get(mw) is not None:
        return float(row[mw])  # type: ignore[arg-type]
    value = row.get(bf)
    if value is None or float(value) <= 0:  # type: ignore[arg-type]
        return None
    return math.log2(float(value))  # type: ignore[arg-type]


def level_label(name: str, weight: float, gamma: int | None, model_path: Path = MODEL_PATH) -> str:
    """The Chinese label of the level a comparison reached."""
    levels = _model_levels(model_path).get(name, [])
    if gamma is not None:
        return next((lv.label for lv in levels if lv.gamma == gamma), "")
    matching = [lv for lv in levels if lv.weight is not None and abs(lv.weight - weight) < WEIGHT_TOLERANCE]
    return matching[0].label if len(matching) == 1 else ""


def waterfall(row: dict[str, object], model_path: Path = MODEL_PATH) -> Waterfall | None:
    """The waterfall of one link row; None when the row carries no per-comparison evidence."""
    parts = comparison_weights(row)
    if not parts:
        return None
    total = float(row["match_weight"])  # type: ignore[arg-type]
    steps: list[tuple[str, str, float]] = []
    missing: list[str] = []
    explained = 0.0
    for name, weight, adjustment, gamma in parts:
        title = COMPARISON_LABELS.get(name, name)
        if weight == 0 and not adjustment and gamma in (None, -1):
            missing.append(title)
            continue
        steps.append((title, level_label(name, weight, gamma, model_path), weight))
        if adjustment:
            steps.append((f"{title}常见度调整", "越常见的值越不能说明是同一人", adjustment))
        explained += weight + adjustment
    steps.insert(0, ("先验", "任意两条记录属于同一人的可能性", total - explained))
    return _layout(steps, missing, total, float(row["match_probability"]))  # type: ignore[arg-type]


def _layout(steps: list[tuple[str, str, float]], missing: list[str], total: float, probability: float) -> Waterfall:
    ends = [0.0]
    for _, _, weight in steps:
        ends.append(ends[-1] + weight)
    low, high = min(ends), max(ends)
    span = (high - low) or 1.0
    scale = (CHART_WIDTH - LABEL_WIDTH - 70) / span

    def x_of(value: float) -> float:
        return LABEL_WIDTH + (value - low) * scale

    bars = []
    for i, (label, level, weight) in enumerate(steps):
        start, end = ends[i], ends[i + 1]
        bars.append(
            Bar(label, level, weight, x_of(min(start, end)), max(abs(end - start) * scale, 1.0), i * ROW_HEIGHT)
        )
    total_bar = Bar(
        "合计", f"匹配概率 {probability:.1%}", total, x_of(min(0.0, total)), abs(total) * scale, len(steps) * ROW_HEIGHT
    )
    bars.append(total_bar)
    return Waterfall(bars, missing, x_of(0.0), total, probability, (len(steps) + 1) * ROW_HEIGHT)
