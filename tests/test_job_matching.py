"""Job matching on real DuckDB: postings read from a contract-format file, standardised and matched.

The blocked matcher (major codes first, hard-requirement buckets) must list exactly what scoring
every person against every posting in plain Python lists: the same persons, order and scores.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import duckdb
import polars as pl
import pytest
from landing_helpers import deliver

from sources.contract import load_contract
from sources.ingest import load_source
from warehouse.serve.context import RESTRICTED
from warehouse.serve.matching import (
    ABROAD_POINTS,
    COUNTRY_POINTS,
    DISTRICT_POINTS,
    MAJOR_POINTS,
    MAX_PER_POSTING,
    build_job_match,
    match_summary,
)
from warehouse.serve.postings import BRONZE_COLUMNS, standardise_postings
from warehouse.store.db import write_table

SPEC = load_contract()["job_postings"]
AS_OF = dt.date(2026, 11, 21)
DISTRICTS = ["渝北区", "江北区", "南岸区", "涪陵区"]
MAJORS = [
    "计算机科学与技术",
    "软件工程",
    "Computer Science",
    "临床医学",
    "金融学",
    "会计学",
    "法学",
    "计算机类",
    "不限",
    "",
]
CODES = ["080901", "080901", "080902", "0809", "08", "100201K", "020301K", "120203K", "030101K"]


def _posting(posting_id: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(SPEC.person_file.headers, "")
    row.update(
        {"岗位编号": posting_id, "单位名称": "重庆某某科技有限公司", "单位统一社会信用代码": "91500000MA5U7K3Q9X"}
    )
    row.update({"岗位名称": f"岗位{posting_id}", "岗位类型": "全职", "发布日期": "2026-11-01"})
    row.update(values)
    return row


def _postings(landing: Path, rows: list[dict[str, str]]) -> pl.DataFrame:
    """Deliver the rows as postings.csv and read them back the way the pipeline does."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SPEC.person_file.headers, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    deliver(
        landing, "job_postings", "2026-11-21", {"postings.csv": text.getvalue().encode()}, {"postings.csv": len(rows)}
    )
    load = load_source(landing, SPEC)
    return standardise_postings(load.bronze["job_postings"].select(BRONZE_COLUMNS), AS_OF)


