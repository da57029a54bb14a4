"""留学人才岗位需求信息库: openings employers publish, each written for one person of the population.

Most postings are written for a target person whose records show what the posting asks
(education, degree, title, age, major, district, study country), so a good matcher lists them;
a few ask for what nobody has (正高级 at 30). Quirks of the contract: salaries, openings and age
limits typed as text (面议, 8千, 35周岁), the same opening on two channels under two ids, postings
past their 截止日期, a posting in yesterday's snapshot withdrawn from today's, descriptions with
newlines, a row delivered twice. The truth (`job_truth.csv`) says for which person each posting
was written and what it requires as the contract reads it (a limit typed as text is no limit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic import reference as ref
from returnees.synthetic.dates import Ymd, render_dates
from returnees.synthetic.draws import categorical, chance, choose, pick, stream, unique_integers, where
from returnees.synthetic.extracts.common import Context
from returnees.synthetic.population import DEGREES, EDUCATION, Population
from returnees.synthetic.writers import Delivery, OutFile
from sources.contract import load_contract

PERSONS_PER_POSTING = 50
EDUCATION_REQUIRED = ("博士研究生", "硕士研究生", "大学本科", "不限")
DEGREE_REQUIRED = ("博士", "硕士", "学士", "不限")
TITLE_REQUIRED = ("正高级", "副高级", "中级", "初级", "不限")
OVERSEAS = ("须有留学经历", "留学人员优先", "不限")
KINDS = ("全职", "就业见习", "兼职")
EMPLOYER_KIND = {
    emp.GOV: "机关",
    emp.PUBLIC: "事业单位",
    emp.SOE: "国有企业",
    emp.PRIVATE: "民营企业",
    emp.FOREIGN: "外资企业",
}
AGE_LIMITS = np.array([30, 35, 40, 45, 50, 55, 60])
SEPARATORS = ("、", "，", ",", "；", "/", "或")
CATEGORY_OF_MAJOR = {
    "研发": "计算机科学与技术 软件工程 电子工程 人工智能 数据科学 通信工程 自动化 电气工程",
    "医疗卫生": "临床医学 药学 公共卫生 生物医学工程",
    "金融": "金融学 会计学 经济学 统计学",
    "工程技术": "机械工程 土木工程 材料科学与工程 化学工程 车辆工程 环境科学 建筑学 城乡规划",
    "管理": "工商管理 管理科学与工程 法学 社会学",
    "市场营销": "市场营销 国际贸易 新闻传播学 英语语言文学",
    "教学科研": "数学 物理学 化学 生物学 教育学 心理学",
}
TITLES = {
    "研发": ("研发工程师", "算法工程师", "软件工程师", "数据工程师"),
    "医疗卫生": ("临床医师", "药物研发专员", "公共卫生医师"),
    "金融": ("投资经理", "风险分析师", "财务分析师"),
    "工程技术": ("项目工程师", "结构工程师", "工艺工程师"),
    "管理": ("管理培训生", "项目经理", "法务专员"),
    "市场营销": ("国际业务经理", "海外市场专员", "品牌经理"),
    "教学科研": ("专任教师", "科研助理", "博士后研究人员"),
    "其他": ("综合岗", "技术专员", "艺术设计师"),
}
COLUMNS = load_contract()["job_postings"].person_file.headers


@dataclass(frozen=True)
class JobPostings:
    """The job_postings deliveries (yesterday's and today's snapshot) and their truth."""

    deliveries: list[Delivery]
    truth: pl.DataFrame


def _visible(pop: Population) -> dict[str, np.ndarray]:
    """What the sources will show of each person: a known major, title, and verified study abroad."""
    m = pop.members
    evidence = sum(m[s].astype(np.int64) for s in ("survey", "prof_tech", "pi_hr", "soe_staff", "fx_accounts"))
    certified = pop.frame["cert_no"].is_not_null().to_numpy() & (m["survey"] | m["archives"])
    return {
        "major": m["survey"] | m["pi_hr"],
        "title": m["prof_tech"],
        "verified": (evidence >= 2) | certified,
    }


def _internship(pop: Population, day: np.datetime64) -> np.ndarray:
    """Who the 就业见习 policy admits by the data: recent, graduated, without work, answering the survey."""
    frame = pop.frame
    recent = frame["returned"].to_numpy() > day - np.timedelta64(700, "D")
    graduated = frame["degree"].to_numpy() != "无"
    jobless = frame["kind"].to_numpy() == emp.NONE
    admitted: np.ndarray = recent & graduated & jobless & (pop.frame["survey_years"].to_numpy() & 2 > 0)
    return admitted


def _requirement(rng: np.random.Generator, level: np.ndarray, options: int, weights: list[float]) -> np.ndarray:
    """A required level index at or below the person's (`level`, 0 = highest); `options - 1` = 不限."""
    n = level.size
    pick_ = categorical(rng, n, weights)  # same level, one lower, no requirement
    lower = np.minimum(level + 1, options - 2)
    out = np.choose(pick_, [level, lower, np.full(n, options - 1)])
    return np.where(level >= options - 1, options - 1, out)


