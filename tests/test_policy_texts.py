"""The policy library rests on the published texts: every quote is in its text, every document
number is one of the texts, a measure is `verified` only when every condition is quoted and found,
and the project's copy of the texts is the shared one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from warehouse.serve.policy_doc import MARKER, render_policy_doc
from warehouse.serve.policy_library import (
    PolicyError,
    load_documents,
    load_policies,
    normalise_text,
    parse_policy,
    texts_folder,
)

ROOT = Path(__file__).resolve().parents[1]


def _text_of(file: str) -> str:
    return normalise_text((texts_folder() / file).read_text(encoding="utf-8"))


def test_every_quote_is_in_its_text() -> None:
    quoted = 0
    for policy in load_policies():
        items = [policy.benefit, policy.apply, *policy.conditions, *policy.materials]
        for item in items:
            for quote in item.quotes:
                assert normalise_text(quote) in _text_of(item.document.file), f"{policy.file}: {quote}"
                quoted += 1
    assert quoted > 50


def test_verified_measures_rest_on_quotes_alone() -> None:
    verified = [p for p in load_policies() if p.verified]
    assert len(verified) >= 8
    for policy in verified:
        for condition in policy.conditions:
            assert condition.quotes and not condition.basis, f"{policy.id}.{condition.id}"


def test_unverified_measures_say_where_the_other_facts_come_from() -> None:
    for policy in load_policies():
        if not policy.verified:
            assert any(c.basis for c in policy.conditions), policy.id


def test_document_numbers_and_titles_are_printed_in_their_texts() -> None:
    documents = load_documents()
    assert {d.number for d in documents.values()} == {"渝人社规〔2026〕9号", "渝人社办〔2025〕104号", None}
    readme = normalise_text((texts_folder() / "README.md").read_text(encoding="utf-8"))
    for document in documents.values():
        text = _text_of(document.file)
        if document.number:
            assert document.number in text
        assert normalise_text(document.title) in text
        if document.date:
            assert f"{document.date.year}年{document.date.month}月{document.date.day}日" in text
        assert document.file in readme and normalise_text(document.issuer) in readme + text


def test_every_text_of_the_folder_is_registered() -> None:
    files = {p.name for p in texts_folder().iterdir() if p.name.endswith(".txt")}
    assert files == {d.file for d in load_documents().values()}


def test_the_copy_of_the_texts_is_the_shared_one(shared_inputs: Path) -> None:
    shared = {p.name: p.read_bytes() for p in (shared_inputs / "policy-sources").iterdir() if p.is_file()}
    copy = {p.name: p.read_bytes() for p in texts_folder().iterdir() if p.name != "documents.yaml"}
    assert copy == shared


VALID = """
id: x
name: 测试政策
short_name: 测试
document: {number: 渝人社规〔2026〕9号, title: 构建留学回国人才“一站式”服务体系的若干措施,
           issuer: 重庆市人力资源和社会保障局等14个部门, date: 2026-05-26}
verified: true
benefit: {text: 首次参保绿色通道, clause: 九, quote: 建立留学回国人才首次参保“绿色通道”}
apply: {text: 渝快办, clause: 二, quote: 纳入“渝快办”政务服务平台}
conditions:
  - id: first
    text: 首次参保
    clause: 九
    quote: 首次参保“绿色通道”
    rule: {field: si_ever_enrolled, op: "=", value: false}
    data: 参保记录
    evidence: 无参保记录的查询结果
"""


def test_a_well_formed_policy_loads() -> None:
    policy = parse_policy(VALID, "x.yaml")
    assert policy.verified and policy.conditions[0].show == ("si_ever_enrolled",)
    assert policy.document.number == "渝人社规〔2026〕9号"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("number: 渝人社规〔2026〕9号", "number: 渝人社办〔2023〕112号", "不在政策原文库中"),
        ("number: 渝人社规〔2026〕9号", "number: 相关规定（待核实）", "不在政策原文库中"),
        ("quote: 首次参保“绿色通道”", "quote: 首次参保一律免费", "引文未在"),
        ("quote: 纳入“渝快办”政务服务平台", "quote: 渝快办一网通办", "引文未在"),
        ("date: 2026-05-26", "date: 2026-05-27", "文件信息与原文库不一致：date"),
        ("    data: 参保记录\n", "    data: 参保记录\n    basis: 另一文件\n", "依据原文以外的规定"),
        ("    data: 参保记录\n", "", "缺少必填项：data"),
        ('    rule: {field: si_ever_enrolled, op: "=", value: false}', "    rule: evidence_only", "不应有 data"),
        ("    evidence: 无参保记录的查询结果\n", "", "缺少必填项：evidence"),
        ("    clause: 九\n    quote: 首次参保“绿色通道”\n", "    clause: 九\n", "缺少必填项：quote"),
        ("    data: 参保记录\n", "    data: 参保记录\n    verified: true\n", "未知项：verified"),
        ("verified: true", "verified: 是", "verified 应为 true 或 false"),
        ("value: false}", "value: false, decides: maybe}", "decides 只能是"),
    ],
)
def test_a_policy_that_strays_from_its_text_is_refused(old: str, new: str, message: str) -> None:
    assert old in VALID
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_policy(VALID.replace(old, new), "x.yaml")


def test_a_condition_may_quote_another_registered_document() -> None:
    other = VALID.replace(
        "    quote: 首次参保“绿色通道”\n",
        "    document: 关于进一步做好留学人才回国服务工作的意见\n    quote: 落实留学回国人才社会保险待遇\n",
    )
    assert parse_policy(other, "x.yaml").conditions[0].document.number is None


def test_the_policy_reference_is_up_to_date() -> None:
    doc = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert MARKER in doc, "docs/policies.md 缺少生成标记"
    assert doc.split(MARKER)[1] == render_policy_doc().split(MARKER)[1], (
        "请运行 python -m warehouse.serve.policy_doc --out docs/policies.md"
    )


def test_the_readme_lists_every_policy_with_its_document() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for policy in load_policies():
        row = next((line for line in readme.splitlines() if f"[{policy.short_name}]" in line), None)
        assert row is not None, f"README 未列出 {policy.short_name}"
        assert (policy.document.number or policy.document.title) in row
