"""Every policy of the library on hand-built profiles: eligible, needs evidence, not eligible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest

from warehouse.serve.policy import PolicyError, build_policy_push, compile_rule, load_policies, parse_policy
from warehouse.store.db import write_table

# Every profile column a policy reads or shows, with its type.
PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.Utf8,
    "as_of_date": pl.Date,
    "is_returnee": pl.Boolean,
    "returnee_verified": pl.Boolean,
    "returnee_status_label": pl.Utf8,
    "employer_kind": pl.Utf8,
    "employer_name": pl.Utf8,
    "employer_district": pl.Utf8,
    "employer_in_cq": pl.Boolean,
    "overseas_degree_rank": pl.Int32,
    "highest_overseas_degree": pl.Utf8,
    "overseas_postdoc": pl.Boolean,
    "is_founder": pl.Boolean,
    "full_time_in_cq": pl.Boolean,
    "cq_employment_verified": pl.Boolean,
    "is_employed": pl.Boolean,
    "years_in_cq": pl.Int32,
    "arrived_cq_on": pl.Date,
    "liuchuang_grants": pl.Int32,
    "has_title": pl.Boolean,
    "title_level": pl.Utf8,
    "title_rank": pl.Int32,
    "si_ever_enrolled": pl.Boolean,
    "first_insured_on": pl.Date,
    "in_chongqing": pl.Boolean,
    "district": pl.Utf8,
    "years_since_return": pl.Int32,
    "return_date": pl.Date,
    "high_level_achievements": pl.Int32,
}

# A returnee with a verified overseas master's degree, three years in a Chongqing company.
BASE: dict[str, Any] = {
    "as_of_date": dt.date(2026, 11, 21),
    "is_returnee": True,
    "returnee_verified": True,
    "returnee_status_label": "已认证",
    "employer_kind": "民营企业",
    "employer_name": "重庆星河科技有限公司",
    "employer_district": "渝北区",
    "employer_in_cq": True,
    "overseas_degree_rank": 2,
    "highest_overseas_degree": "硕士",
    "overseas_postdoc": False,
    "is_founder": False,
    "full_time_in_cq": True,
    "cq_employment_verified": True,
    "is_employed": True,
    "years_in_cq": 3,
    "arrived_cq_on": dt.date(2023, 5, 1),
    "liuchuang_grants": 0,
    "has_title": False,
    "title_level": None,
    "title_rank": None,
    "si_ever_enrolled": True,
    "first_insured_on": dt.date(2023, 5, 1),
    "in_chongqing": True,
    "district": "渝北区",
    "years_since_return": 3,
    "return_date": dt.date(2023, 4, 1),
    "high_level_achievements": 0,
}
FOUNDER = {"is_founder": True, "employer_kind": "自主创业"}
FRESH_GRADUATE = {"years_since_return": 1, "is_employed": False, "employer_name": None, "overseas_degree_rank": 1}

# (policy, case name, profile changes, expected status, text the reasons must contain)
CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("liuchuang_venture", "founder", FOUNDER, "eligible", "申报人为企业法定代表人"),
    ("liuchuang_venture", "founder_unknown", {"is_founder": None}, "needs_evidence", "企业营业执照"),
    ("liuchuang_venture", "two_grants", {**FOUNDER, "liuchuang_grants": 2}, "not_eligible", "资助总次数不超过2次"),
    ("liuchuang_venture", "civil_servant", {**FOUNDER, "employer_kind": "机关"}, "not_eligible", "公务员"),
    ("liuchuang_venture", "not_full_time", {**FOUNDER, "full_time_in_cq": None}, "needs_evidence", "全职回国证明"),
    ("liuchuang_innovation", "master", {}, "eligible", "硕士及以上学位"),
    ("liuchuang_innovation", "unverified", {"returnee_verified": None}, "needs_evidence", "学历学位认证书"),
    (
        "liuchuang_innovation",
        "doctor_postdoc_unknown",
        {"overseas_degree_rank": 1, "highest_overseas_degree": "学士", "overseas_postdoc": None},
        "needs_evidence",
        "博士后工作证明",
    ),
    (
        "liuchuang_innovation",
        "bachelor",
        {"overseas_degree_rank": 1, "highest_overseas_degree": "学士"},
        "not_eligible",
        "最高海外学位：学士",
    ),
    ("liuchuang_innovation", "too_long_back", {"years_in_cq": 7}, "not_eligible", "来渝工作年限：7"),
    ("liuchuang_innovation", "declared_job_only", {"cq_employment_verified": None}, "needs_evidence", "劳动）合同"),
    ("title_green_channel", "first_title", {}, "eligible", "首次申报职称"),
    ("title_green_channel", "employer_unknown", {"employer_in_cq": None}, "needs_evidence", "工作证明"),
    (
        "title_green_channel",
        "has_title",
        {"has_title": True, "title_level": "中级", "title_rank": 2},
        "not_eligible",
        "职称级别：中级",
    ),
    ("title_green_channel", "six_years", {"years_in_cq": 6}, "not_eligible", "来渝工作不超过5年"),
    (
        "si_first_enrolment",
        "never_enrolled",
        {"si_ever_enrolled": False, "first_insured_on": None},
        "eligible",
        "首次参保",
    ),
    (
        "si_first_enrolment",
        "whereabouts_unknown",
        {"si_ever_enrolled": False, "in_chongqing": None},
        "needs_evidence",
        "居住证明",
    ),
    ("si_first_enrolment", "already_insured", {}, "not_eligible", "尚未在本市参加过社会保险"),
    ("employment_internship", "fresh", FRESH_GRADUATE, "eligible", "离校（回国）2年内"),
    ("employment_internship", "job_unknown", {**FRESH_GRADUATE, "is_employed": None}, "needs_evidence", "未就业证明"),
    ("employment_internship", "employed", {"years_since_return": 1}, "not_eligible", "目前未就业"),
    (
        "employment_internship",
        "returned_long_ago",
        {**FRESH_GRADUATE, "years_since_return": 5},
        "not_eligible",
        "2年内",
    ),
    ("startup_guarantee_loan", "founder", FOUNDER, "eligible", "已实际创业"),
    ("startup_guarantee_loan", "founder_unknown", {"is_founder": None}, "needs_evidence", "营业执照"),
    ("startup_guarantee_loan", "employee", {}, "not_eligible", "已实际创业"),
    ("startup_guarantee_loan", "outside_cq", {**FOUNDER, "employer_in_cq": False}, "not_eligible", "重庆市辖区"),
    ("talent_card", "master_in_cq", {}, "eligible", "高层次"),
    (
        "talent_card",
        "bachelor_no_title_record",
        {"overseas_degree_rank": 1, "highest_overseas_degree": "学士"},
        "needs_evidence",
        "职称证书",
    ),
    (
        "talent_card",
        "bachelor_senior_title",
        {"overseas_degree_rank": 1, "title_rank": 3, "title_level": "副高级", "has_title": True},
        "eligible",
        "在渝全职工作",
    ),
    ("talent_card", "not_working_in_cq", {"cq_employment_verified": False}, "not_eligible", "在渝全职工作"),
]


@pytest.fixture(scope="module")
def pushes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict]:
    """All cases evaluated at once, as the nightly run does; keyed by (policy, case)."""
    rows = [{**BASE, **changes, "person_id": f"{policy}/{case}"} for policy, case, changes, _, _ in CASES]
    rows.append({**BASE, "person_id": "not/returnee", "is_returnee": False})
    con = duckdb.connect(str(tmp_path_factory.mktemp("policy") / "w.duckdb"))
    write_table(con, "restricted.person_profile", pl.DataFrame(rows, schema=PROFILE_SCHEMA))
    build_policy_push(con)
    frame = con.sql("SELECT * FROM restricted.policy_push").pl()
    return {(r["policy_id"], r["person_id"]): r for r in frame.iter_rows(named=True)}


def test_every_policy_has_all_three_outcomes_covered() -> None:
    covered = {(p, status) for p, _, _, status, _ in CASES}
    for policy in load_policies():
        for status in ("eligible", "needs_evidence", "not_eligible"):
            assert (policy.id, status) in covered, f"{policy.id} 缺少 {status} 用例"


@pytest.mark.parametrize(
    ("policy", "case", "changes", "status", "reason"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_policy_outcome(
    pushes: dict[tuple[str, str], dict], policy: str, case: str, changes: dict, status: str, reason: str
) -> None:
    push = pushes[(policy, f"{policy}/{case}")]
    assert push["status"] == status, push["reasons"]
    assert reason in push["reasons"]
    prefix = {"eligible": "符合全部", "needs_evidence": "需补充证明材料：", "not_eligible": "不符合："}[status]
    assert push["reasons"].startswith(prefix)
    results = {r["result"] for r in push["condition_results"]}
    if status == "eligible":
        assert results == {"met"} and push["met_conditions"]
    elif status == "needs_evidence":
        assert "unknown" in results and "not_met" not in results
        assert push["missing_evidence"] and not push["failed_conditions"]
    else:
        assert "not_met" in results and push["failed_conditions"]


def test_only_the_talent_library_is_evaluated(pushes: dict[tuple[str, str], dict]) -> None:
    assert not [key for key in pushes if key[1] == "not/returnee"]
    assert len(pushes) == len(CASES) * len(load_policies())


def test_a_failed_condition_outweighs_missing_evidence(pushes: dict[tuple[str, str], dict]) -> None:
    # an unverified returnee who has a job and came back three years ago, for the internship scheme
    push = pushes[("employment_internship", "liuchuang_innovation/unverified")]
    assert push["status"] == "not_eligible"
    assert push["missing_evidence"] == ["教育部留学服务中心出具的国（境）外学历学位认证书"]
    assert len(push["failed_conditions"]) == 2


COLUMNS = {"a": "INTEGER", "b": "BOOLEAN", "c": "VARCHAR"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(3, True, True), (1, True, True), (1, None, None), (1, False, False), (None, False, None), (3, None, True)],
)
def test_rules_follow_three_valued_logic(a: int | None, b: bool | None, expected: bool | None) -> None:
    rule = {"any": [{"field": "a", "op": ">=", "value": 2}, {"field": "b", "op": "=", "value": True}]}
    sql = compile_rule(rule, set(COLUMNS))
    got = duckdb.sql(f"SELECT {sql} FROM (SELECT ?::INTEGER AS a, ?::BOOLEAN AS b)", params=[a, b]).fetchall()
    assert got[0][0] is expected


def test_rule_operators_and_literals() -> None:
    columns = set(COLUMNS)
    assert compile_rule({"field": "c", "op": "in", "value": ["机关", "o'k"]}, columns) == "(c IN ('机关', 'o''k'))"
    assert compile_rule({"not": {"field": "b", "op": "!=", "value": False}}, columns) == "(NOT (b <> FALSE))"
    assert compile_rule({"all": [{"field": "a", "op": "<", "value": 2}]}, columns) == "((a < 2))"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "nope", "op": "=", "value": 1}, "画像中没有字段"),
        ({"field": "a", "op": "~", "value": 1}, "不支持的运算符"),
        ({"field": "a", "op": "in", "value": 1}, "需要非空列表"),
        ({"field": "a", "op": "=", "value": 1, "any": []}, "只能含"),
        ({"any": []}, "不能为空"),
    ],
)
def test_malformed_rules_are_refused(rule: dict, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        compile_rule(rule, set(COLUMNS))


def test_policy_files_need_their_source_and_evidence() -> None:
    text = """
id: x
name: 测试
short_name: 测试
benefit: 无
conditions:
  - {id: c, text: 条件, clause: 一, rule: {field: a, op: "=", value: 1}, evidence: 材料}
"""
    with pytest.raises(PolicyError, match="缺少必填项"):
        parse_policy(text, "x.yaml")
    with_source = text + "source: {issuer: 机关, document: 文件, verified: false}\n"
    assert parse_policy(with_source, "x.yaml").conditions[0].show == ("a",)
    with pytest.raises(PolicyError, match="缺少必填项"):
        parse_policy(with_source.replace(", evidence: 材料", ""), "x.yaml")


def test_library_lists_document_and_clause_of_every_condition() -> None:
    for policy in load_policies():
        assert policy.document and policy.issuer and policy.benefit
        for condition in policy.conditions:
            assert condition.clause and condition.evidence and condition.text
