"""The policy library: one YAML file per measure (`warehouse/serve/policies/*.yaml`), every
condition quoting the published text it implements (`warehouse/serve/policies/texts/`).

A measure names its document (number, title, issuer, date: the entry of `texts/documents.yaml`
for that number) and, per condition, the clause, the words it implements (`quote`, one string or
a list), the data its rule reads (`data`) and the evidence a person submits when the data cannot
tell. A condition whose rule needs a fact the text does not state says where it comes from
(`basis`). Loading checks all of it: unknown keys, a document number that is not among the texts,
a quote not found in its text (whitespace ignored), and `verified: true` on a measure with a
condition resting on a `basis`. So a measure is `verified` only when every condition is quoted
and found.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

import yaml

EVIDENCE_ONLY = "evidence_only"  # a condition only evidence (or the expert review) can settle
DECIDES = ("met", "not_met")  # a rule leaf whose data can only prove (met) or only disprove (not_met)

_POLICY_KEYS = {"id", "name", "short_name", "document", "verified", "benefit", "apply", "conditions", "materials"}
_REQUIRED_POLICY_KEYS = _POLICY_KEYS - {"materials"}
_DOCUMENT_KEYS = {"number", "title", "issuer", "date"}
_CITATION_KEYS = {"text", "clause", "quote", "document"}
_CONDITION_KEYS = _CITATION_KEYS | {"id", "rule", "data", "evidence", "show", "basis"}
_REQUIRED_CONDITION_KEYS = {"id", "text", "clause", "quote", "rule", "evidence"}


class PolicyError(ValueError):
    """A policy file that does not follow the library's format or misquotes its text."""


def normalise_text(text: str) -> str:
    """Text with all whitespace removed (the texts are extracted from PDF: line breaks and spacing
    are not the original layout, and Chinese has no spaces between words)."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Document:
    """A published document of `texts/`."""

    number: str | None
    title: str
    issuer: str
    date: dt.date | None
    file: str
    text: str  # as received

    @property
    def key(self) -> str:
        """How policies cite it: its number, or its title when it has none."""
        return self.number or self.title

    @property
    def label(self) -> str:
        """`《title》number` for reasons and messages."""
        return f"《{self.title}》{self.number or ''}"

    def contains(self, quote: str) -> bool:
        """Whether `quote` is in the text, whitespace ignored."""
        return normalise_text(quote) in _normalised(self.text)


@cache
def _normalised(text: str) -> str:
    return normalise_text(text)


def texts_folder() -> Traversable:
    """The project's copy of the published texts."""
    return resources.files("warehouse.serve") / "policies" / "texts"


@cache
def load_documents() -> dict[str, Document]:
    """The published documents by the key policies cite them with (number, else title)."""
    folder = texts_folder()
    entries = yaml.safe_load((folder / "documents.yaml").read_text(encoding="utf-8"))
    documents = [
        Document(
            number=e["number"],
            title=e["title"],
            issuer=e["issuer"],
            date=e["date"],
            file=e["file"],
            text=(folder / e["file"]).read_text(encoding="utf-8"),
        )
        for e in entries
    ]
    return {d.key: d for d in documents}


@dataclass(frozen=True)
class Citation:
    """A statement of the library backed by words of a published text."""

    text: str  # what the library says (summary or the words themselves)
    clause: str
    quotes: tuple[str, ...]  # the words of the text it rests on
    document: Document


@dataclass(frozen=True)
class Condition:
    """One condition of a measure: the clause it implements and how the data judges it."""

    id: str
    text: str
    clause: str
    quotes: tuple[str, ...]
    document: Document
    rule: dict[str, Any] | None  # None: only evidence can settle it
    data: str | None  # what data the rule reads
    evidence: str  # what the person submits when the data cannot tell
    show: tuple[str, ...]
    basis: str | None = None  # where a fact the text does not state comes from


@dataclass(frozen=True)
class Policy:
    """One measure of the library."""

    id: str
    name: str
    short_name: str
    document: Document
    verified: bool
    benefit: Citation
    apply: Citation
    conditions: tuple[Condition, ...]
    materials: tuple[Citation, ...]
    file: str = ""


def rule_fields(rule: dict[str, Any] | None) -> list[str]:
    """Profile columns a rule reads, in order of appearance."""
    if rule is None:
        return []
    if "field" in rule:
        return [rule["field"]]
    key = next(k for k in ("all", "any", "not") if k in rule)
    parts = rule[key] if key != "not" else [rule[key]]
    return [f for part in parts for f in rule_fields(part)]


