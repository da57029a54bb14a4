"""One canonical person-record schema for all sources, built from the bronze tables.

Each source's columns are first mapped onto common raw fields (`*_raw`), then every field is
standardised once over the union of all sources (so each distinct value is converted once).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dedup import standardise as std
from dedup.standardise.version import standardise_version

# Per source: canonical raw field -> bronze column (missing ones are null).
RAW_FIELDS: dict[str, dict[str, str]] = {
    "survey": {
        "name_raw": "name",
        "id_type_raw": "id_type",
        "id_number_raw": "id_number",
        "birth_raw": "birth_date",
        "sex_raw": "sex",
        "mobile_raw": "mobile",
        "email_raw": "email",
        "study_country_raw": "study_country",
        "institution_raw": "study_institution",
        "degree_cert_no_raw": "degree_cert_no",
        "employer_name_raw": "employer_name",
        "district_raw": "district",
    },
    "prof_tech": {
        "name_raw": "name",
        "id_type_raw": "id_type",
        "id_number_raw": "id_number",
        "birth_raw": "birth_month",
        "sex_raw": "sex",
        "mobile_raw": "mobile",
        "study_country_raw": "study_country",
        "institution_raw": "graduate_school",
        "employer_name_raw": "employer_name",
        "employer_uscc_raw": "employer_uscc",
        "district_raw": "district",
    },
    "pi_hr": {
        "name_raw": "name",
        "id_number_raw": "id_number",
        "birth_raw": "birth_date",
        "sex_raw": "sex",
        "institution_raw": "graduate_school",
        "employer_name_raw": "employer_name",
        "employer_uscc_raw": "employer_uscc",
    },
    "soe_staff": {
        "name_raw": "name",
        "id_type_raw": "id_type",
        "id_number_raw": "id_number",
        "birth_raw": "birth_date",
        "sex_raw": "sex",
        "mobile_raw": "mobile",
        "study_country_raw": "study_country",
        "institution_raw": "graduate_school",
        "employer_name_raw": "employer_name",
        "employer_uscc_raw": "employer_uscc",
    },
    "archives": {
        "name_raw": "name",
        "id_number_raw": "id_number",
        "birth_raw": "birth_date",
        "sex_raw": "sex",
        "mobile_raw": "phone",
        "study_country_raw": "study_country",
        "institution_raw": "graduate_school",
        "degree_cert_no_raw": "degree_cert_no",
    },
    "social_insurance": {
        "name_raw": "name",
        "id_number_raw": "id_number",
        "birth_raw": "birth_date",
        "sex_raw": "sex",
        "si_person_no_raw": "si_person_no",
        "employer_name_raw": "employer_name",
        "employer_uscc_raw": "employer_uscc",
    },
    "fx_accounts": {
        "name_raw": "name",
        "name_latin_raw": "name_latin",
        "id_type_raw": "id_type",
        "id_number_raw": "id_number",
        "birth_raw": "birth_date",
        "sex_raw": "sex",
        "study_country_raw": "study_country",
        "institution_raw": "study_institution",
    },
}

RAW_COLUMNS = [
    "name_raw",
    "name_latin_raw",
    "id_type_raw",
    "id_number_raw",
    "birth_raw",
    "sex_raw",
    "mobile_raw",
    "email_raw",
    "study_country_raw",
    "institution_raw",
    "degree_cert_no_raw",
    "si_person_no_raw",
    "employer_name_raw",
    "employer_uscc_raw",
    "district_raw",
]

# Records standardised at a time: bounds the memory of a full run (about 1 GB of polars frames).
STANDARDISE_CHUNK_ROWS = 250_000
LINEAGE_COLUMNS = ["source", "record_key", "delivery_date", "file", "line_no"]

SEX_CODES = {
    "男": "M",
    "女": "F",
    "男性": "M",
    "女性": "F",
    "M": "M",
    "F": "F",
    "MALE": "M",
    "FEMALE": "F",
    "1": "M",
    "2": "F",
}


def raw_sql(relation: Callable[[str], str]) -> str:
    """SQL of the person records of every source on the common raw fields, with lineage and
    `raw_hash`: a hash of the lineage, the raw values and the standardisation version. A record
    whose hash is unchanged needs no new standardisation (and, as its lineage is unchanged too, its
    row can stay as it is). `relation(source)` names the source's bronze rows."""
    parts = []
    for source, mapping in RAW_FIELDS.items():
        fields = ", ".join(f'"{mapping[c]}" AS {c}' if c in mapping else f"NULL::VARCHAR AS {c}" for c in RAW_COLUMNS)
        parts.append(
            f"SELECT '{source}:' || record_key AS record_uid, source, record_key, delivery_date, file, "
            f"line_no::BIGINT AS line_no, {fields} FROM {relation(source)}"
        )
    values = ", ".join(f"coalesce({c}::VARCHAR, chr(0))" for c in ("delivery_date", "file", "line_no", *RAW_COLUMNS))
    return (
        f"SELECT *, hash(concat_ws(chr(31), '{standardise_version()}', {values})) AS raw_hash "
        f"FROM ({' UNION ALL '.join(parts)})"
    )


