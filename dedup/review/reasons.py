"""Why a candidate is in the review queue: reason codes, and the evidence in words a steward reads."""

from __future__ import annotations

import polars as pl

# A link this probable between two persons is a reason of its own (below it, the pair is a namesake).
UNCERTAIN_FROM = 0.2
# A person joined by a weakest link below this probability was a close call.
WEAK_BELOW = 0.95

FIELD_WORDS = {
    "citizen_id": "身份证号",
    "passport": "护照号",
    "hkmo_permit": "港澳通行证号",
    "tw_permit": "台湾通行证号",
    "si_number": "社保个人编号",
    "mobile": "手机号",
    "email": "电子邮箱",
    "degree_cert_no": "学历认证编号",
}


def _flag(column: str) -> pl.Expr:
    return pl.col(column) > 0


def reason_codes(features: pl.DataFrame) -> pl.Series:
    """The reason codes of each candidate (`kind` and the columns of `features.side_features`)."""
    p = pl.col("best_link_probability").fill_null(0.0)
    pair = {
        "refused_link": _flag("refused"),
        "two_ids": _flag("two_citizen_ids"),
        "near_miss": _flag("same_name") & _flag("same_birth_date"),
        "uncertain_link": (p >= UNCERTAIN_FROM) & ~_flag("refused"),
        "shared_contact": _flag("contacts_agree"),
        "namesake": _flag("same_name") & (p < UNCERTAIN_FROM) & ~_flag("same_birth_date"),
    }
    # Nothing above: a link too weak to say more about, or a person the model joined without doubt.
    pair["low_link"] = ~pl.any_horizontal(list(pair.values()))
    person = {
        "two_ids": _flag("two_citizen_ids"),
        "weak_link": p < WEAK_BELOW,
        "name_dob_only": _flag("same_name")
        & _flag("same_birth_date")
        & (pl.col("contacts_agree") == 0)
        & ~_flag("two_citizen_ids"),
        "conflicting_keys": pl.col("keys_disagree") > pl.col("two_citizen_ids"),
        "birth_date_differs": _flag("birth_date_differs"),
    }
    person["model_joined"] = ~pl.any_horizontal(list(person.values()))

    def listed(codes: dict[str, pl.Expr]) -> pl.Expr:
        return pl.concat_list(pl.when(test).then(pl.lit(code)) for code, test in codes.items()).list.drop_nulls()

    return features.select(
        pl.when(pl.col("kind") == "pair").then(listed(pair)).otherwise(listed(person)).alias("reasons")
    ).to_series()


def evidence_text(features: pl.DataFrame) -> pl.Series:
    """One line of Chinese per candidate: the link, names, birth dates and identifiers it rests on."""
    p = pl.col("best_link_probability")
    joined = pl.col("kind") == "person"
    link = (
        pl.when(p.is_null())
        .then(pl.lit("双方记录未经模型比较"))
        .when(joined)
        .then(pl.format("合并所依赖的最弱关联匹配概率 {}", _percent(p)))
        .otherwise(pl.format("最强关联匹配概率 {}", _percent(p)))
    )
    name = (
        pl.when(pl.col("same_name") > 0)
        .then(pl.format("同名（{} 人用此名）", pl.col("namesakes").fill_null(1)))
        .when(pl.col("name_similarity") > 0)
        .then(pl.format("姓名拼音相似度 {}", pl.col("name_similarity").round(2)))
    )
    birth = (
        pl.when(pl.col("same_birth_date") > 0)
        .then(pl.lit("出生日期相同"))
        .when(pl.col("birth_date_differs") > 0)
        .then(pl.lit("出生日期不同"))
    )
    ids = pl.when(pl.col("two_citizen_ids") > 0).then(
        pl.when(pl.col("citizen_ids_one_typo_apart") > 0)
        .then(pl.lit("两个有效身份证号只差一位"))
        .otherwise(pl.lit("两个不同的有效身份证号"))
    )
    shared = _fields("agree", [f for f in FIELD_WORDS if f != "citizen_id"], "共用")
    different = _fields("disagree", [f for f in FIELD_WORDS if f != "citizen_id"], "不同")
    parts = [
        link,
        pl.when(pl.col("refused") > 0).then(pl.format("关联被拒绝：{}", pl.col("refused_reason"))),
        name,
        birth,
        ids,
        shared,
        different,
        pl.when(pl.col("sex_differs") > 0).then(pl.lit("性别不同")),
    ]
    return features.select(pl.concat_str(parts, separator="；", ignore_nulls=True).alias("evidence")).to_series()


def _percent(p: pl.Expr) -> pl.Expr:
    return pl.format("{}%", (p * 100).round(1))


def _fields(kind: str, fields: list[str], word: str) -> pl.Expr:
    """'<word>手机号、电子邮箱' for the fields whose `<kind>_<field>` flag is set, else null."""
    named = pl.concat_list(
        pl.when(pl.col(f"{kind}_{f}")).then(pl.lit(FIELD_WORDS[f])) for f in fields
    ).list.drop_nulls()
    return pl.when(named.list.len() > 0).then(pl.lit(word) + named.list.join("、"))
