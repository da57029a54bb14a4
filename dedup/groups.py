"""Deterministic evidence: records sharing a strong key belong to one person.

Keys: a valid citizen ID number, a social-insurance person number, a passport number. Records
are joined into groups (connected components over record–key edges); each group is then
represented to Splink by its distinct profiles.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedup.standardise import regional_names, spelt_in_pinyin

DETERMINISTIC_KEYS = ("id_number", "si_person_no", "passport_no")
# Valid identity numbers: a citizen ID, or a residence permit for Hong Kong, Macao and Taiwan residents.
VALID_ID_KINDS = ("RIC", "RESIDENCE_PERMIT")
# Profile columns holding lists (compared as lists; joined to text to find distinct profiles).
LIST_COLUMNS = ("surname_pinyin_candidates", "regional_names")

PROFILE_COLUMNS = [
    "name",
    "surname_pinyin",
    "given_pinyin",
    "given_wade_giles",
    "name_pinyin",
    "name_tokens",
    "name_romanised",
    "spelt_wade_giles",
    "surname_pinyin_candidates",
    "regional_names",
    "latin_name_key",
    "dob",
    "dob_precision",
    "sex",
    "id_number",
    "id_shape",
    "id_prefix14",
    "passport_no",
    "document_kind",
    "mobile",
    "email",
    "degree_cert_no",
    "institution_id",
    "study_country",
]


def deterministic_groups(records: pl.DataFrame) -> pl.Series:
    """Group number per record (aligned with `records`): components over shared strong keys."""
    n = records.height
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    offset = n
    for key in DETERMINISTIC_KEYS:
        if key == "id_number":
            values = _id_key_of_compatible_names(records)
        elif key == "si_person_no":
            # Namespaced by source so that other sources' numbers cannot collide.
            values = records.select(pl.col("source") + "|" + pl.col(key)).to_series()
        else:
            values = records[key]
        present = values.is_not_null().to_numpy()
        codes = values.rank("dense").to_numpy()
        idx = np.flatnonzero(present)
        rows.append(idx)
        cols.append(offset + codes[idx].astype(np.int64) - 1)
        offset += int(np.nanmax(codes)) if present.any() else 0
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    return pl.Series("det_group", component_labels(offset, r, c)[:n], dtype=pl.Int64)


def component_labels(size: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The connected-component label of each of `size` nodes, over the undirected edges rows[i]–cols[i]."""
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    return labels


def _id_key_of_compatible_names(records: pl.DataFrame) -> pl.Series:
    """The valid ID number as a joining key, unless the record's name is not its holder's.

    The holder's name is the most frequent surname and given-name pinyin among the records
    carrying that number. A record sharing neither with it (an ID copied onto someone else's
    record) does not join by the number; Splink weighs it like any other record.
    """
    pinyin = ("surname_pinyin", "given_pinyin")
    checked = records.select("id_number", *pinyin)
    for column in pinyin:
        holder = (
            checked.filter(pl.col("id_number").is_not_null() & pl.col(column).is_not_null())
            .group_by("id_number", column)
            .len()
            .sort(["id_number", "len", column], descending=[False, True, False])
            .unique(subset="id_number", keep="first")
            .select("id_number", pl.col(column).alias(f"holder_{column}"))
        )
        checked = checked.join(holder, on="id_number", how="left", maintain_order="left")
    compatible = (
        pl.col("surname_pinyin").is_null()
        | pl.col("given_pinyin").is_null()
        | (pl.col("surname_pinyin") == pl.col("holder_surname_pinyin"))
        | (pl.col("given_pinyin") == pl.col("holder_given_pinyin"))
    )
    return checked.select(pl.when(compatible).then(pl.col("id_number"))).to_series()


