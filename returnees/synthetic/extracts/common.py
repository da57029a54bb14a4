"""Helpers shared by the per-source extract builders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from returnees.synthetic import reference as ref
from returnees.synthetic.draws import categorical, choose, where
from returnees.synthetic.population import Population

EDUCATION_TEXT: dict[str, tuple[str, ...]] = {
    "博士研究生": ("博士研究生", "研究生", "博士"),
    "硕士研究生": ("硕士研究生", "研究生", "硕士"),
    "大学本科": ("大学本科", "本科", "大学"),
    "其他": ("其他", "大专", ""),
}
DEGREE_TEXT: dict[str, tuple[str, ...]] = {
    "博士": ("博士", "博士学位", "哲学博士"),
    "硕士": ("硕士", "硕士学位", "理学硕士"),
    "学士": ("学士", "学士学位", "学士"),
    "无": ("无", "", "无"),
}


@dataclass(frozen=True)
class Context:
    """What every builder needs: the seed, the population and the delivery dates."""

    seed: int
    population: Population
    dates: Mapping[str, str]  # source -> delivery date (survey: the newest survey's date)

    def day(self, source: str) -> np.datetime64:
        """The delivery date of ``source`` as a day."""
        return np.datetime64(self.dates[source], "D")


def people(pop: Population, pids: np.ndarray) -> pl.DataFrame:
    """The true person rows for a batch of records (one row per record)."""
    return pop.frame[pids]


def with_duplicates(rng: np.random.Generator, pids: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Records for ``pids`` plus a second record for a ``rate`` share of them, shuffled;
    returns the person per record and a flag marking the second records."""
    extra = rng.choice(pids, size=round(rate * pids.size), replace=False)
    out = np.r_[pids, extra]
    second = np.r_[np.zeros(pids.size, bool), np.ones(extra.size, bool)]
    order = rng.permutation(out.size)
    return out[order], second[order]


def employer_columns(pop: Population, rows: np.ndarray) -> dict[str, pl.Series]:
    """Employer ``name``, ``uscc``, ``district`` and ``si_no`` per record (null for -1)."""
    found = pl.Series(rows >= 0)
    picked = pop.employers[np.maximum(rows, 0)]
    nulls = pl.repeat(None, rows.size, dtype=pl.String, eager=True)
    return {c: picked[c].zip_with(found, nulls) for c in ("name", "uscc", "district", "si_no")}


def variants(
    rng: np.random.Generator, values: pl.Series, table: Mapping[str, Sequence[str]], weights: Sequence[float]
) -> pl.Series:
    """Each value written as one of its variants in ``table`` (chosen with ``weights``)."""
    index = categorical(rng, values.len(), weights)
    options = [values.replace_strict({k: v[i] for k, v in table.items()}, default=values) for i in range(len(weights))]
    return choose(index, options)


def majors(rng: np.random.Generator, index: np.ndarray, english_rate: float) -> pl.Series:
    """Majors in Chinese, or in English at ``english_rate``."""
    zh = pl.Series([m[0] for m in ref.MAJORS], dtype=pl.String).gather(index)
    en = pl.Series([m[1] for m in ref.MAJORS], dtype=pl.String).gather(index)
    return where(rng.random(index.size) < english_rate, en, zh)


def schools(rng: np.random.Generator, institution_text: pl.Series, domestic_rate: float) -> pl.Series:
    """Graduate school: the overseas institution, or at ``domestic_rate`` a Chinese university
    (a returnee whose highest degree is from home)."""
    n = institution_text.len()
    domestic = pl.Series(
        np.asarray(ref.DOMESTIC_UNIVERSITIES, dtype=object)[rng.integers(0, len(ref.DOMESTIC_UNIVERSITIES), n)],
        dtype=pl.String,
    )
    return where(rng.random(n) < domestic_rate, domestic, institution_text)


def truth(keys: pl.Series, person_ids: pl.Series, readable: np.ndarray | None = None) -> pl.DataFrame:
    """Truth rows (record_key, true_person_id) for the readable records."""
    frame = pl.DataFrame({"record_key": keys.str.strip_chars(), "true_person_id": person_ids})
    return frame if readable is None else frame.filter(pl.Series(readable))


def cut_last(n: int) -> np.ndarray:
    """Readable flags for a file whose last record is cut off."""
    readable = np.ones(n, bool)
    readable[n - 1 :] = False
    return readable


def text(values: pl.Series | np.ndarray) -> pl.Series:
    """Values as strings, missing ones as empty strings (how flat files carry them)."""
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    return series.cast(pl.String).fill_null("")


def money(rng: np.random.Generator, low: float, high: float, n: int) -> pl.Series:
    """Amounts with two decimals, log-uniform between ``low`` and ``high``."""
    cents = np.round(np.exp(rng.uniform(np.log(low), np.log(high), n)) * 100).astype(np.int64)
    whole = pl.Series(cents // 100).cast(pl.String)
    return whole + "." + pl.Series(cents % 100).cast(pl.String).str.zfill(2)
