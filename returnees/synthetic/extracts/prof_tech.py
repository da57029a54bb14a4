"""重庆市专业技术人员服务平台: accounts, their achievements and programme applications."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic import quirks as q
from returnees.synthetic import reference as ref
from returnees.synthetic.dates import Ymd, random_days, render_dates, render_months
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
    people,
    schools,
    text,
    truth,
    variants,
    with_duplicates,
)
from returnees.synthetic.titles import LEVELS
from returnees.synthetic.writers import Delivery, OutFile

KINDS = ("论文", "专利", "著作", "获奖", "项目", "标准")
ACHIEVEMENT_LEVELS = ("国际", "国家级", "省部级", "市级", "其他")
STATUSES = ("已提交", "单位审核", "主管部门审核", "专家评审", "已资助", "未通过")
PROGRAMME = "重庆市留学人员回国创业创新支持计划"
NATIONAL_PROGRAMME = "中国留学人员回国创业启动支持计划"
TOPICS = ref.words(
    "深度学习 机器视觉 锂离子电池 石墨烯 智能网联汽车 城市轨道交通 山地城市 长江上游生态 "
    "中医药 肿瘤免疫 大数据 区块链 数字孪生 碳中和 新能源汽车 5G通信 智能制造 页岩气 "
    "柑橘 火锅底料"
)
ASPECTS = ref.words("故障诊断 预测模型 优化方法 风险评估 控制策略 关键技术 作用机理 质量检测")


def _titles(rng: np.random.Generator, kind: np.ndarray) -> pl.Series:
    n = kind.size
    a = pick(TOPICS, rng.integers(0, len(TOPICS), n))
    b = pick(ASPECTS, rng.integers(0, len(ASPECTS), n))
    grade = pick(("一", "二", "三"), rng.integers(0, 3, n))
    fund = pick(
        ("国家自然科学基金青年科学基金项目", "重庆市自然科学基金面上项目", "国家重点研发计划课题"),
        rng.integers(0, 3, n),
    )
    device = pick(("检测装置", "制备方法", "监测系统", "控制方法"), rng.integers(0, 4, n))
    titles = choose(
        kind,
        [
            "基于" + a + "的" + b + "研究",
            "一种" + a + device,
            a + "原理与应用",
            "重庆市科技进步奖" + grade + "等奖",
            fund + "：" + a + b,
            a + b + "技术规范",
        ],
    )
    titles = where(chance(rng, n, 0.005), titles + "\n——" + b, titles)
    return where(chance(rng, n, 0.005), '"' + a + '"视角下的' + b + ", 研究与实践", titles)


def _achievements(
    rng: np.random.Generator, user_id: pl.Series, level: np.ndarray, returned: np.ndarray, day: np.datetime64
) -> pl.DataFrame:
    per_level = np.asarray(
        [
            [10, 10, 20, 25, 20, 15],
            [20, 20, 25, 15, 12, 8],
            [40, 25, 17, 10, 5, 3],
            [60, 25, 10, 5, 0, 0],
            [75, 15, 7, 3, 0, 0],
        ]
    )
    cum = per_level.cumsum(axis=1) / per_level.sum(axis=1, keepdims=True)
    count = (rng.random(level.size)[:, None] > cum[level]).sum(axis=1)
    owner = np.repeat(np.arange(level.size), count)
    n = owner.size
    kind = categorical(rng, n, [45, 20, 5, 10, 15, 5])
    when = random_days(rng, returned[owner], np.full(n, day))
    ids = "CG" + pl.Series(np.sort(unique_integers(rng, n, 10**8, 10**9))).cast(pl.String)
    return pl.DataFrame(
        {
            "成果ID": ids,
            "用户ID": user_id.gather(owner),
            "成果类型": pick(KINDS, kind),
            "成果名称": _titles(rng, kind),
            "级别": where(chance(rng, n, 0.05), "", pick(ACHIEVEMENT_LEVELS, categorical(rng, n, [8, 20, 35, 30, 7]))),
            "取得时间": where(
                chance(rng, n, 0.03),
                "",
                render_dates(rng, Ymd.of(when), {"iso": 70, "slash": 15, "cn": 10, "compact": 5}),
            ),
            "本人排名": where(
                chance(rng, n, 0.1), "", pl.Series(np.minimum(rng.geometric(0.45, n), 10)).cast(pl.String)
            ),
        }
    )


def _applications(
    rng: np.random.Generator, user_id: pl.Series, kind: np.ndarray, returned: np.ndarray, day: np.datetime64
) -> pl.DataFrame:
    count = np.where(chance(rng, kind.size, 0.25), 1 + chance(rng, kind.size, 0.3), 0)
    owner = np.repeat(np.arange(kind.size), count)
    n = owner.size
    this_year = int(str(day)[:4])
    first = np.maximum(returned[owner].astype("datetime64[Y]").astype(np.int64) + 1970, 2015)
    year = np.minimum(first + (rng.random(n) * (this_year - first + 1)).astype(np.int64), this_year)
    venture = np.where(kind[owner] == emp.OWN, chance(rng, n, 0.8), chance(rng, n, 0.15))
    status = np.where(
        year < this_year, np.where(chance(rng, n, 0.3), 4, 5), categorical(rng, n, [20, 20, 20, 40, 0, 0])
    )
    grant = where(
        venture,
        pick(("10", "20", "30.00", "20.00"), rng.integers(0, 4, n)),
        pick(("3", "5", "5.00", "8.0"), rng.integers(0, 4, n)),
    )
    a = pick(TOPICS, rng.integers(0, len(TOPICS), n))
    b = pick(ASPECTS, rng.integers(0, len(ASPECTS), n))
    project = choose(rng.integers(0, 2, n), [a + b + "研发及产业化", "基于" + a + "的" + b + "平台"])
    serial = pl.Series(np.arange(n) + 1).cast(pl.String).str.zfill(6)
    order = np.lexsort((rng.random(n), year))
    # a few were selected for the national programme, which ends 留创计划 funding (渝人社办〔2025〕104号 一)
    programmes = (PROGRAMME, PROGRAMME + "（创新类）", "重庆英才计划", NATIONAL_PROGRAMME)
    programme = pick(programmes, categorical(rng, n, [88, 5, 4, 3]))
    return (
        pl.DataFrame(
            {
                "用户ID": user_id.gather(owner),
                "计划名称": programme,
                "类别": pick(("创新类", "创业类"), venture.astype(np.int64)),
                "年度": pl.Series(year).cast(pl.String),
                "项目名称": where(chance(rng, n, 0.005), project + "\n（一期）", project),
                "状态": pick(STATUSES, status),
                "资助金额(万元)": where(status == 4, grant, ""),
            }
        )[order]
        .with_columns(pl.Series("申报ID", "SB" + pl.Series(year[order]).cast(pl.String) + serial))
        .select("申报ID", pl.exclude("申报ID"))
    )


def _titles_held(rng: np.random.Generator, employer: pl.Series, level: np.ndarray) -> pl.Series:
    """Title names in the series that fits the employer (hospital, university, school...)."""
    n = employer.len()
    general = [k for k, (pattern, _) in enumerate(ref.TITLE_SERIES) if not pattern]
    series = np.asarray(general)[categorical(rng, n, [70, 20, 10])]
    for k, (pattern, _) in reversed(list(enumerate(ref.TITLE_SERIES))):
        if pattern:
            series = np.where(employer.str.contains(pattern).to_numpy(), k, series)
    names = [pick([titles[lv] for _, titles in ref.TITLE_SERIES], series) for lv in range(4)]
    return choose(level, [*names, ""])


def build(ctx: Context) -> list[Delivery]:
    """One delivery of persons.csv, achievements.csv and applications.csv (utf-8 with BOM)."""
    rng = stream(ctx.seed, "prof_tech")
    pop = ctx.population
    day = ctx.day("prof_tech")
    pids, _ = with_duplicates(rng, np.flatnonzero(pop.members["prof_tech"]), 0.015)
    n = pids.size
    p = people(pop, pids)
    user_id = "RC" + pl.Series(np.sort(unique_integers(rng, n, 10**9, 10**10))).cast(pl.String)
    region = p["region"].to_numpy()
    passport = p["passport"].is_not_null().to_numpy() & chance(rng, n, 0.1)
    permit = (region > 0) & chance(rng, n, 0.5)
    document = np.where(permit, 2, np.where(passport, 1, 0))
    citizen = q.format_ids(rng, p["citizen_id"], {"lower_x": 0.3, "spaced": 0.003, "fullwidth": 0.003})
    permit_type = where(region == 3, "台湾居民来往大陆通行证", pl.repeat("港澳居民来往内地通行证", n, eager=True))
    level = p["title_level"].to_numpy()
    returned = p["returned"].to_numpy()
    title_month = random_days(rng, np.minimum(returned + np.timedelta64(365, "D"), day), np.full(n, day))
    abroad = ~chance(rng, n, 0.03)
    employer = employer_columns(pop, p["employer"].to_numpy())
    uscc = text(employer["uscc"])
    uscc = where(chance(rng, n, 0.01), uscc.str.to_lowercase(), uscc)
    frame = pl.DataFrame(
        {
            "用户ID": user_id,
            "姓名": q.render_names(
                rng,
                p["name"],
                p["latin_surname"],
                p["latin_given"],
                {"traditional": 0.01, "pinyin": 0.002, "trailing": 0.01, "separator": 0.3},
            ),
            "性别": where(chance(rng, n, 0.01), "", pl.Series(np.where(p["male"].to_numpy(), "男", "女"))),
            "证件类型": choose(document, ["居民身份证", "护照", permit_type]),
            "证件号码": choose(document, [citizen, text(p["passport"]), text(p["permit"])]),
            "出生年月": where(
                chance(rng, n, 0.02),
                "",
                render_months(rng, p["birth"].to_numpy(), {"dash": 70, "compact": 15, "dot": 5, "cn": 5, "date": 3}),
            ),
            "手机": q.phones(
                rng, p["mobile"], {"plain": 85, "plus86": 4, "spaced": 4, "dashed": 4, "0086": 1, "plus86_tight": 2}
            ),
            "学历": variants(rng, p["education"], EDUCATION_TEXT, [70, 20, 10]),
            "学位": variants(rng, p["degree"], DEGREE_TEXT, [75, 20, 5]),
            "毕业院校": schools(
                rng,
                q.institutions(rng, p["institution"].to_numpy(), {"zh": 70, "en": 15, "alias": 10, "upper": 5}),
                0.15,
            ),
            "毕业时间": where(
                chance(rng, n, 0.03), "", render_months(rng, returned, {"dash": 60, "compact": 20, "dot": 10, "cn": 10})
            ),
            "是否留学": where(abroad, "是", "否"),
            "留学国家": where(
                abroad,
                q.placeholders(
                    rng, q.countries(rng, p["country"], {"zh": 80, "formal": 5, "en": 5, "traditional": 2}), 0.05
                ),
                "",
            ),
            "职称名称": _titles_held(rng, text(employer["name"]), level),
            "职称级别": pick(LEVELS, level),
            "职称取得时间": where(
                level == 4, "", render_months(rng, title_month, {"dash": 70, "compact": 20, "cn": 10})
            ),
            "工作单位": text(q.employer_names(rng, employer["name"], 0.05)),
            "单位统一社会信用代码": where(chance(rng, n, 0.05), "", uscc),
            "所属区县": q.placeholders(rng, q.districts(rng, p["district"]), 0.03),
        }
    )
    achievements = _achievements(rng, user_id, level, returned, day)
    applications = _applications(rng, user_id, p["kind"].to_numpy(), returned, day)
    files = (
        OutFile("persons.csv", frame, "csv", encoding="utf-8-sig"),
        OutFile("achievements.csv", achievements, "csv", encoding="utf-8-sig"),
        OutFile("applications.csv", applications, "csv", encoding="utf-8-sig"),
    )
    return [Delivery("prof_tech", ctx.dates["prof_tech"], files, truth(user_id, p["person_id"]))]