def with_matching_fields(records: pl.DataFrame) -> pl.DataFrame:
    """Add the derived matching fields and the deterministic group.

    - `dob`/`dob_precision`: a valid ID's birth date wins; else the record's own; else the
      birth date still legible in an invalid or Excel-mangled ID number.
    - `id_prefix14`: address code + birth date of the ID number, also recovered from Excel
      floats (which keep only the leading 15 digits), so those records can still be compared.
    - `name_tokens`: surname and given-name pinyin sorted, so `LI WANG` meets `WANG LI`.
    - `document_kind`: what `passport_no` holds: a passport by its issuer (see `document_kinds`),
      a Hong Kong/Macao or a Taiwan travel permit, so that only numbers of one kind of document
      are compared.
    - `name_romanised`: the record has no Hanzi name, only a romanised one.
    - `spelt_wade_giles`: a romanised name that may be a Taiwan passport's Wade-Giles: its given
      name is no pinyin (CHUNCHIEH, HSINYI), or the record holds a nine-digit Taiwan passport.
    - `region`: HKMO when the group's records show a Hong Kong or Macao resident, TW a Taiwan
      resident (see `region_hint`); only then is a Hanzi name also spelt as their documents spell
      it, in Cantonese or Wade-Giles (`regional_names`), so mainland names are never compared so.
    """
    valid_id = pl.col("id_kind").is_in(VALID_ID_KINDS)
    legible_id = pl.col("id_kind").is_in(["RIC_INVALID", "EXCEL_FLOAT"]) & pl.col("id_birth_date").is_not_null()
    excel_prefix = pl.when(pl.col("id_kind") == "EXCEL_FLOAT").then(
        pl.col("id_address_code") + pl.col("id_birth_date").dt.strftime("%Y%m%d")
    )
    surname, given = pl.col("surname_pinyin"), pl.col("given_pinyin")
    romanised = pl.col("name").is_null() | pl.col("name_is_latin")
    taiwan_passport = pl.col("document_kind") == "PASSPORT_TW"
    # Only romanised given names are judged (Hanzi ones always spell pinyin).
    romanised_given = records.select(pl.when(romanised).then(given)).to_series()
    tokens = pl.when(surname <= given).then(surname + " " + given).otherwise(given + " " + surname)
    matched = (
        records.with_columns(document_kinds())
        .with_columns(
            pl.when(valid_id)
            .then(pl.col("id_birth_date"))
            .when(pl.col("birth_date").is_not_null())
            .then(pl.col("birth_date"))
            .when(legible_id)
            .then(pl.col("id_birth_date"))
            .alias("dob"),
            pl.when(valid_id)
            .then(pl.lit("day"))
            .when(pl.col("birth_date").is_not_null())
            .then(pl.col("birth_precision"))
            .when(legible_id)
            .then(pl.lit("day"))
            .alias("dob_precision"),
            pl.when(valid_id & pl.col("sex").is_null()).then(pl.col("id_sex")).otherwise(pl.col("sex")).alias("sex"),
            pl.coalesce(pl.col("id_shape").str.slice(0, 14), excel_prefix).alias("id_prefix14"),
            tokens.alias("name_tokens"),
            romanised.alias("name_romanised"),
            (romanised & (taiwan_passport | ~spelt_in_pinyin(romanised_given)))
            .fill_null(False)
            .alias("spelt_wade_giles"),
            region_hint().alias("region"),
        )
        .with_columns(deterministic_groups(records))
        .with_columns(pl.col("region").drop_nulls().min().over("det_group"))
    )
    numbered = matched.with_row_index("_row")
    spelt = numbered.filter(
        pl.col("region").is_not_null() & ~pl.col("name_romanised") & pl.col("surname").is_not_null()
    )
    keys = spelt.select("_row", regional_names(spelt["surname"], spelt["given_name"], spelt["region"]))
    return numbered.join(keys, on="_row", how="left", maintain_order="left").drop("_row")


