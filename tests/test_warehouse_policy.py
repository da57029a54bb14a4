"""Every policy of the library on hand-built profiles: eligible, needs evidence, not eligible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest

from warehouse.serve.policy import (
    build_policy_push,
    compile_rule,
    employment_internship_status,
    load_policies,
)
from warehouse.serve.policy_library import PolicyError
from warehouse.store.db import write_table

# Every profile column a policy reads or shows, with its type.
PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.Utf8,
    "as_of_date": pl.Date,
    "is_returnee": pl.Boolean,
    "returnee_verified": pl.Boolean,
    "returnee_status_label": pl.Utf8,
    "employer_kind": pl.Utf8,
    "outside_civil_service": pl.Boolean,
    "employer_name": pl.Utf8,
    "employer_district": pl.Utf8,
    "employer_in_cq": pl.Boolean,
    "overseas_degree_rank": pl.Int32,
    "highest_overseas_degree": pl.Utf8,
    "overseas_postdoc": pl.Boolean,
    "is_founder": pl.Boolean,
    "insured": pl.Boolean,
    "has_verified_employment": pl.Boolean,
    "full_time_in_cq": pl.Boolean,
    "cq_employment_verified": pl.Boolean,
    "is_employed": pl.Boolean,
    "years_in_cq": pl.Int32,
    "arrived_cq_on": pl.Date,
    "liuchuang_grants": pl.Int32,
    "liuchuang_last_grant_year": pl.Int32,
    "award_since_grant": pl.Boolean,
    "national_programme_funded": pl.Boolean,
    "employer_insured_persons": pl.Int32,
    "employer_si_since": pl.Date,
    "employer_si_years": pl.Int32,
    "employer_pays_si": pl.Boolean,
    "pre_departure_contributions": pl.Boolean,
    "departure_date": pl.Date,
    "has_title": pl.Boolean,
    "title_level": pl.Utf8,
    "title_rank": pl.Int32,
    "si_ever_enrolled": pl.Boolean,
    "first_insured_on": pl.Date,
    "in_chongqing": pl.Boolean,
    "district": pl.Utf8,
    "years_since_return": pl.Int32,
    "return_date": pl.Date,
}

# A returnee with a verified overseas master's degree, three years in a Chongqing company.
BASE: dict[str, Any] = {
    "as_of_date": dt.date(2026, 11, 21),
    "is_returnee": True,
    "returnee_verified": True,
    "returnee_status_label": "已认证",
    "employer_kind": "民营企业",
    "outside_civil_service": True,
    "employer_name": "重庆星河科技有限公司",
    "employer_district": "渝北区",
    "employer_in_cq": True,
    "overseas_degree_rank": 2,
    "highest_overseas_degree": "硕士",
    "overseas_postdoc": False,
    "is_founder": False,
    "insured": True,
    "has_verified_employment": True,
    "full_time_in_cq": True,
    "cq_employment_verified": True,
    "is_employed": True,
    "years_in_cq": 3,
    "arrived_cq_on": dt.date(2023, 5, 1),
    "liuchuang_grants": 0,
    "liuchuang_last_grant_year": None,
    "award_since_grant": None,
    "national_programme_funded": False,
    "employer_insured_persons": 2,
    "employer_si_since": dt.date(2023, 5, 1),
    "employer_si_years": 3,
    "employer_pays_si": True,
    "pre_departure_contributions": None,
    "departure_date": dt.date(2019, 9, 1),
    "has_title": False,
    "title_level": None,
    "title_rank": None,
    "si_ever_enrolled": True,
    "first_insured_on": dt.date(2023, 5, 1),
    "in_chongqing": True,
    "district": "渝北区",
    "years_since_return": 3,
    "return_date": dt.date(2023, 4, 1),
}
FOUNDER = {"is_founder": True, "employer_kind": "自主创业", "employer_insured_persons": 6}
FRESH_GRADUATE = {"years_since_return": 1, "is_employed": False, "employer_name": None, "overseas_degree_rank": 1}
ONE_GRANT = {"liuchuang_grants": 1, "liuchuang_last_grant_year": 2022}

# (policy, case name, profile changes, expected status, text the reasons must contain)
CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("liuchuang_venture", "founder", FOUNDER, "needs_evidence", "企业注册资本及占股情况资料"),
    ("liuchuang_venture", "employee", {}, "not_eligible", "申报人为企业法定代表人"),
    ("liuchuang_venture", "two_grants", {**FOUNDER, "liuchuang_grants": 2}, "not_eligible", "资助总次数不超过2次"),
    (
        "liuchuang_venture",
        "civil_servant",
        {**FOUNDER, "employer_kind": "机关", "outside_civil_service": False},
        "not_eligible",
        "公务员",
    ),
    (
        "liuchuang_venture",
        "national_programme",
        {**FOUNDER, "national_programme_funded": True},
        "not_eligible",
        "未入选国家级留学回国人才计划",
    ),
    ("liuchuang_venture", "registered_elsewhere", {**FOUNDER, "employer_in_cq": False}, "not_eligible", "在渝工商登记"),
    ("liuchuang_innovation", "master", {}, "needs_evidence", "专家评选认定"),
    ("liuchuang_innovation", "one_grant", ONE_GRANT, "needs_evidence", "获资助后新取得的发明专利授权证书"),
    ("liuchuang_innovation", "one_grant_award", {**ONE_GRANT, "award_since_grant": True}, "needs_evidence", "专家"),
    (
        "liuchuang_innovation",
        "bachelor",
        {"overseas_degree_rank": 1, "highest_overseas_degree": "学士"},
        "not_eligible",
        "最高海外学位：学士",
    ),
    (
        "liuchuang_innovation",
        "declared_job_only",
        {"cq_employment_verified": None, "employer_in_cq": None},
        "needs_evidence",
        "劳动）合同",
    ),
    ("title_green_channel", "first_title", {}, "eligible", "首次申报专业技术职称"),
    ("title_green_channel", "job_unverified", {"cq_employment_verified": None}, "needs_evidence", "工作证明"),
    (
        "title_green_channel",
        "has_title",
        {"has_title": True, "title_level": "中级", "title_rank": 2},
        "not_eligible",
        "职称级别：中级",
    ),
    ("title_green_channel", "five_years", {"years_in_cq": 5}, "not_eligible", "来渝工作年限：5"),
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
    ("si_first_enrolment", "already_insured", {}, "not_eligible", "首次参保"),
    (
        "si_keep_contribution_years",
        "founder_insured_before",
        {**FOUNDER, "pre_departure_contributions": True},
        "needs_evidence",
        "以经办机构要求为准",
    ),
    ("si_keep_contribution_years", "employee", {}, "not_eligible", "来渝创业"),
    ("startup_guarantee_loan", "founder", FOUNDER, "eligible", "已创业"),
    ("startup_guarantee_loan", "founder_unknown", {"is_founder": None}, "needs_evidence", "营业执照"),
    ("startup_guarantee_loan", "employee", {}, "not_eligible", "已创业"),
    ("startup_guarantee_loan", "outside_cq", {**FOUNDER, "employer_in_cq": False}, "not_eligible", "在我市创业"),
    ("haichuang_loan", "founder", FOUNDER, "needs_evidence", "企业纳税证明及信用记录"),
    (
        "haichuang_loan",
        "young_company",
        {**FOUNDER, "employer_si_years": 0, "employer_si_since": dt.date(2026, 3, 1)},
        "needs_evidence",
        "持续经营1年以上的证明",
    ),
    ("haichuang_loan", "employee", {}, "not_eligible", "本人创办企业"),
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
    ("talent_card", "returnee", {}, "needs_evidence", "人才认定"),
    ("talent_card", "returnee_refuted", {"returnee_verified": False}, "not_eligible", "留学回国人才"),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A warehouse whose profile holds every case (and one person outside the talent library)."""
    rows = [{**BASE, **changes, "person_id": f"{policy}/{case}"} for policy, case, changes, _, _ in CASES]
    rows.append({**BASE, "person_id": "not/returnee", "is_returnee": False})
    connection = duckdb.connect(str(tmp_path_factory.mktemp("policy") / "w.duckdb"))
    write_table(connection, "restricted.person_profile", pl.DataFrame(rows, schema=PROFILE_SCHEMA))
    build_policy_push(connection)
    return connection