def _check_keys(entry: Any, allowed: set[str], required: set[str], where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise PolicyError(f"{where} 应为键值表")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise PolicyError(f"{where} 有未知项：{', '.join(unknown)}")
    missing = sorted(k for k in required if entry.get(k) in (None, "", []))
    if missing:
        raise PolicyError(f"{where} 缺少必填项：{', '.join(missing)}")
    return entry


def _document(reference: str, documents: dict[str, Document], where: str) -> Document:
    if reference not in documents:
        raise PolicyError(f"{where} 引用的文件“{reference}”不在政策原文库中（texts/documents.yaml）")
    return documents[reference]


def _quotes(entry: dict[str, Any], document: Document, where: str) -> tuple[str, ...]:
    raw = entry["quote"]
    quotes = tuple(str(q) for q in (raw if isinstance(raw, list) else [raw]))
    for quote in quotes:
        if not normalise_text(quote) or not document.contains(quote):
            raise PolicyError(f"{where} 的引文未在{document.label}中找到：{quote}")
    return quotes


def _citation(entry: Any, default: Document, documents: dict[str, Document], where: str) -> Citation:
    entry = _check_keys(entry, _CITATION_KEYS, {"text", "clause", "quote"}, where)
    document = _document(entry["document"], documents, where) if "document" in entry else default
    return Citation(str(entry["text"]), str(entry["clause"]), _quotes(entry, document, where), document)


def _rule(rule: Any, where: str) -> dict[str, Any] | None:
    """The rule as written, `None` for `evidence_only`; `decides` checked on every leaf."""
    if rule == EVIDENCE_ONLY:
        return None
    if not isinstance(rule, dict):
        raise PolicyError(f"{where} 的规则应为 field/all/any/not 表达式或 {EVIDENCE_ONLY}")
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "decides" in node and node["decides"] not in DECIDES:
                raise PolicyError(f"{where} 的 decides 只能是 {' / '.join(DECIDES)}")
            stack += [v for k, v in node.items() if k in ("all", "any", "not")]
        elif isinstance(node, list):
            stack += node
    return rule


def _condition(entry: Any, default: Document, documents: dict[str, Document], where: str) -> Condition:
    entry = _check_keys(entry, _CONDITION_KEYS, _REQUIRED_CONDITION_KEYS, where)
    where = f"{where} {entry['id']}"
    document = _document(entry["document"], documents, where) if "document" in entry else default
    rule = _rule(entry["rule"], where)
    if rule is not None and not entry.get("data"):
        raise PolicyError(f"{where} 缺少必填项：data（规则所用的数据）")
    if rule is None and (entry.get("data") or entry.get("show")):
        raise PolicyError(f"{where} 只能凭材料认定，不应有 data 或 show")
    return Condition(
        id=str(entry["id"]),
        text=str(entry["text"]),
        clause=str(entry["clause"]),
        quotes=_quotes(entry, document, where),
        document=document,
        rule=rule,
        data=entry.get("data"),
        evidence=str(entry["evidence"]),
        show=tuple(entry.get("show") or dict.fromkeys(rule_fields(rule))),
        basis=entry.get("basis"),
    )


def _policy_document(block: Any, documents: dict[str, Document], where: str) -> Document:
    block = _check_keys(block, _DOCUMENT_KEYS, {"title", "issuer"}, f"{where} document")
    document = _document(block.get("number") or block["title"], documents, where)
    stated = {
        "number": block.get("number"),
        "title": block["title"],
        "issuer": block["issuer"],
        "date": block.get("date"),
    }
    known = {"number": document.number, "title": document.title, "issuer": document.issuer, "date": document.date}
    differing = [k for k in stated if stated[k] != known[k]]
    if differing:
        raise PolicyError(f"{where} 的文件信息与原文库不一致：{', '.join(differing)}")
    return document


def parse_policy(text: str, file: str = "", documents: dict[str, Document] | None = None) -> Policy:
    """A policy from its YAML text, checked against the published texts (rule fields are checked
    when the rules are compiled against the profile)."""
    documents = load_documents() if documents is None else documents
    where = file or "政策"
    data = _check_keys(yaml.safe_load(text), _POLICY_KEYS, _REQUIRED_POLICY_KEYS, where)
    document = _policy_document(data["document"], documents, where)
    if not isinstance(data["verified"], bool):
        raise PolicyError(f"{where} 的 verified 应为 true 或 false")
    if not isinstance(data["conditions"], list):
        raise PolicyError(f"{where} 的 conditions 应为列表")
    conditions = tuple(_condition(c, document, documents, f"{where} 条件") for c in data["conditions"])
    if len({c.id for c in conditions}) != len(conditions):
        raise PolicyError(f"{where} 的条件编号重复")
    policy = Policy(
        id=str(data["id"]),
        name=str(data["name"]),
        short_name=str(data["short_name"]),
        document=document,
        verified=data["verified"],
        benefit=_citation(data["benefit"], document, documents, f"{where} benefit"),
        apply=_citation(data["apply"], document, documents, f"{where} apply"),
        conditions=conditions,
        materials=tuple(_citation(m, document, documents, f"{where} materials") for m in data.get("materials") or ()),
        file=file,
    )
    resting = [c.id for c in conditions if c.basis]
    if policy.verified and resting:
        raise PolicyError(f"{where} 标为 verified，但条件 {', '.join(resting)} 依据原文以外的规定（basis）")
    return policy


def load_policies() -> list[Policy]:
    """Every policy of the library, ordered by file name."""
    folder = resources.files("warehouse.serve") / "policies"
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    policies = [parse_policy(p.read_text(encoding="utf-8"), p.name) for p in files]
    if len({p.id for p in policies}) != len(policies):
        raise PolicyError("政策编号重复")
    return policies
