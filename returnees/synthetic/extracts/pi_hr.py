"""事业单位人事管理系统: GBK-encoded personnel extract of public institutions."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic import quirks as q
from returnees.synthetic.dates import (
    Ymd,
    contradict,
    make_impossible,
    random_days,
    render_dates,
    render_months,
)
from returnees.synthetic.draws import (
    categorical,
    chance,
    choose,
    pick,
    stream,
    unique_integers,
    where,
)
from returnees.synthetic.extracts.common import (
    DEGREE_TEXT,
    EDUCATION_TEXT,
    Context,
    employer_columns,
    majors,
    people,
    schools,
    text,
    truth,
    variants,
    with_duplicates,
)
from returnees.synthetic.writers import Delivery, OutFile

NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三")
POSTS = ("管理岗位", "专业技术岗位", "工勤技能岗位")
STATUSES = ("在职", "离职", "退休", "调出")


def _grades(rng: np.random.Generator, post: np.ndarray) -> pl.Series:
    n = post.size
    tech = "专业技术" + pick(NUMERALS, rng.integers(1, 13, n)) + "级"
    admin = pick(NUMERALS, rng.integers(4, 9, n)) + "级职员"
    worker = where(chance(rng, n, 0.2), "普通工", "技术工" + pick(NUMERALS, rng.integers(0, 5, n)) + "级")
    return choose(post, [admin, tech, worker])


def build(ctx: Context) -> list[Delivery]:
    """One delivery of ``staff.csv`` (GBK, CRLF line ends)."""
    rng = stream(ctx.seed, "pi_hr")
    pop = ctx.population
    day = ctx.day("pi_hr")
    pids, second = with_duplicates(rng, np.flatnonzero(pop.members["pi_hr"]), 0.015)
    n = pids.size
    p = people(pop, pids)
    unit = p["pi_employer"].to_numpy()
    staff_no = pl.Series(unit).cast(pl.String).str.zfill(4) + pl.Series(unique_integers(rng, n, 10**5, 10**6)).cast(
        pl.String
    )
    birth_year = p["birth"].dt.year().to_numpy()

    names = q.render_names(
        rng,
        p["name"],
        p["latin_surname"],
        p["latin_given"],
        {"spaced": 0.03, "fullwidth_space": 0.02, "trailing": 0.01, "separator": 0.5},
    )
    typed_pinyin = q.pinyin_names(rng, p["latin_surname"], p["latin_given"])
    names = where(p["rare_non_gbk"].to_numpy() & chance(rng, n, 0.3), typed_pinyin, names)
    ids = q.typo_ids(rng, p["citizen_id"], chance(rng, n, 0.005))
    ids = q.format_ids(
        rng, ids, {"lower_x": 0.5, "spaced": 0.01, "fullwidth": 0.003, "old": 0.1}, old_allowed=birth_year < 1980
    )
    birth = contradict(rng, p["birth"].to_numpy(), chance(rng, n, 0.01))
    birth_parts = make_impossible(rng, Ymd.of(birth), chance(rng, n, 0.001))
    returned = p["returned"].to_numpy()
    work_start = random_days(rng, returned, np.minimum(returned + np.timedelta64(365, "D"), day))
    joined = random_days(rng, work_start, np.full(n, day))
    joined_parts = make_impossible(rng, Ymd.of(joined), chance(rng, n, 0.001))
    current = p["kind"].to_numpy() == emp.PUBLIC
    status = np.where(current, categorical(rng, n, [93, 4, 0, 3]), np.where(chance(rng, n, 0.5), 1, 3))
    status[current & (birth_year < 1966) & chance(rng, n, 0.6)] = 2
    status[second & current] = 3
    post = categorical(rng, n, [20, 70, 10])
    employer = employer_columns(pop, unit)
    ethnicity = where(chance(rng, n, 0.05), p["ethnicity"].str.replace("族$", ""), p["ethnicity"])

    frame = pl.DataFrame(
        {
            "人员编号": where(chance(rng, n, 0.003), staff_no + " ", staff_no),
            "姓名": names,
            "公民身份号码": ids,
            "性别": pl.Series(np.where(p["male"].to_numpy(), "男", "女")),
            "出生日期": where(
                chance(rng, n, 0.01),
                "",
                render_dates(rng, birth_parts, {"compact": 93, "iso": 3, "dot": 2, "slash": 2}),
            ),
            "民族": where(chance(rng, n, 0.02), "", ethnicity),
            "最高学历": variants(rng, p["education"], EDUCATION_TEXT, [60, 30, 10]),
            "最高学位": variants(rng, p["degree"], DEGREE_TEXT, [70, 25, 5]),
            "毕业院校": schools(
                rng, q.institutions(rng, p["institution"].to_numpy(), {"zh": 80, "en": 10, "alias": 10}), 0.2
            ),
            "所学专业": majors(rng, p["major"].to_numpy(), 0.02),
            "是否海外留学": where(chance(rng, n, 0.04), "0", "1"),
            "参加工作时间": render_months(rng, work_start, {"dash": 50, "compact": 30, "dot_pad": 20}),
            "进入本单位时间": render_dates(rng, joined_parts, {"iso": 60, "compact": 40}),
            "单位名称": text(q.employer_names(rng, employer["name"], 0.05)),
            "单位统一社会信用代码": text(employer["uscc"]),
            "岗位类别": pick(POSTS, post),
            "岗位等级": _grades(rng, post),
            "人员状态": pick(STATUSES, status),
        }
    )
    out = OutFile("staff.csv", frame, "csv", encoding="gbk", crlf=True)
    return [Delivery("pi_hr", ctx.dates["pi_hr"], (out,), truth(staff_no, p["person_id"]))]