@pytest.fixture(scope="module")
def pushes(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict]:
    """All cases evaluated at once, as the nightly run does; keyed by (policy, person)."""
    frame = con.sql("SELECT * FROM restricted.policy_push").pl()
    return {(r["policy_id"], r["person_id"]): r for r in frame.iter_rows(named=True)}


def test_every_policy_has_its_outcomes_covered() -> None:
    covered = {(p, status) for p, _, _, status, _ in CASES}
    for policy in load_policies():
        # a measure with a condition only evidence can settle is never `eligible` on data alone
        statuses = ["needs_evidence", "not_eligible"]
        if all(c.rule is not None for c in policy.conditions):
            statuses.append("eligible")
        for status in statuses:
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
        assert push["missing_evidence"] and push["unknown_conditions"] and not push["failed_conditions"]
    else:
        assert "not_met" in results and push["failed_conditions"]


def test_a_grant_followed_by_an_award_meets_the_repeat_condition(pushes: dict[tuple[str, str], dict]) -> None:
    def results(policy: str, case: str) -> dict[str, str]:
        push = pushes[(policy, f"{policy}/{case}")]
        return {r["condition_id"]: r["result"] for r in push["condition_results"]}

    assert results("liuchuang_innovation", "master")["new_result_since_grant"] == "met"
    assert results("liuchuang_innovation", "one_grant")["new_result_since_grant"] == "unknown"
    assert results("liuchuang_innovation", "one_grant_award")["new_result_since_grant"] == "met"
    assert results("liuchuang_venture", "two_grants")["at_most_two_grants"] == "not_met"


