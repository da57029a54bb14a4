"""国有企业员工管理系统: a newer system exporting JSON lines with English keys."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic import quirks as q
from returnees.synthetic import reference as ref
from returnees.synthetic.dates import Ymd, contradict, random_days, render_dates
from returnees.synthetic.draws import categorical, chance, choose, pick, stream
from returnees.synthetic.extracts.common import (
    EDUCATION_TEXT,
    Context,
    employer_columns,
    people,
    schools,
    truth,
    variants,
    with_duplicates,
)
from returnees.synthetic.writers import Delivery, OutFile

ID_TYPES = ("RIC", "PASSPORT", "HKMO", "TW")


def _nullify(values: pl.Series, mask: np.ndarray) -> pl.Series:
    return values.zip_with(pl.Series(~mask), pl.repeat(None, values.len(), dtype=values.dtype, eager=True))


def _employee_numbers(rng: np.random.Generator, company: np.ndarray) -> pl.Series:
    """Numbers unique within a company only, so different companies reuse them."""
    order = np.lexsort((rng.random(company.size), company))
    starts = np.r_[0, np.flatnonzero(np.diff(company[order])) + 1]
    sizes = np.diff(np.r_[starts, company.size])
    rank = np.empty(company.size, dtype=np.int64)
    rank[order] = np.arange(company.size) - np.repeat(starts, sizes)
    number = pl.Series(1000 + rank * 3 + rng.integers(0, 3, company.size)).cast(pl.String)
    return choose(company % 3, ["E" + number.str.zfill(5), number.str.zfill(6), "CQ" + number.str.zfill(7)])


def build(ctx: Context) -> list[Delivery]:
    """One delivery of ``employees.jsonl`` with one or two lines cut off mid-object."""
    rng = stream(ctx.seed, "soe_staff")
    pop = ctx.population
    day = ctx.day("soe_staff")
    pids, second = with_duplicates(rng, np.flatnonzero(pop.members["soe_staff"]), 0.015)
    n = pids.size
    p = people(pop, pids)
    soe = np.flatnonzero(np.asarray(pop.employers["kind"]) == emp.SOE)
    company = np.where(second & chance(rng, n, 0.5), soe[rng.integers(0, soe.size, n)], p["soe_employer"].to_numpy())
    emp_no = _employee_numbers(rng, company)
    employer = employer_columns(pop, company)
    current = (p["kind"].to_numpy() == emp.SOE) & ~second
    status = np.where(current, categorical(rng, n, [90, 5, 5]), 1)

    region = p["region"].to_numpy()
    passport = p["passport"].is_not_null().to_numpy() & chance(rng, n, 0.05)
    permit = (region > 0) & chance(rng, n, 0.4)
    document = np.where(permit, np.where(region == 3, 3, 2), np.where(passport, 1, 0))
    citizen = q.format_ids(rng, p["citizen_id"], {"lower_x": 0.3, "fullwidth": 0.005})
    id_no = choose(np.minimum(document, 2), [citizen, p["passport"], p["permit"]])
    id_no = _nullify(id_no, chance(rng, n, 0.03))
    birth = contradict(rng, p["birth"].to_numpy(), chance(rng, n, 0.01))
    returned = p["returned"].to_numpy()
    hired = random_days(rng, np.minimum(returned + np.timedelta64(60, "D"), day), np.full(n, day))
    country = q.countries(rng, p["country"], {"alpha2": 70, "zh": 18, "en": 10, "formal": 2})

    frame = pl.DataFrame(
        {
            "emp_no": emp_no,
            "company_uscc": employer["uscc"],
            "company_name": employer["name"],
            "name": q.render_names(
                rng,
                p["name"],
                p["latin_surname"],
                p["latin_given"],
                {"traditional": 0.01, "pinyin": 0.005, "trailing": 0.01, "separator": 0.4},
            ),
            "id_type": _nullify(pick(ID_TYPES, document), chance(rng, n, 0.02)),
            "id_no": id_no,
            "gender": _nullify(pl.Series(np.where(p["male"].to_numpy(), "M", "F")), chance(rng, n, 0.01)),
            "birth_date": _nullify(render_dates(rng, Ymd.of(birth), {"iso": 95, "iso_time": 5}), chance(rng, n, 0.02)),
            "education_level": variants(rng, p["education"], EDUCATION_TEXT, [80, 15, 5]),
            "degree": p["degree"],
            "school": schools(
                rng, q.institutions(rng, p["institution"].to_numpy(), {"en": 50, "zh": 40, "alias": 10}), 0.1
            ),
            "overseas_edu": _nullify(pl.Series(~chance(rng, n, 0.03)), chance(rng, n, 0.02)),
            "overseas_country": _nullify(country, chance(rng, n, 0.05)),
            "department": pick(ref.DEPARTMENTS, rng.integers(0, len(ref.DEPARTMENTS), n)),
            "position": pick(ref.POSITIONS, rng.integers(0, len(ref.POSITIONS), n)),
            "hire_date": render_dates(rng, Ymd.of(hired), {"iso": 1.0}),
            "status": pick(("active", "left", "retired"), status),
            "mobile": _nullify(
                q.phones(rng, p["mobile"], {"plain": 80, "plus86": 10, "dashed": 5, "spaced": 5}), chance(rng, n, 0.05)
            ),
        }
    )
    malformed = tuple(sorted(rng.choice(n, size=min(n, 1 if n < 500 else 2), replace=False)))
    readable = np.ones(n, bool)
    readable[list(malformed)] = False
    out = OutFile("employees.jsonl", frame, "jsonl", malformed=tuple(int(m) for m in malformed))
    keys = employer["uscc"] + "|" + emp_no
    return [
        Delivery(
            "soe_staff",
            ctx.dates["soe_staff"],
            (out,),
            truth(keys, p["person_id"], readable),
            unreadable=len(malformed),
        )
    ]
