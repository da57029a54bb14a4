"""Namesakes: when name and birth date are shared by people who cannot be one, ask for more.

Different people can share a name, the exact birth date and the county, so their citizen IDs share
the first 14 digits and may differ in a single digit. Name and birth date are then no evidence
between them: a record without an identifier that resembles both, or two valid IDs one digit
apart, must agree on something else before it is linked: a mobile, an e-mail, a degree
certificate, a study institution or country, an employer, a district.

Agreement is weighed by how rare the shared value is among the deterministic groups (a group is
the records one identifier already joins): sharing a rare employer says more than sharing
"United States". A record resembling several people goes with the one it agrees with most
(`undecided_links`); two valid IDs one digit apart count as one person's only when their records
agree on at least `CORROBORATION_BITS`.
"""

from __future__ import annotations

import polars as pl

# Fields one person holds on their own, as opposed to a cohort (institution, country, district):
# only these make two valid IDs one digit apart one person's.
PERSONAL_FIELDS = ("mobile", "email", "degree_cert_no", "employer_uscc", "employer")
# Identifiers of one person: sharing one is worth what the model gives an equal mobile (13 bits),
# however few groups hold the field.
IDENTIFIER_FIELDS = ("mobile", "email", "degree_cert_no")
IDENTIFIER_BITS = 13.0
# Enough that a large employer alone does not corroborate, a mobile, an e-mail, a certificate or
# an employer of a few hundred people does.
CORROBORATION_BITS = 6.0
_DISTRICT_PREFIX = r"^(重庆市?|重慶市?)"
_COMPANY_FORM = r"(股份有限公司|有限责任公司|有限公司|集团|股份公司|公司)$"
_BRACKETS = r"[()（）\[\]【】\s]"


def _employer_name_key(name: pl.Expr) -> pl.Expr:
    """An employer name without brackets, the Chongqing prefix or the company form, so the
    registered name and its short forms meet (重庆长安汽车股份有限公司 / 长安汽车)."""
    text = name.str.normalize("NFKC").str.replace_all(_BRACKETS, "")
    return text.str.replace(_DISTRICT_PREFIX, "").str.replace(_COMPANY_FORM, "")


def _district_key(district: pl.Expr) -> pl.Expr:
    """A district without 重庆市 and its 区/县 suffix (重庆市渝北区 / 渝北)."""
    text = district.str.normalize("NFKC").str.replace_all(r"\s", "").str.replace(_DISTRICT_PREFIX, "")
    return text.str.replace(r"(区|县|自治县)$", "")


def corroborating_values(matched: pl.DataFrame) -> pl.DataFrame:
    """det_group, field, value, bits: what each group's records say besides name and birth date,
    with the rarity of each value: -log2 of the share, among the groups that hold the field at
    all, of those holding the value (United States about 1.5 bits); a mobile, e-mail or degree
    certificate, an identifier of one person, `IDENTIFIER_BITS`."""
    fields = {
        "mobile": pl.col("mobile"),
        "email": pl.col("email"),
        "degree_cert_no": pl.col("degree_cert_no"),
        "institution": pl.col("institution_id"),
        "country": pl.col("study_country"),
        "employer_uscc": pl.col("employer_uscc"),
        "employer": _employer_name_key(pl.col("employer_name_raw")),
        "district": _district_key(pl.col("district_raw")),
    }
    long = pl.concat(
        [
            matched.select("det_group", pl.lit(name).alias("field"), expr.cast(pl.Utf8).alias("value"))
            for name, expr in fields.items()
        ]
    )
    held = long.filter(pl.col("value").is_not_null() & (pl.col("value").str.len_chars() > 1)).unique()
    share = pl.len().over("field", "value") / pl.col("det_group").n_unique().over("field")
    bits = pl.when(pl.col("field").is_in(IDENTIFIER_FIELDS)).then(IDENTIFIER_BITS).otherwise(-share.log(2))
    return held.with_columns(bits.alias("bits"))