def document_kinds() -> pl.Expr:
    """What `passport_no` holds: HKMO or TW (travel permits), or a passport by issuer: PASSPORT_TW
    (nine digits), PASSPORT_HK (K + 8 digits), PASSPORT_MO (M, a letter, 7 digits), else PASSPORT
    (the mainland's E, EA…, G; others)."""
    number = pl.col("passport_no")
    return (
        pl.when(number.is_null())
        .then(None)
        .when(pl.col("id_kind") != "PASSPORT")
        .then(pl.col("id_kind"))
        .when(number.str.contains(r"^[0-9]{9}$"))
        .then(pl.lit("PASSPORT_TW"))
        .when(number.str.contains(r"^K[0-9]{8}$"))
        .then(pl.lit("PASSPORT_HK"))
        .when(number.str.contains(r"^M[A-Z][0-9]{7}$"))
        .then(pl.lit("PASSPORT_MO"))
        .otherwise(pl.lit("PASSPORT"))
        .alias("document_kind")
    )


def region_hint() -> pl.Expr:
    """HKMO when a record shows a Hong Kong or Macao resident: a residence permit (810000, 820000),
    a 港澳居民来往内地通行证 (H/M + digits, or the declared document type), a Hong Kong or Macao
    passport, or Hong Kong or Macao as the place of study; TW likewise for a Taiwan resident (830000,
    a 台湾居民来往大陆通行证, a nine-digit passport, Taiwan as the place of study); else null."""
    code, document, study = pl.col("id_address_code"), pl.col("document_kind"), pl.col("study_country")
    declared = pl.col("id_type_raw").str.strip_chars()
    hong_kong_macao = (
        code.is_in(["810000", "820000"])
        | document.is_in(["HKMO", "PASSPORT_HK", "PASSPORT_MO"])
        | study.is_in(["HKG", "MAC"])
        | declared.str.contains("港澳|^HKMO$")
    )
    taiwan = (
        (code == "830000")
        | document.is_in(["TW", "PASSPORT_TW"])
        | (study == "TWN")
        | declared.str.contains("台湾|^TW$")
    )
    return (
        pl.when(hong_kong_macao.fill_null(False)).then(pl.lit("HKMO")).when(taiwan.fill_null(False)).then(pl.lit("TW"))
    )


