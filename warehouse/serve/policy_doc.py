"""The policy library as a Markdown reference (`docs/policies.md`, section 政策一览 onwards).

Regenerate after changing a policy file:

    python -m warehouse.serve.policy_doc --out docs/policies.md

Only the part after the marker line is generated; the text above it is kept as written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from warehouse.serve.policy_library import Citation, Condition, Policy, load_policies

MARKER = "<!-- 以下由 python -m warehouse.serve.policy_doc 生成，请勿手工修改 -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _quotes(item: Citation | Condition) -> str:
    return " …… ".join(f"“{_cell(q)}”" for q in item.quotes)


def _source(item: Citation | Condition, policy: Policy) -> str:
    where = "" if item.document is policy.document else f"{item.document.label} "
    return f"{where}{item.clause}"


def _judged(condition: Condition) -> str:
    if condition.rule is None:
        return "只能凭材料或评审认定"
    basis = f"<br>**原文以外的依据**：{_cell(condition.basis)}" if condition.basis else ""
    return _cell(condition.data or "") + basis


def overview(policies: list[Policy]) -> list[str]:
    """The table of all measures: document, clauses, whether verified."""
    lines = ["| 政策 | 文件 | 条款 | 条件数（其中凭材料） | 已核对 |", "|---|---|---|---|---|"]
    for p in policies:
        clauses = "、".join(dict.fromkeys(part for c in p.conditions for part in _source(c, p).split("、")))
        evidence_only = sum(c.rule is None for c in p.conditions)
        lines.append(
            f"| [{p.short_name}](#{p.id}) | {p.document.label} | {clauses} | {len(p.conditions)}（{evidence_only}） "
            f"| {'是' if p.verified else '否'} |"
        )
    return lines


def details(policy: Policy) -> list[str]:
    """One measure: benefit, where to apply, every condition with its quote, data and evidence."""
    doc = policy.document
    lines = [
        f'<a id="{policy.id}"></a>',
        f"### {policy.name}",
        "",
        f"- 文件：{doc.label}，{doc.issuer}，{doc.date.isoformat() if doc.date else '原文未载明日期'}"
        f"（`warehouse/serve/policies/{policy.file}`）",
        f"- 支持内容：{_cell(policy.benefit.text)}（{_source(policy.benefit, policy)}：{_quotes(policy.benefit)}）",
        f"- 申请：{_cell(policy.apply.text)}（{_source(policy.apply, policy)}）",
        f"- 条款已核对：{'是' if policy.verified else '否（有条件依据原文以外的规定，不向个人推送）'}",
        "",
        "| 条件 | 条款 | 原文 | 数据如何判定 | 需提交的材料 |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(c.text)} | {_source(c, policy)} | {_quotes(c)} | {_judged(c)} | {_cell(c.evidence)} |"
        for c in policy.conditions
    ]
    if policy.materials:
        lines += ["", "申报材料：", ""]
        lines += [f"- {_cell(m.text)}（{_source(m, policy)}）" for m in policy.materials]
    return [*lines, ""]


def render_policy_doc(policies: list[Policy] | None = None) -> str:
    """The generated part of docs/policies.md."""
    policies = load_policies() if policies is None else policies
    lines = [MARKER, "", "## 政策一览", "", *overview(policies), "", "## 各项政策的条件", ""]
    for policy in policies:
        lines += details(policy)
    return "\n".join(lines)


def write_policy_doc(path: Path) -> None:
    """Replace the generated part of `path` (everything from the marker on), keeping the text above."""
    head = path.read_text(encoding="utf-8").split(MARKER)[0].rstrip("\n") if path.exists() else ""
    path.write_text(f"{head}\n\n{render_policy_doc()}", encoding="utf-8")


def main() -> None:
    """Command line: write the generated reference into --out."""
    parser = argparse.ArgumentParser(description="生成政策库说明（docs/policies.md 的政策一览部分）")
    parser.add_argument("--out", required=True)
    write_policy_doc(Path(parser.parse_args().out))


if __name__ == "__main__":
    main()
