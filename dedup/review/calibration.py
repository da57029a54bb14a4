"""The calibrated chance that two sides of a review candidate are one person.

A logistic regression over `features.FEATURE_NAMES`, fitted on candidates of generated landing
areas whose truth is known, kept as a small versioned JSON beside the Splink model
(`dedup/model/review_model.json`). The Splink model's scores are among its inputs, so it is
fitted again after the Splink model changes (`benchmarks/review_queue.py --fit`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from scipy.optimize import minimize

REVIEW_MODEL_PATH = Path(__file__).resolve().parents[1] / "model" / "review_model.json"
# Ridge penalty on the standardised coefficients: keeps rare features (refused links, typo IDs)
# from taking extreme weights on the few examples generated data holds.
L2_PENALTY = 1.0


@dataclass(frozen=True)
class ReviewModel:
    """Intercept and coefficients (per feature, on the features' own scale) of P(same person)."""

    version: str
    intercept: float
    coefficients: dict[str, float]
    splink_model_version: str
    fitted_on: list[str] = field(default_factory=list)
    candidates: int = 0
    same: int = 0

    def same_person(self, features: pl.DataFrame) -> pl.Series:
        """P(the two sides are one person) for each row of `features` (columns named as the coefficients)."""
        missing = [f for f in self.coefficients if f not in features.columns]
        if missing:
            raise ValueError(f"复核模型需要的特征缺失：{', '.join(missing)}")
        score = pl.lit(self.intercept) + pl.sum_horizontal(pl.col(f) * c for f, c in self.coefficients.items())
        return features.select((1 / (1 + (-score).exp())).alias("p_same")).to_series()


def load_review_model(path: Path = REVIEW_MODEL_PATH) -> ReviewModel:
    """Read the calibration JSON."""
    return ReviewModel(**json.loads(path.read_text(encoding="utf-8")))


def save_review_model(model: ReviewModel, path: Path = REVIEW_MODEL_PATH) -> Path:
    """Write the calibration JSON (readable, stable key order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(model), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def fit_review_model(
    features: pl.DataFrame,
    same: pl.Series,
    names: tuple[str, ...],
    version: str,
    splink_model_version: str,
    fitted_on: list[str],
) -> ReviewModel:
    """Logistic regression of `same` (0/1 per row) on the `names` columns of `features`, ridge-penalised.

    Features are standardised for the fit (so the penalty treats them alike) and the coefficients
    turned back to the features' own scale.
    """
    x = features.select(names).to_numpy().astype(np.float64)
    y = same.to_numpy().astype(np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    design = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    penalty = np.r_[0.0, np.full(len(names), L2_PENALTY)]

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        score = design @ beta
        value = np.sum(np.logaddexp(0.0, score) - y * score) + 0.5 * np.sum(penalty * beta**2)
        gradient = design.T @ (1.0 / (1.0 + np.exp(-score)) - y) + penalty * beta
        return float(value), gradient

    beta = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B").x
    coefficients = beta[1:] / scale
    return ReviewModel(
        version=version,
        intercept=round(float(beta[0] - np.sum(coefficients * mean)), 6),
        coefficients={n: round(float(c), 6) for n, c in zip(names, coefficients, strict=True)},
        splink_model_version=splink_model_version,
        fitted_on=fitted_on,
        candidates=len(y),
        same=int(y.sum()),
    )
