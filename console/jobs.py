"""What the console shows of job matching: a person's best openings, a posting with its candidates.

Candidates' contact data (mobile, e-mail) is masked unless the user's role is in `CONTACT_ROLES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.snapshot import Snapshot
from dedup.standardise import major_names

MATCH_TABLE = "job_match"
POSTING_TABLE = "job_posting"
OPENINGS_SHOWN = 10
POSTINGS_PAGE = 50
CONTACT_ROLES = frozenset({"admin"})  # roles that see candidates' mobile and e-mail unmasked


def sees_contact(role: str | None) -> bool:
    """Whether a role may see candidates' contact data unmasked."""
    return role in CONTACT_ROLES


def mask_mobile(value: str | None) -> str | None:
    """An 11-digit mobile as first 3 + `****` + last 4."""
    if not value:
        return None
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)


def mask_email(value: str | None) -> str | None:
    """An e-mail address with its local part reduced to the first character."""
    if not value or "@" not in value:
        return None if not value else "*" * len(value)
    local, domain = value.split("@", 1)
    return local[:1] + "***@" + domain


@dataclass(frozen=True)
class Opening:
    """One posting a person is matched to."""

    posting_id: str
    title: str | None
    employer_name: str | None
    district: str | None
    rank: int
    candidates: int
    score: float
    reasons: str


def _has_matching(snapshot: Snapshot) -> bool:
    return snapshot.has(MATCH_TABLE) and snapshot.locate(POSTING_TABLE) is not None


def person_openings(snapshot: Snapshot, person_ids: list[str]) -> dict[str, list[Opening]]:
    """Per person: the openings where they rank best (best rank first, then score), at most `OPENINGS_SHOWN`."""
    if not person_ids or not _has_matching(snapshot):
        return {}
    marks = ", ".join("?" for _ in person_ids)
    rows = snapshot.con.execute(
        f"""
        WITH mine AS (SELECT * FROM {MATCH_TABLE} WHERE person_id IN ({marks})),
        sizes AS (SELECT posting_id, count(*) AS n FROM {MATCH_TABLE}
                  WHERE posting_id IN (SELECT posting_id FROM mine) GROUP BY 1)
        SELECT m.person_id, m.posting_id, p.title, p.employer_name,
               CASE WHEN p.district_any THEN '全市' ELSE p.district END, m.rank_for_posting, s.n, m.score, m.reasons
        FROM mine m JOIN {snapshot.locate(POSTING_TABLE)} p USING (posting_id) JOIN sizes s USING (posting_id)
        QUALIFY row_number() OVER (PARTITION BY m.person_id ORDER BY m.rank_for_posting, m.score DESC, m.posting_id)
                <= {OPENINGS_SHOWN}
        ORDER BY m.person_id, m.rank_for_posting, m.score DESC, m.posting_id
        """,
        person_ids,
    ).fetchall()
    openings: dict[str, list[Opening]] = {}
    for person_id, *rest in rows:
        openings.setdefault(person_id, []).append(Opening(*rest))
    return openings


@dataclass(frozen=True)
class PostingView:
    """A posting, its requirements as standardised, and its candidates."""

    posting: dict[str, object]
    candidates: list[dict[str, object]]
    duplicates: list[str]


def load_posting(snapshot: Snapshot, posting_id: str, role: str | None) -> PostingView | None:
    """The posting with its candidates (contact data masked unless the role allows it); None when unknown."""
    if not _has_matching(snapshot):
        return None
    table = snapshot.locate(POSTING_TABLE)
    rows = snapshot.con.sql(f"SELECT * FROM {table} WHERE posting_id = ?", params=[posting_id]).pl().to_dicts()
    if not rows:
        return None
    duplicates = [
        r[0]
        for r in snapshot.con.execute(
            f"SELECT posting_id FROM {table} WHERE same_as = ? ORDER BY posting_id", [posting_id]
        ).fetchall()
    ]
    people = snapshot.locate("dim_person")
    person_columns = ", d.name, d.mobile, d.email, d.returnee_status_label" if people else ""
    join = f"LEFT JOIN {people} d USING (person_id)" if people else ""
    candidates = (
        snapshot.con.sql(
            f"""
            SELECT m.rank_for_posting, m.person_id, m.score, m.reasons {person_columns}
            FROM {MATCH_TABLE} m {join} WHERE m.posting_id = ? ORDER BY m.rank_for_posting
            """,
            params=[posting_id],
        )
        .pl()
        .to_dicts()
    )
    if not sees_contact(role):
        for c in candidates:
            c["mobile"] = mask_mobile(c.get("mobile"))
            c["email"] = mask_email(c.get("email"))
    return PostingView(rows[0], candidates, duplicates)


