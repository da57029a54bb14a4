"""社会保险参保数据库: the largest and most trusted source, one row per insurance type."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic import quirks as q
from returnees.synthetic.dates import Ymd, contradict, random_days, render_dates, render_months
from returnees.synthetic.draws import categorical, chance, pick, stream, unique_integers, where
from returnees.synthetic.extracts.common import (
    Context,
    employer_columns,
    money,
    people,
    text,
    truth,
    with_duplicates,
)
from returnees.synthetic.writers import Delivery, OutFile

INSURANCE = (
    "企业职工基本养老保险",
    "机关事业单位养老保险",
    "城乡居民基本养老保险",
    "职工基本医疗保险",
    "失业保险",
    "工伤保险",
)
STATUS = ("参保缴费", "暂停缴费", "终止参保")


def build(ctx: Context) -> list[Delivery]:
    """One delivery of ``si_extract.csv.gz``."""
    rng = stream(ctx.seed, "social_insurance")
    pop = ctx.population
    day = ctx.day("social_insurance")
    holders, _ = with_duplicates(rng, np.flatnonzero(pop.members["social_insurance"]), 0.003)
    holders = np.sort(holders)
    m = holders.size
    person_no = "50" + pl.Series(np.sort(unique_integers(rng, m, 10**10, 10**11))).cast(pl.String)
    p = people(pop, holders)
    # Person-level rendering: an extract repeats the same person row for each insurance.
    ids = q.format_ids(
        rng, p["citizen_id"], {"lower_x": 0.02, "old": 0.0005}, old_allowed=(p["birth"].dt.year() < 1980).to_numpy()
    )
    names = q.render_names(rng, p["name"], p["latin_surname"], p["latin_given"], {"trailing": 0.005})
    birth = contradict(rng, p["birth"].to_numpy(), chance(rng, m, 0.001))
    birth_text = render_dates(rng, Ymd.of(birth), {"iso": 1.0})
    kind = p["kind"].to_numpy()
    public = (kind == emp.GOV) | (kind == emp.PUBLIC)
    no_employer = (kind == emp.NONE) | (kind == emp.OWN)
    pension = np.where(public, 1, np.where(no_employer & (rng.random(m) < 0.7), 2, 0))
    count = categorical(rng, m, [15, 25, 35, 25]) + 1
    count[pension == 2] = np.minimum(count[pension == 2], 2)

    row_person = np.repeat(np.arange(m), count)
    rank = np.arange(row_person.size) - np.repeat(np.cumsum(count) - count, count)
    insurance = np.where(rank == 0, pension[row_person], rank + 2)
    n = row_person.size
    resident = insurance == 2
    status = categorical(rng, n, [80, 12, 8])
    status[(kind[row_person] == emp.NONE) & (rng.random(n) < 0.7)] = 1
    employer = np.where(resident, -1, p["employer"].to_numpy()[row_person])
    e = employer_columns(pop, employer)

    returned = p["returned"].to_numpy()[row_person]
    first = random_days(rng, returned, np.minimum(returned + np.timedelta64(730, "D"), day))
    current = random_days(rng, first, day)
    lag = np.choose(status, [rng.integers(0, 2, n), rng.integers(2, 18, n), rng.integers(6, 60, n)])
    last_paid = np.maximum(day.astype("datetime64[M]") - lag.astype("timedelta64[M]"), current.astype("datetime64[M]"))
    base = where(resident, money(rng, 100, 600, n), money(rng, 4000, 30000, m).gather(row_person))
    frame = pl.DataFrame(
        {
            "个人编号": person_no.gather(row_person),
            "公民身份号码": ids.gather(row_person),
            "姓名": names.gather(row_person),
            "性别": pl.Series(np.where(p["male"].to_numpy(), "男", "女")[row_person]),
            "出生日期": birth_text.gather(row_person),
            "险种": pick(INSURANCE, insurance),
            "参保状态": pick(STATUS, status),
            "参保单位编号": text(e["si_no"]),
            "参保单位名称": text(q.employer_names(rng, e["name"], 0.0)),
            "单位统一社会信用代码": text(e["uscc"]),
            "首次参保日期": render_dates(rng, Ymd.of(first), {"iso": 1.0}),
            "本次参保日期": render_dates(rng, Ymd.of(current), {"iso": 1.0}),
            "缴费基数": where(status == 2, "", base),
            "最近缴费年月": render_months(rng, last_paid, {"compact": 1.0}),
        }
    )
    keys = frame["个人编号"] + "|" + frame["险种"]
    out = OutFile("si_extract.csv.gz", frame, "csv.gz")
    return [
        Delivery(
            "social_insurance", ctx.dates["social_insurance"], (out,), truth(keys, p["person_id"].gather(row_person))
        )
    ]