def _ages(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    b, d = Ymd.of(birth), Ymd.of(on)
    ages: np.ndarray = d.year - b.year - ((d.month < b.month) | ((d.month == b.month) & (d.day < b.day)))
    return ages


def _majors(rng: np.random.Generator, major: np.ndarray) -> pl.Series:
    zh = pick([m[0] for m in ref.MAJORS], major)
    en = pick([m[1] for m in ref.MAJORS], major)
    other = pick([m[0] for m in ref.MAJORS], rng.integers(0, len(ref.MAJORS), major.size))
    sep = pick(SEPARATORS, rng.integers(0, len(SEPARATORS), major.size))
    style = categorical(rng, major.size, [60, 17, 12, 8, 3])
    return choose(style, [zh, en, zh + sep + other, zh + "等相关专业", pick(("不限", "专业不限"), major % 2)])


def _category(major: np.ndarray) -> pl.Series:
    lookup = {name: cat for cat, names in CATEGORY_OF_MAJOR.items() for name in names.split()}
    return pl.Series([lookup.get(ref.MAJORS[i][0], "其他") for i in major], dtype=pl.String)


def _int_text(
    rng: np.random.Generator, values: np.ndarray, garble: dict[str, float], written: np.ndarray | None = None
) -> tuple[pl.Series, np.ndarray]:
    """Whole numbers as digits, or at the given rates as text a clerk typed (`面议`, `35周岁`, `8千`);
    only rows in `written` (default all) are garbled."""
    n = values.size
    written = np.ones(n, bool) if written is None else written
    digits = pl.Series(values).cast(pl.String)
    forms = {
        "面议": pl.repeat("面议", n, eager=True, dtype=pl.String),
        "周岁": digits + "周岁",
        "千": pl.Series(values // 1000).cast(pl.String) + "千",
        "若干": pl.repeat("若干", n, eager=True, dtype=pl.String),
    }
    index = np.where(written, categorical(rng, n, [1 - sum(garble.values()), *garble.values()]), 0)
    for form in range(1, len(garble) + 1):  # every form at least once, so small landing areas have them all
        plain = np.flatnonzero((index == 0) & written)
        if not (index == form).any() and plain.size:
            index[rng.choice(plain)] = form
    return choose(index, [digits, *(forms[k] for k in garble)]), index > 0


def _some(rng: np.random.Generator, eligible: np.ndarray, share: float) -> np.ndarray:
    """A mask of `share` of the eligible rows, at least one (so small landing areas have every quirk)."""
    rows = np.flatnonzero(eligible)
    mask = np.zeros(eligible.size, bool)
    mask[rng.choice(rows, size=min(rows.size, max(1, round(share * rows.size))), replace=False)] = True
    return mask


def _planted(rng: np.random.Generator, pop: Population, targets: np.ndarray, day: np.datetime64) -> pl.DataFrame:
    """Postings written for `targets`: hard requirements the target meets by what the sources show."""
    frame = pop.frame[targets]
    visible = {k: v[targets] for k, v in _visible(pop).items()}
    m = targets.size
    posted = day - rng.integers(1, 60, m).astype("timedelta64[D]")
    age = _ages(frame["birth"].to_numpy(), posted)
    education = _requirement(rng, np.asarray([EDUCATION.index(e) for e in frame["education"]]), 4, [60, 20, 20])
    degree = _requirement(rng, np.asarray([DEGREES.index(d) for d in frame["degree"]]), 4, [60, 20, 20])
    title = _requirement(rng, frame["title_level"].to_numpy(), 5, [55, 15, 30])
    title = np.where(visible["title"], title, 4)
    limit = AGE_LIMITS[np.minimum(np.searchsorted(AGE_LIMITS, age + 1), AGE_LIMITS.size - 1)]
    has_limit = chance(rng, m, 0.4) & (limit > age)
    overseas = np.where(visible["verified"], categorical(rng, m, [35, 40, 25]), np.where(chance(rng, m, 0.6), 1, 2))
    internship = _internship(pop, day)[targets] & chance(rng, m, 0.7)
    kind = np.where(internship, 1, np.where(chance(rng, m, 0.1), 2, 0))
    district = where(chance(rng, m, 0.08), pick(("重庆市", "全市"), rng.integers(0, 2, m)), frame["district"])
    country = frame["country"].replace_strict({k: v[1] for k, v in ref.COUNTRIES.items()})
    second = pick([v[1] for v in ref.COUNTRIES.values()], rng.integers(0, len(ref.COUNTRIES), m))
    countries = choose(categorical(rng, m, [65, 20, 15]), [country, country + "、" + second, ""])
    return pl.DataFrame(
        {
            "written_for": frame["person_id"],
            "major": frame["major"],
            "posted": posted,
            "education": education,
            "degree": degree,
            "title": title,
            "max_age": np.where(has_limit, limit, 0),
            "overseas": overseas,
            "kind": kind,
            "district": district,
            "countries": countries,
        }
    )


def _unmet(rng: np.random.Generator, n: int, day: np.datetime64) -> pl.DataFrame:
    """Postings nobody meets: a 正高级 doctor aged at most 30."""
    return pl.DataFrame(
        {
            "written_for": pl.repeat(None, n, eager=True, dtype=pl.String),
            "major": rng.integers(0, len(ref.MAJORS), n),
            "posted": day - rng.integers(1, 60, n).astype("timedelta64[D]"),
            "education": np.zeros(n, np.int64),
            "degree": np.zeros(n, np.int64),
            "title": np.zeros(n, np.int64),
            "max_age": np.full(n, 30),
            "overseas": np.full(n, 1),
            "kind": np.zeros(n, np.int64),
            "district": pl.repeat("全市", n, eager=True, dtype=pl.String),
            "countries": pl.repeat("", n, eager=True, dtype=pl.String),
        }
    )


def _render(rng: np.random.Generator, pop: Population, wanted: pl.DataFrame, day: np.datetime64) -> pl.DataFrame:
    """The postings as delivered, plus the columns the truth needs."""
    n = wanted.height
    major = wanted["major"].to_numpy()
    category = _category(major)
    titles = pl.Series([TITLES[c][i % len(TITLES[c])] for c, i in zip(category, rng.integers(0, 4, n), strict=True)])
    employers = pop.employers.filter(pl.col("kind").is_in(list(EMPLOYER_KIND)))
    row = employers[rng.integers(0, employers.height, n)]
    posted = wanted["posted"].to_numpy()
    closes = posted + rng.integers(30, 120, n).astype("timedelta64[D]")
    unmet = wanted["written_for"].is_null().to_numpy()  # kept open: they are the unmet demand
    expired = _some(rng, (posted < day - np.timedelta64(10, "D")) & ~unmet, 0.08)
    closes = np.where(expired, day - rng.integers(1, 10, n).astype("timedelta64[D]"), closes)
    open_ended = (chance(rng, n, 0.35) & ~expired) | unmet
    expired = (closes < day) & ~open_ended  # past its 截止日期, forced or not
    low = 1000 * rng.integers(5, 20, n)
    salary_low, low_text = _int_text(rng, low, {"面议": 0.06, "千": 0.04})
    salary_high, _ = _int_text(rng, low + 1000 * rng.integers(2, 15, n), {"面议": 0.06})
    max_age = wanted["max_age"].to_numpy()
    age_text, age_garbled = _int_text(rng, max_age, {"周岁": 0.12}, max_age > 0)
    openings, _ = _int_text(rng, rng.integers(1, 6, n), {"若干": 0.03})
    duty = "负责" + category + "相关工作，" + pick(("团队协作", "独立完成课题", "对接海外项目"), rng.integers(0, 3, n))
    dates = {"iso": 70, "slash": 12, "compact": 8, "dot": 5, "cn": 5}
    return pl.DataFrame(
        {
            "单位名称": row["name"],
            "单位统一社会信用代码": row["uscc"],
            "单位性质": row["kind"].replace_strict(EMPLOYER_KIND, return_dtype=pl.String),
            "岗位名称": titles,
            "岗位类别": category,
            "岗位类型": pick(KINDS, wanted["kind"].to_numpy()),
            "专业要求": _majors(rng, major),
            "学历要求": pick(EDUCATION_REQUIRED, wanted["education"].to_numpy()),
            "学位要求": pick(DEGREE_REQUIRED, wanted["degree"].to_numpy()),
            "职称要求": pick(TITLE_REQUIRED, wanted["title"].to_numpy()),
            "留学经历": pick(OVERSEAS, wanted["overseas"].to_numpy()),
            "留学国家(地区)偏好": wanted["countries"],
            "年龄上限": where(max_age == 0, "", age_text),
            "工作地点": wanted["district"],
            "月薪下限(元)": salary_low,
            "月薪上限(元)": where(low_text, "", salary_high),
            "招聘人数": openings,
            "发布日期": render_dates(rng, Ymd.of(posted), dates),
            "截止日期": where(open_ended, "", render_dates(rng, Ymd.of(closes), dates)),
            "岗位描述": where(_some(rng, np.ones(n, bool), 0.05), duty + "\n任职要求：见专业要求", duty),
            "联系人": pick(("王老师", "李女士", "张先生", "刘老师", "陈女士"), rng.integers(0, 5, n)),
            "联系电话": "023-6" + pl.Series(rng.integers(1000000, 9999999, n)).cast(pl.String),
            "written_for": wanted["written_for"],
            "posted_on": posted,
            "expired": expired,
            "truth_max_age": pl.Series(max_age, dtype=pl.Int64).zip_with(
                pl.Series((max_age > 0) & ~age_garbled), pl.repeat(None, n, eager=True, dtype=pl.Int64)
            ),
        }
    )


def _distinct_openings(rng: np.random.Generator, postings: pl.DataFrame) -> pl.DataFrame:
    """Move a posting's date by a day where another one has the same employer, title and date, so that
    only the planted channel duplicates share them."""
    key = ["单位统一社会信用代码", "岗位名称", "posted_on"]
    while True:
        clash = (
            postings.select(pl.struct(key).is_duplicated()).to_series().to_numpy()
            & ~postings.select(pl.struct(key).is_first_distinct()).to_series().to_numpy()
        )
        if not clash.any():
            return postings
        shifted = postings["posted_on"].to_numpy() - np.where(clash, 1, 0).astype("timedelta64[D]")
        dates = render_dates(rng, Ymd.of(shifted), {"iso": 1})
        postings = postings.with_columns(
            pl.Series("posted_on", shifted),
            pl.Series("发布日期", dates).zip_with(pl.Series(clash), postings["发布日期"]),
        )


def build(ctx: Context) -> JobPostings:
    """Yesterday's and today's snapshot of postings.csv and the truth of which person each was written for."""
    rng = stream(ctx.seed, "job_postings")
    pop = ctx.population
    day = ctx.day("job_postings")
    count = max(20, pop.frame.height // PERSONS_PER_POSTING)
    pool = np.flatnonzero(_visible(pop)["major"])
    unmet = max(1, round(count * 0.05))
    withdrawn = max(1, round(count * 0.04))
    targets = rng.choice(pool, size=count - unmet + withdrawn, replace=pool.size < count)
    wanted = pl.concat([_planted(rng, pop, targets, day), _unmet(rng, unmet, day)])
    postings = _distinct_openings(rng, _render(rng, pop, wanted, day))
    ids = "GW" + pl.Series(np.sort(unique_integers(rng, postings.height, 10**7, 10**8))).cast(pl.String)
    postings = postings.with_columns(ids.alias("岗位编号")).sample(fraction=1.0, shuffle=True, seed=ctx.seed)
    status = np.full(postings.height, "open", dtype=object)
    status[postings["expired"].to_numpy()] = "expired"
    status[_some(rng, postings["written_for"].is_not_null().to_numpy() & (status == "open"), withdrawn / count)] = (
        "withdrawn"
    )
    postings = postings.with_columns(
        pl.Series("status", status, dtype=pl.String), pl.lit(None, pl.String).alias("same_as")
    )
    copies = postings.filter(pl.Series(_some(rng, status == "open", 0.03)))
    second = "GW" + pl.Series(unique_integers(rng, copies.height, 10**8, 2 * 10**8)).cast(pl.String)
    copies = copies.with_columns(
        pl.col("岗位编号").alias("same_as"),
        second.alias("岗位编号"),
        pl.lit("duplicate").alias("status"),
        render_dates(rng, Ymd.of(copies["posted_on"].to_numpy()), {"cn": 50, "compact": 50}).alias("发布日期"),
    )
    today = pl.concat([postings.filter(pl.col("status") != "withdrawn"), copies])
    yesterday = pl.concat([postings, copies])
    repeated = today.filter(pl.Series(_some(rng, np.ones(today.height, bool), 0.003)))
    deliveries = [
        Delivery(
            "job_postings",
            str(day - np.timedelta64(1, "D")),
            (OutFile("postings.csv", yesterday.select(COLUMNS), "csv"),),
            pl.DataFrame(schema={"record_key": pl.String, "true_person_id": pl.String}),
        ),
        Delivery(
            "job_postings",
            str(day),
            (OutFile("postings.csv", pl.concat([today, repeated]).select(COLUMNS), "csv", crlf=True),),
            pl.DataFrame(schema={"record_key": pl.String, "true_person_id": pl.String}),
        ),
    ]
    truth = pl.concat([postings, copies]).select(
        pl.col("岗位编号").alias("posting_id"),
        "written_for",
        "status",
        "same_as",
        pl.col("学历要求").alias("min_education"),
        pl.col("学位要求").alias("min_degree"),
        pl.col("职称要求").alias("min_title_level"),
        pl.col("truth_max_age").alias("max_age"),
        (pl.col("留学经历") == "须有留学经历").alias("requires_study_abroad"),
        (pl.col("岗位类型") == "就业见习").alias("internship"),
        pl.col("posted_on"),
    )
    return JobPostings(deliveries, truth.sort("posting_id"))