def profiles(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Distinct matching profiles per group, and the record → profile map.

    Returns `(profiles, record_profile)`: profiles carry `unique_id`, `det_group` and the
    comparison columns; record_profile maps `record_uid` to `unique_id`.
    """
    keyed = records.select("record_uid", "det_group", *PROFILE_COLUMNS).with_columns(
        pl.col(c).list.join(",").alias(f"_{c}") for c in LIST_COLUMNS
    )
    key_cols = ["det_group", *[c for c in PROFILE_COLUMNS if c not in LIST_COLUMNS], *[f"_{c}" for c in LIST_COLUMNS]]
    distinct = (
        keyed.unique(subset=key_cols, keep="first", maintain_order=True)
        .with_row_index("unique_id")
        .with_columns(pl.col("unique_id").cast(pl.Int64))
    )
    mapping = keyed.join(distinct.select("unique_id", *key_cols), on=key_cols, how="left", nulls_equal=True)
    return (
        distinct.drop(*[f"_{c}" for c in LIST_COLUMNS], "record_uid").with_columns(
            pl.col("dob").dt.year().alias("birth_year"),
            pl.col("dob").dt.strftime("%Y-%m").alias("birth_month"),
        ),
        mapping.select("record_uid", "unique_id"),
    )


def deterministic_links(matched: pl.DataFrame) -> pl.DataFrame:
    """Why each record of a multi-record group is in it: the key it shares with the group's first record.

    Returns record_uid_l (the group's smallest record uid), record_uid_r, evidence (Chinese).
    Records joined only through another member (A–B by ID, B–C by SI number) say so.
    """
    keyed = matched.select("record_uid", "det_group", "source", *DETERMINISTIC_KEYS)
    first = keyed.sort("record_uid").group_by("det_group", maintain_order=True).first()
    pairs = keyed.join(first, on="det_group", suffix="_l").filter(pl.col("record_uid") != pl.col("record_uid_l"))
    same_si = (pl.col("si_person_no") == pl.col("si_person_no_l")) & (pl.col("source") == pl.col("source_l"))
    evidence = (
        pl.when(pl.col("id_number") == pl.col("id_number_l"))
        .then(pl.lit("相同的有效身份证号"))
        .when(same_si)
        .then(pl.lit("相同的社保个人编号"))
        .when(pl.col("passport_no") == pl.col("passport_no_l"))
        .then(pl.lit("相同的护照号"))
        .otherwise(pl.lit("经同组其他记录的身份证号、社保编号或护照号传递"))
    )
    return pairs.select("record_uid_l", pl.col("record_uid").alias("record_uid_r"), evidence.alias("evidence"))


def typo_id_keys(matched: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """`id_number` → `id_key`: valid citizen IDs one typo apart, on linked records with the same name.

    A single changed digit or swap always breaks the check character (ISO 7064 MOD 11-2 catches
    both), so two valid numbers one typo apart mean the check character was derived again (by a
    form that computes it, or a clerk): one person then holds two valid IDs. When Splink links
    two groups (`links`: det_group_l,
    det_group_r) whose records carry the same Hanzi name and IDs whose 17 body digits differ in
    one digit, or by two adjacent digits swapped, the two IDs share one key (the smaller), so the
    clustering constraint "no two valid IDs in one person" lets the link through. Twins stay
    apart: their IDs are as close, but their names differ (even when they sound alike: 郭锋辉 and
    郭锋慧 share every pinyin syllable, so pinyin is not enough). Namesakes born the same day in
    the same county have IDs as close and the same name: the caller passes only links that agree
    on more than name and birth date (`dedup.corroboration`).
    """
    held = (
        matched.filter(pl.col("id_kind").is_in(VALID_ID_KINDS))
        .select("det_group", "name", "id_number")
        .drop_nulls()
        .unique()
    )
    pairs = (
        links.select("det_group_l", "det_group_r")
        .join(held.rename(lambda c: f"{c}_l"), on="det_group_l")
        .join(held.rename(lambda c: f"{c}_r"), on="det_group_r")
        .filter((pl.col("name_l") == pl.col("name_r")) & (pl.col("id_number_l") != pl.col("id_number_r")))
        .select(
            pl.min_horizontal("id_number_l", "id_number_r").alias("id_number"),
            pl.max_horizontal("id_number_l", "id_number_r").alias("id_number_r"),
        )
        .unique()
    )
    digit = [(pl.col("id_number").str.slice(i, 1), pl.col("id_number_r").str.slice(i, 1)) for i in range(17)]
    differs = [a != b for a, b in digit]
    swapped = [
        differs[i] & differs[i + 1] & (digit[i][0] == digit[i + 1][1]) & (digit[i + 1][0] == digit[i][1])
        for i in range(16)
    ]
    hamming = pl.sum_horizontal(d.cast(pl.Int32) for d in differs)
    near = pairs.filter((hamming <= 1) | ((hamming == 2) & pl.any_horizontal(swapped))).select(
        "id_number", "id_number_r"
    )
    if near.is_empty():
        return pl.DataFrame(schema={"id_number": pl.Utf8, "id_key": pl.Utf8})
    nodes = pl.concat([near["id_number"], near["id_number_r"]]).unique().sort()
    index = {value: i for i, value in enumerate(nodes.to_list())}
    rows = np.array([index[v] for v in near["id_number"].to_list()], dtype=np.int64)
    cols = np.array([index[v] for v in near["id_number_r"].to_list()], dtype=np.int64)
    return (
        pl.DataFrame({"id_number": nodes, "component": component_labels(len(index), rows, cols)})
        .with_columns(pl.col("id_number").min().over("component").alias("id_key"))
        .select("id_number", "id_key")
    )