def raw_records(bronze: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """`raw_sql` over bronze frames (the sources missing from `bronze` contribute nothing)."""
    import duckdb

    with duckdb.connect() as con:
        for source in RAW_FIELDS:
            frame = bronze.get(source)
            if frame is None:
                columns = ("source", "record_key", "delivery_date", "file", *RAW_FIELDS[source].values())
                frame = pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8()) | {"line_no": pl.Int64()})
            con.register(f"_bronze_{source}", frame.to_arrow())
        raw: pl.DataFrame = con.sql(f"{raw_sql(lambda s: f'_bronze_{s}')} ORDER BY record_uid").pl()
    return raw


def _clean_code(raw: pl.Series) -> pl.Series:
    """Codes (certificate numbers, social-insurance numbers, USCC): placeholders null, upper case, no separators."""
    return std.null_placeholders(raw).str.to_uppercase().str.replace_all(r"[\s\-]", "")


def standardise_records(raw: pl.DataFrame) -> pl.DataFrame:
    """Standardise the raw fields of all records into the canonical matching fields."""
    names = std.standardise_names(raw["name_raw"])
    latin = std.parse_latin_names(raw["name_latin_raw"])
    ids = std.standardise_id_numbers(raw["id_number_raw"], raw["id_type_raw"])
    births = std.parse_dates(raw["birth_raw"])
    phones = std.standardise_phones(raw["mobile_raw"])
    institutions = std.standardise_institutions(raw["institution_raw"])
    countries = std.standardise_countries(raw["study_country_raw"]).alias("study_country")
    email = std.null_placeholders(raw["email_raw"]).str.to_lowercase().alias("email")
    # A romanised name as written: the FX passport name, else a name typed in latin letters.
    latin_text = pl.DataFrame(
        {
            "latin": std.null_placeholders(raw["name_latin_raw"]),
            "typed": names["name_is_latin"],
            "name": raw["name_raw"],
        }
    ).select(pl.coalesce("latin", pl.when("typed").then("name")))
    records = pl.concat(
        [
            raw,
            names.select(
                "name",
                "surname",
                "given_name",
                "name_has_unknown_char",
                "name_is_latin",
                pl.col("surname_pinyin").alias("_hz_surname_pinyin"),
                pl.col("given_pinyin").alias("_hz_given_pinyin"),
                "given_wade_giles",
            ),
            latin.select("surname_pinyin_candidates", "surname_pinyin", "given_pinyin").rename(
                {"surname_pinyin": "_lt_surname_pinyin", "given_pinyin": "_lt_given_pinyin"}
            ),
            ids.select(
                "id_number",
                "id_kind",
                "id_issue",
                "id_birth_date",
                "id_sex",
                "id_address_code",
                "passport_no",
                "id_shape",
            ),
            births.select(
                pl.col("date").alias("birth_date"),
                pl.col("precision").alias("birth_precision"),
                pl.col("date_issue").alias("birth_issue"),
            ),
            phones.select("mobile"),
            institutions.select("institution_id"),
            countries.to_frame(),
            email.to_frame(),
            std.romanised_name_keys(latin_text.to_series()).to_frame(),
        ],
        how="horizontal",
    )
    sex = pl.col("sex_raw").str.strip_chars().str.to_uppercase().replace_strict(SEX_CODES, default=None)
    return (
        records.with_columns(
            pl.coalesce("_hz_surname_pinyin", "_lt_surname_pinyin").alias("surname_pinyin"),
            pl.coalesce("_hz_given_pinyin", "_lt_given_pinyin").alias("given_pinyin"),
            sex.alias("sex"),
            _clean_code(raw["si_person_no_raw"]).alias("si_person_no"),
            _clean_code(raw["degree_cert_no_raw"]).alias("degree_cert_no"),
            _clean_code(raw["employer_uscc_raw"]).alias("employer_uscc"),
        )
        .with_columns(
            (pl.col("surname_pinyin") + pl.col("given_pinyin")).alias("name_pinyin"),
            pl.coalesce(
                pl.col("surname_pinyin_candidates"),
                pl.when(pl.col("surname_pinyin").is_not_null()).then(pl.concat_list(pl.col("surname_pinyin"))),
            ).alias("surname_pinyin_candidates"),
        )
        .drop("_hz_surname_pinyin", "_hz_given_pinyin", "_lt_surname_pinyin", "_lt_given_pinyin")
    )
