"""The employer register the population works for (names, USCCs, kinds, districts)."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import reference as ref
from returnees.synthetic.draws import unique_integers
from returnees.synthetic.idnumbers import CQ_DISTRICT_CODES, make_uscc

# Employer kinds, in the survey's wording; the last three are not employers.
KINDS = ("机关", "事业单位", "国有企业", "民营企业", "外资企业", "自主创业", "待业", "其他")
KIND_SHARES = (0.06, 0.22, 0.16, 0.30, 0.10, 0.08, 0.04, 0.04)
GOV, PUBLIC, SOE, PRIVATE, FOREIGN, OWN, NONE, OTHER = range(8)
# USCC prefixes: registering authority and entity type per register kind.
USCC_PREFIX = {GOV: "11", PUBLIC: "12", SOE: "91", PRIVATE: "91", FOREIGN: "91"}

_DISTRICT_CODE = {name: code for code, name in CQ_DISTRICT_CODES.items()}


def _districts(rng: np.random.Generator, n: int) -> np.ndarray:
    names = np.asarray(list(ref.DISTRICTS), dtype=object)
    weights = np.asarray(list(ref.DISTRICTS.values()))
    return names[rng.choice(names.size, size=n, p=weights / weights.sum())]


def _private_names(rng: np.random.Generator, count: int, used: set[str]) -> list[str]:
    """`count` distinct private-company names, drawn without replacement from the combinations of
    city, trade name and industry; a district goes into the name only once those run out (a province
    needs more names than the city's trade names give)."""
    pairs = rng.choice(len(ref.TRADE_NAMES), size=(4 * len(ref.TRADE_NAMES) ** 2, 2))
    trades = sorted(
        {ref.TRADE_NAMES[a] for a, _ in pairs}
        | {ref.TRADE_NAMES[a][0] + ref.TRADE_NAMES[b][1] for a, b in pairs if a != b}
    )
    per_place = len(trades) * len(ref.INDUSTRIES)
    names: list[str] = []
    for places in (["重庆", "重庆市"], [f"重庆{d}" for d in ref.DISTRICTS]):
        for k in rng.permutation(len(places) * per_place):
            place, rest = divmod(int(k), per_place)
            trade, industry = divmod(rest, len(ref.INDUSTRIES))
            name = f"{places[place]}{trades[trade]}{ref.INDUSTRIES[industry]}有限公司"
            if name not in used:
                used.add(name)
                names.append(name)
                if len(names) == count:
                    return names
    raise ValueError(f"无法生成 {count} 个不同的企业名称")


def build_employers(rng: np.random.Generator, persons: int) -> pl.DataFrame:
    """Employer register sized to the population: one row per employer.

    Columns: ``name``, ``uscc``, ``kind`` (index into :data:`KINDS`), ``district``,
    ``si_no`` (the social-insurance employer number).
    """
    used: set[str] = set()
    rows: list[tuple[str, int]] = []
    rows += [(n, GOV) for n in ref.GOVERNMENT_OFFICES]
    rows += [(n, PUBLIC) for n in ref.PUBLIC_INSTITUTIONS]
    rows += [(n, SOE) for n in ref.STATE_ENTERPRISES]
    used.update(n for n, _ in rows)
    districts = list(ref.DISTRICTS)
    for k in range(persons // 1500):
        d = districts[k % len(districts)]
        extra = f"重庆市{d}人民医院" if k < len(districts) else f"重庆市{d}第{k // len(districts) + 1}中学校"
        if extra not in used:
            used.add(extra)
            rows.append((extra, PUBLIC))
    for k in range(persons // 4000):
        base = ref.STATE_ENTERPRISES[k % len(ref.STATE_ENTERPRISES)]
        sub = base.split("(")[0].replace("股份有限公司", "").replace("有限公司", "")
        rows.append((f"{sub}{districts[k % len(districts)]}分公司", SOE))
    rows += [(n, PRIVATE) for n in _private_names(rng, 40 + persons // 25, used)]
    combos = [f"{b}{i}(重庆)有限公司" for b in ref.FOREIGN_BRANDS for i in ref.INDUSTRIES]
    picked = rng.choice(len(combos), size=min(len(combos), 10 + persons // 1500), replace=False)
    rows += [(combos[k], FOREIGN) for k in picked]
    names = [r[0] for r in rows]
    kinds = np.array([r[1] for r in rows])
    district = _districts(rng, len(rows))
    codes = [_DISTRICT_CODE.get(d, "500000") for d in district]
    usccs = [make_uscc(rng, USCC_PREFIX[int(k)], c) for k, c in zip(kinds, codes, strict=True)]
    numbers = unique_integers(rng, len(rows), 10**7, 10**8)
    si_no = [f"{c[:4]}{n}" for c, n in zip(codes, numbers, strict=True)]
    return pl.DataFrame(
        {
            "name": names,
            "uscc": usccs,
            "kind": kinds,
            "district": district.astype(str),
            "si_no": si_no,
        }
    )