def posting_list(snapshot: Snapshot, status: str, unmet_only: bool, page: int) -> tuple[list[dict[str, object]], int]:
    """Postings of a status (all when empty), with their candidate counts, a page at a time; and the total."""
    if not _has_matching(snapshot):
        return [], 0
    where = ["(? = '' OR p.status = ?)"]
    if unmet_only:
        where.append("coalesce(n.candidates, 0) = 0")
    sql = f"""
        FROM {snapshot.locate(POSTING_TABLE)} p
        LEFT JOIN (SELECT posting_id, count(*) AS candidates FROM {MATCH_TABLE} GROUP BY 1) n USING (posting_id)
        WHERE {" AND ".join(where)}
    """
    total = snapshot.con.execute(f"SELECT count(*) {sql}", [status, status]).fetchall()[0][0]
    rows = (
        snapshot.con.sql(
            f"""
            SELECT p.posting_id, p.title, p.employer_name, p.category, p.posting_kind,
                   CASE WHEN p.district_any THEN '全市' ELSE p.district END AS district, p.posted_on, p.closes_on,
                   p.status_label, coalesce(n.candidates, 0) AS candidates
            {sql} ORDER BY p.posted_on DESC NULLS LAST, p.posting_id LIMIT {POSTINGS_PAGE} OFFSET ?
            """,
            params=[status, status, (page - 1) * POSTINGS_PAGE],
        )
        .pl()
        .to_dicts()
    )
    return rows, int(total)


EDUCATION = {3: "博士研究生", 2: "硕士研究生", 1: "大学本科"}
DEGREE = {3: "博士", 2: "硕士", 1: "学士"}
TITLE = {4: "正高级", 3: "副高级", 2: "中级", 1: "初级"}
OVERSEAS = {"required": "须有留学经历", "preferred": "留学人员优先"}


def requirements(posting: dict[str, object]) -> list[tuple[str, str]]:
    """The posting's requirements as matching read them, in Chinese ('不限' where none)."""

    def ranked(column: str, labels: dict[int, str]) -> str:
        value = posting.get(column)
        return labels.get(value, str(value)) + "及以上" if isinstance(value, int) else "不限"

    names = major_names()
    codes = [str(c) for c in posting.get("major_codes") or []]  # type: ignore[attr-defined]
    read = "、".join(f"{names.get(c, c)}（{c}）" for c in codes)
    majors = "不限" if posting.get("major_any") else read or "未能识别（不作要求）"
    age = posting.get("max_age")
    countries = [str(c) for c in posting.get("preferred_countries") or []]  # type: ignore[attr-defined]
    return [
        ("专业要求（原文）", str(posting.get("majors_text") or "—")),
        ("专业（目录代码）", majors),
        ("学历", ranked("min_education_rank", EDUCATION)),
        ("学位", ranked("min_degree_rank", DEGREE)),
        ("职称", ranked("min_title_rank", TITLE)),
        ("年龄上限", f"{age}周岁（按发布日期）" if age is not None else "不限或未能识别"),
        ("留学经历", OVERSEAS.get(str(posting.get("overseas_requirement")), "不限")),
        ("偏好留学国家（地区）", "、".join(countries) or "无"),
        ("工作地点", "全市" if posting.get("district_any") else str(posting.get("district") or "未能识别")),
        (
            "岗位类型",
            str(posting.get("posting_kind") or "—")
            + ("（另须符合就业见习政策）" if posting.get("posting_kind") == "就业见习" else ""),
        ),
    ]