def _candidates(rows: list[dict]) -> pl.DataFrame:
    schema = {
        "person_id": pl.Utf8,
        "education_rank": pl.Int8,
        "degree_rank": pl.Int8,
        "title_rank": pl.Int8,
        "title_level": pl.Utf8,
        "birth_date": pl.Date,
        "birth_precision": pl.Utf8,
        "returnee_status": pl.Utf8,
        "returnee_status_label": pl.Utf8,
        "returnee_verified": pl.Boolean,
        "internship_eligible": pl.Boolean,
        "major_codes": pl.List(pl.Utf8),
        "districts": pl.List(pl.Utf8),
        "study_countries": pl.List(pl.Utf8),
        "years_since_return": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _person(person_id: str, **values: object) -> dict:
    row = {
        "person_id": person_id,
        "education_rank": 2,
        "degree_rank": 2,
        "title_rank": None,
        "title_level": None,
        "birth_date": dt.date(1990, 5, 1),
        "birth_precision": "day",
        "returnee_status": "corroborated",
        "returnee_status_label": "多源佐证",
        "returnee_verified": True,
        "internship_eligible": False,
        "major_codes": [],
        "districts": [],
        "study_countries": [],
        "years_since_return": 8,
    }
    row.update(values)
    return row


def _match(postings: pl.DataFrame, candidates: pl.DataFrame) -> tuple[pl.DataFrame, duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    write_table(con, f"{RESTRICTED}.job_posting", postings)
    write_table(con, f"{RESTRICTED}.job_candidate", candidates)
    build_job_match(con)
    return con.sql("SELECT * FROM job_match ORDER BY posting_id, rank_for_posting").pl(), con


def test_text_in_int_columns_is_unknown_and_the_posting_counts(tmp_path: Path) -> None:
    postings = _postings(
        tmp_path,
        [
            _posting("A1", **{"年龄上限": "35周岁", "月薪下限(元)": "8千", "月薪上限(元)": "面议", "招聘人数": "若干"}),
            _posting("A2", **{"年龄上限": "35", "月薪下限(元)": "8000", "招聘人数": "2"}),
        ],
    ).sort("posting_id")
    assert postings["max_age"].to_list() == [None, 35]
    assert postings["salary_min"].to_list() == [None, 8000]
    assert postings["salary_max"].to_list() == [None, None]
    assert postings["openings"].to_list() == [None, 2]
    assert postings["status"].to_list() == ["open", "open"]


def test_duplicates_expired_and_requirements_read(tmp_path: Path) -> None:
    postings = _postings(
        tmp_path,
        [
            _posting(
                "B2", **{"岗位名称": "算法工程师", "专业要求": "软件工程、计算机相关专业", "学历要求": "硕士研究生"}
            ),
            _posting("B1", **{"岗位名称": "算法 工程师", "发布日期": "2026年11月1日", "工作地点": "全市"}),  # the same
            _posting("B5", **{"专业要求": "CS", "工作地点": "渝北"}),
            _posting("B3", **{"截止日期": "2026/11/20", "学位要求": "不限", "职称要求": "副高级"}),
            _posting("B4", **{"截止日期": "2026-11-21", "留学经历": "须有留学经历", "留学国家(地区)偏好": "英国、USA"}),
        ],
    ).sort("posting_id")
    rows = {r["posting_id"]: r for r in postings.to_dicts()}
    assert (rows["B2"]["status"], rows["B2"]["same_as"]) == ("duplicate", "B1")
    assert rows["B1"]["status"] == "open" and rows["B1"]["district_any"]
    assert rows["B2"]["major_codes"] == ["080902", "0809"] and rows["B5"]["district"] == "渝北区"
    assert rows["B5"]["major_codes"] == ["080901"] and not rows["B5"]["district_any"]
    assert rows["B2"]["min_education_rank"] == 2
    assert rows["B3"]["status"] == "expired" and rows["B3"]["min_degree_rank"] is None
    assert rows["B3"]["min_title_rank"] == 3
    assert rows["B4"]["status"] == "open"  # closes on the reference date: still open that day
    assert rows["B4"]["overseas_requirement"] == "required"
    assert rows["B4"]["preferred_countries"] == ["GBR", "USA"]


def test_hard_requirements_unknowns_and_reasons(tmp_path: Path) -> None:
    postings = _postings(
        tmp_path,
        [
            _posting(
                "C1",
                **{
                    "专业要求": "计算机类",
                    "学位要求": "硕士",
                    "年龄上限": "40",
                    "工作地点": "渝北区",
                    "职称要求": "中级",
                },
            ),
            _posting("C2", **{"专业要求": "计算机科学与技术", "年龄上限": "40周岁", "留学经历": "须有留学经历"}),
            _posting("C3", **{"岗位类型": "就业见习"}),
        ],
    )
    candidates = _candidates(
        [
            _person("P1", major_codes=["080901"], districts=["渝北区"], title_rank=2, title_level="中级"),
            _person("P2", major_codes=["080902"], title_rank=3, title_level="副高级"),
            _person("P3", degree_rank=None, title_rank=4, title_level="正高级"),  # degree unknown
            _person("P4", title_rank=None),  # title unknown
            _person("P5", birth_date=dt.date(1980, 1, 1), title_rank=2, title_level="中级"),  # 46 on the posting date
            _person("P6", birth_date=None, title_rank=2, title_level="中级", returnee_verified=False),  # age unknown
            _person("P7", internship_eligible=True, returnee_status="declared", returnee_verified=False),
        ]
    )
    match, _ = _match(postings, candidates)
    listed = {p: match.filter(pl.col("posting_id") == p)["person_id"].to_list() for p in ("C1", "C2", "C3")}
    assert listed["C1"] == ["P1", "P2"]  # P3 degree unknown, P4 title unknown, P5 too old, P6 age unknown
    assert set(listed["C2"]) == {"P1", "P2", "P3", "P4", "P5"}  # 40周岁 is no limit; P6, P7 not verified
    assert listed["C2"][0] == "P1"  # the exact discipline before the same category
    assert listed["C3"] == ["P7"]
    reasons = dict(match.filter(pl.col("posting_id") == "C1").select("person_id", "reasons").iter_rows())
    assert reasons["P1"] == "硕士≥硕士；中级≥中级；36岁≤40岁；计算机科学与技术属计算机类；渝北区；中级职称"
    assert "软件工程属计算机类" in reasons["P2"]
    c2 = dict(match.filter(pl.col("posting_id") == "C2").select("person_id", "reasons").iter_rows())
    assert c2["P1"].startswith("留学经历多源佐证；计算机科学与技术专业对口")
    assert c2["P2"].startswith("留学经历多源佐证；软件工程与计算机科学与技术同属计算机类")
    assert "专业未知" in c2["P3"]
    assert match.schema == {
        "posting_id": pl.Utf8,
        "person_id": pl.Utf8,
        "rank_for_posting": pl.Int32,
        "score": pl.Float64,
        "reasons": pl.Utf8,
    }


def test_no_postings_gives_an_empty_table_of_the_contract_types() -> None:
    postings = standardise_postings(pl.DataFrame(schema=dict.fromkeys(BRONZE_COLUMNS, pl.Utf8)), AS_OF)
    match, con = _match(postings, _candidates([_person("P1")]))
    assert match.is_empty()
    types = con.sql("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'job_match'").fetchall()
    assert types == [
        ("posting_id", "VARCHAR"),
        ("person_id", "VARCHAR"),
        ("rank_for_posting", "INTEGER"),
        ("score", "DOUBLE"),
        ("reasons", "VARCHAR"),
    ]
    assert match_summary(con).open_postings == 0


def _expected(postings: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """Every person scored against every open posting in plain Python: the reference for the blocked SQL."""
    rows = []
    for j in postings.filter(pl.col("status") == "open").to_dicts():
        on = j["posted_on"] or j["delivery_date"]
        scored = []
        for c in candidates.to_dicts():
            if not _meets(j, c, on):
                continue
            scored.append((-_points(j, c), c["person_id"]))
        for rank, (points, person) in enumerate(sorted(scored)[:MAX_PER_POSTING], start=1):
            rows.append((j["posting_id"], person, rank, float(-points)))
    return pl.DataFrame(
        rows, schema={"posting_id": pl.Utf8, "person_id": pl.Utf8, "rank": pl.Int64, "score": pl.Float64}, orient="row"
    )


def _meets(j: dict, c: dict, on: dt.date) -> bool:
    for need, have in (("min_education_rank", "education_rank"), ("min_degree_rank", "degree_rank")):
        if j[need] is not None and (c[have] is None or c[have] < j[need]):
            return False
    if j["min_title_rank"] is not None and (c["title_rank"] is None or c["title_rank"] < j["min_title_rank"]):
        return False
    if j["max_age"] is not None:
        born = c["birth_date"]
        if born is None:
            return False
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        if age > j["max_age"]:
            return False
    if j["overseas_requirement"] == "required" and not c["returnee_verified"]:
        return False
    return not (j["posting_kind"] == "就业见习" and not c["internship_eligible"])


def _major_points(j: dict, c: dict) -> int:
    if j["major_any"] or j["major_codes"] is None:
        return MAJOR_POINTS["any"]
    if any(q.startswith(p) for p in j["major_codes"] for q in c["major_codes"]):
        return MAJOR_POINTS["exact"]
    if any(_same_category(p, q) for p in j["major_codes"] for q in c["major_codes"]):
        return MAJOR_POINTS["category"]
    return MAJOR_POINTS["unknown"] if not c["major_codes"] else MAJOR_POINTS["other"]


def _same_category(posting: str, person: str) -> bool:
    """The same 专业类, or the person's 门类 holds the posting's code."""
    if len(person) == 2:
        return posting[:2] == person
    return len(posting) >= 4 and posting[:4] == person[:4]


def _points(j: dict, c: dict) -> int:
    points = _major_points(j, c)
    if j["district_any"] or (j["district"] is not None and j["district"] in c["districts"]):
        points += DISTRICT_POINTS
    if set(j["preferred_countries"] or []) & set(c["study_countries"]):
        points += COUNTRY_POINTS
    if j["overseas_requirement"] == "preferred":
        points += ABROAD_POINTS["verified" if c["returnee_verified"] else "declared"]
    points += min(c["title_rank"] or 0, 3)
    years = c["years_since_return"]
    points += 0 if years is None else 2 if years <= 3 else 1 if years <= 5 else 0
    return points


@pytest.mark.parametrize("seed", [1, 2])
def test_blocked_matching_equals_scoring_everyone(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    choice = rng.choice
    posting_rows = [
        _posting(
            f"J{k:03d}",
            **{
                "专业要求": choice(MAJORS),
                "学历要求": choice(["博士研究生", "硕士研究生", "大学本科", "不限", ""]),
                "学位要求": choice(["博士", "硕士", "学士", "不限", ""]),
                "职称要求": choice(["正高级", "副高级", "中级", "不限", "", "", ""]),
                "留学经历": choice(["须有留学经历", "留学人员优先", "不限"]),
                "留学国家(地区)偏好": choice(["英国", "美国、加拿大", ""]),
                "年龄上限": choice(["35", "45", "", "", "40周岁"]),
                "工作地点": choice([*DISTRICTS, "全市", ""]),
                "岗位类型": choice(["全职", "全职", "就业见习"]),
            },
        )
        for k in range(40)
    ]
    # Any major in one district, nothing else asked: its district alone fills the list, nobody else is scored.
    posting_rows.append(_posting("J999", **{"专业要求": "不限", "工作地点": "渝北区"}))
    people = [
        _person(
            f"P{k:04d}",
            education_rank=choice([3, 2, 1, 0, None]),
            degree_rank=choice([3, 2, 1, 0, None]),
            title_rank=choice([4, 3, 2, 1, 0, None, None]),
            birth_date=choice(
                [dt.date(1975, 3, 1), dt.date(1988, 11, 30), dt.date(1992, 11, 1), dt.date(1999, 1, 1), None]
            ),
            returnee_verified=choice([True, False]),
            internship_eligible=choice([True, False, False]),
            major_codes=rng.sample(CODES, k=choice([0, 0, 1, 1, 2])),
            districts=rng.sample(DISTRICTS, k=choice([0, 1, 2])),
            study_countries=rng.sample(["GBR", "USA", "CAN", "AUS"], k=choice([0, 1, 2])),
            years_since_return=choice([1, 4, 9, None]),
        )
        for k in range(1000)
    ]
    postings = _postings(tmp_path, posting_rows)
    candidates = _candidates(people)
    match, _ = _match(postings, candidates)
    expected = _expected(postings, candidates)
    got = match.select("posting_id", "person_id", pl.col("rank_for_posting").cast(pl.Int64).alias("rank"), "score")
    assert got.sort("posting_id", "rank").equals(expected.sort("posting_id", "rank"))
    blocked = [  # postings where the major blocks alone fill the list: the path that skips everyone else
        j["posting_id"]
        for j in postings.filter((pl.col("status") == "open") & pl.col("major_codes").is_not_null()).to_dicts()
        if sum(
            _meets(j, c, j["posted_on"]) and _major_points(j, c) >= MAJOR_POINTS["category"]
            for c in candidates.to_dicts()
        )
        >= MAX_PER_POSTING
    ]
    assert blocked
    assert sum("渝北区" in c["districts"] for c in candidates.to_dicts()) >= MAX_PER_POSTING
    assert match.group_by("posting_id").len()["len"].max() == MAX_PER_POSTING  # some postings are cut at 100