def test_each_evidence_is_asked_for_once(pushes: dict[tuple[str, str], dict]) -> None:
    # the employer in Chongqing and the contract are both proven by the same contract
    push = pushes[("liuchuang_innovation", "liuchuang_innovation/declared_job_only")]
    assert {"在我市辖区内企事业单位工作", "申报人与所在单位签订聘用（劳动）合同"} <= set(push["unknown_conditions"])
    assert len(push["missing_evidence"]) == len(set(push["missing_evidence"]))
    assert push["missing_evidence"].count("在渝工作情况资料，如与用人单位签订的聘用（劳动）合同等") == 1


def test_only_the_talent_library_is_evaluated(pushes: dict[tuple[str, str], dict]) -> None:
    assert not [key for key in pushes if key[1] == "not/returnee"]
    assert len(pushes) == len(CASES) * len(load_policies())


def test_a_failed_condition_outweighs_missing_evidence(pushes: dict[tuple[str, str], dict]) -> None:
    # an employee whose returnee status is refuted, for the guarantee loan: two failures, nothing to submit
    push = pushes[("startup_guarantee_loan", "talent_card/returnee_refuted")]
    assert push["status"] == "not_eligible"
    assert len(push["failed_conditions"]) == 2 and push["missing_evidence"] == []


def test_internship_status_for_job_matching(con: duckdb.DuckDBPyConnection) -> None:
    everyone = employment_internship_status(con)
    assert everyone.height == len(CASES)
    asked = employment_internship_status(con, ["employment_internship/fresh", "employment_internship/employed"])
    assert dict(zip(asked["person_id"], asked["status"], strict=True)) == {
        "employment_internship/fresh": "eligible",
        "employment_internship/employed": "not_eligible",
    }


COLUMNS = {"a": "INTEGER", "b": "BOOLEAN", "c": "VARCHAR"}


def _value(rule: dict | None, a: int | None, b: bool | None) -> bool | None:
    sql = compile_rule(rule, set(COLUMNS))
    return duckdb.sql(f"SELECT {sql} FROM (SELECT ?::INTEGER AS a, ?::BOOLEAN AS b)", params=[a, b]).fetchall()[0][0]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(3, True, True), (1, True, True), (1, None, None), (1, False, False), (None, False, None), (3, None, True)],
)
def test_rules_follow_three_valued_logic(a: int | None, b: bool | None, expected: bool | None) -> None:
    rule = {"any": [{"field": "a", "op": ">=", "value": 2}, {"field": "b", "op": "=", "value": True}]}
    assert _value(rule, a, b) is expected


@pytest.mark.parametrize(
    ("decides", "a", "expected"),
    [("met", 6, True), ("met", 2, None), ("not_met", 6, None), ("not_met", 2, False), (None, 2, False)],
)
def test_a_rule_that_decides_one_way_leaves_the_other_unknown(decides: str | None, a: int, expected: bool) -> None:
    rule = {"field": "a", "op": ">=", "value": 5} | ({"decides": decides} if decides else {})
    assert _value(rule, a, None) is expected


def test_an_evidence_only_condition_is_never_decided_by_data() -> None:
    assert _value(None, 1, True) is None


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


def test_the_library_tables_name_document_clause_and_quote(con: duckdb.DuckDBPyConnection) -> None:
    measures = con.sql("SELECT * FROM restricted.dim_policy").pl()
    assert measures.height == len(load_policies())
    assert measures.filter(pl.col("policy_id") == "liuchuang_venture")["document_number"].to_list() == [
        "渝人社办〔2025〕104号"
    ]
    conditions = con.sql("SELECT * FROM restricted.dim_policy_condition").pl()
    assert conditions.filter(pl.col("quote").is_null() | pl.col("clause").is_null()).is_empty()
    evidence_only = conditions.filter(pl.col("judged_by") == "evidence")
    assert evidence_only.height > 0 and evidence_only["rule"].is_null().all()
    assert conditions.filter((pl.col("judged_by") == "data") & pl.col("data_source").is_null()).is_empty()