def corroboration_bits(pairs: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """`pairs` (det_group_l, det_group_r) with `corroboration_bits` (all fields) and
    `personal_bits` (`PERSONAL_FIELDS` only): per field the bits of the rarest value both groups
    hold, added up (0 when they share nothing)."""
    keys = pairs.select("det_group_l", "det_group_r").unique()
    shared = (
        keys.join(values.rename({"det_group": "det_group_l"}), on="det_group_l")
        .join(
            values.select(pl.col("det_group").alias("det_group_r"), "field", "value"),
            on=["det_group_r", "field", "value"],
        )
        .group_by("det_group_l", "det_group_r", "field")
        .agg(pl.col("bits").max())
        .group_by("det_group_l", "det_group_r")
        .agg(
            pl.col("bits").sum().alias("corroboration_bits"),
            pl.col("bits").filter(pl.col("field").is_in(PERSONAL_FIELDS)).sum().alias("personal_bits"),
        )
    )
    return pairs.join(shared, on=["det_group_l", "det_group_r"], how="left").with_columns(
        pl.col("corroboration_bits", "personal_bits").fill_null(0.0)
    )


def undecided_links(links: pl.DataFrame, valid_ids: pl.DataFrame) -> pl.DataFrame:
    """The accepted links that name and birth date alone would decide between namesakes.

    A group without a valid ID of its own whose accepted links reach groups holding two different
    valid IDs of one kind resembles two people who cannot be one. It goes with the person whose
    records agree with it most (`corroboration_bits`, the best link to each ID), when that person
    agrees more than every other; its links to the others are returned. When no person agrees
    more than the rest, all its links are returned (also those to groups without an ID, which
    could carry it to either person): a steward decides.

    `links`: det_group_l, det_group_r, corroboration_bits (accepted links); `valid_ids`:
    det_group, valid_ids (see `dedup.link.valid_id_keys`). Returns the rows of `links` to refuse.
    """
    ids = valid_ids.explode("valid_ids").drop_nulls().select("det_group", pl.col("valid_ids").alias("id_key"))
    holders = ids.select("det_group").unique()
    directed = pl.concat(
        [
            links.select(pl.col("det_group_l").alias("x"), pl.col("det_group_r").alias("y"), "corroboration_bits"),
            links.select(pl.col("det_group_r").alias("x"), pl.col("det_group_l").alias("y"), "corroboration_bits"),
        ]
    ).join(holders.rename({"det_group": "x"}), on="x", how="anti")
    reached = (
        directed.join(ids.rename({"det_group": "y"}), on="y")
        .with_columns(pl.col("id_key").str.extract(r"^(.*):").alias("kind"))
        .group_by("x", "kind", "id_key")
        .agg(pl.col("corroboration_bits").max().alias("bits"))
    )
    contested = reached.filter(pl.col("id_key").n_unique().over("x", "kind") > 1)
    ranked = contested.with_columns(
        pl.col("bits").rank("min", descending=True).over("x", "kind").alias("rank"),
        (pl.col("bits") == pl.col("bits").max().over("x", "kind")).sum().over("x", "kind").alias("at_best"),
    )
    # The one best-agreeing person keeps its links; every other person's links are refused.
    chosen = ranked.filter((pl.col("rank") == 1) & (pl.col("at_best") == 1) & (pl.col("bits") > 0))
    refused_ids = ranked.join(chosen.select("x", "kind", "id_key"), on=["x", "kind", "id_key"], how="anti")
    undecided = ranked.select("x", "kind").unique().join(chosen.select("x", "kind"), on=["x", "kind"], how="anti")
    refused_pairs = pl.concat(
        [
            directed.join(ids.rename({"det_group": "y"}), on="y")
            .join(refused_ids.select("x", "id_key"), on=["x", "id_key"], how="semi")
            .select("x", "y"),
            directed.join(undecided.select("x").unique(), on="x", how="semi").select("x", "y"),
        ]
    )
    pairs = refused_pairs.select(
        pl.min_horizontal("x", "y").alias("det_group_l"), pl.max_horizontal("x", "y").alias("det_group_r")
    ).unique()
    ordered = links.with_columns(
        pl.min_horizontal("det_group_l", "det_group_r").alias("_a"),
        pl.max_horizontal("det_group_l", "det_group_r").alias("_b"),
    )
    return ordered.join(pairs.rename({"det_group_l": "_a", "det_group_r": "_b"}), on=["_a", "_b"], how="semi").drop(
        "_a", "_b"
    )


EMPLOYER_FIELDS = ("employer_uscc", "employer")


def employer_bits(pairs: pl.DataFrame, values: pl.DataFrame) -> pl.Series:
    """Evidence (bits) from a shared employer, which the Splink model does not compare: the rarity
    of the rarest employer both groups hold, less one bit (records of one person name the same
    employer about half the time: people change jobs), never below 0. Only where the name and
    the birth date agree (`mw_name`, `mw_dob` > 0): colleagues born the same day, or two 刘娜 in
    one company, are not one person. `pairs` are Splink's scored pairs; aligned with them."""
    if pairs.is_empty():
        return pl.Series("employer_bits", [], dtype=pl.Float64)
    employers = values.filter(pl.col("field").is_in(EMPLOYER_FIELDS))
    bits = corroboration_bits(pairs.select("det_group_l", "det_group_r"), employers)["corroboration_bits"]
    agree = (pairs["mw_name"] > 0) & (pairs["mw_dob"] > 0)
    return (
        pl.select(pl.when(agree).then((bits - 1).clip(lower_bound=0)).otherwise(0.0)).to_series().alias("employer_bits")
    )
