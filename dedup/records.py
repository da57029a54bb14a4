"""One canonical person-record schema for all sources, built from the bronze tables.

Each source's columns are first mapped onto common raw fields (`*_raw`), then every field is
standardised once over the union of all sources (so each distinct value is converted once).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def raw_records(bronze: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Stack the person bronze tables onto the common raw fields, with lineage."""
    parts = []
    for source, mapping in RAW_FIELDS.items():
        frame = bronze.get(source)
        if frame is None or frame.is_empty():
            continue
        parts.append(
            frame.select(
                (pl.lit(source) + ":" + pl.col("record_key")).alias("record_uid"),
                "source",
                "record_key",
                "delivery_date",
                "file",
                "line_no",
                *[(pl.col(mapping[c]) if c in mapping else pl.lit(None, pl.Utf8)).alias(c) for c in RAW_COLUMNS],
            )
        )
    if not parts:
        schema = (
            {"raw_hash": pl.UInt64}
            | {
                "record_uid": pl.Utf8,
                "source": pl.Utf8,
                "record_key": pl.Utf8,
                "delivery_date": pl.Utf8,
                "file": pl.Utf8,
                "line_no": pl.Int64,
            }
            | dict.fromkeys(RAW_COLUMNS, pl.Utf8)
        )
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).with_columns(
        pl.concat_str(
            [pl.lit(standardise_version()), *[pl.col(c).fill_null("\x00") for c in RAW_COLUMNS]], separator="\x1f"
        )
        .hash(seed=11)
        .alias("raw_hash")
    )


@dataclass(frozen=True)
class RecordChanges:
    """How the current records differ from the last run's."""

    added: int
    changed: int
    withdrawn: int
    unchanged: int


@dataclass(frozen=True)
class Refresh:
    """What a run standardises anew and what it takes over from the last run."""

    fresh: pl.DataFrame  # new and changed rows, standardised now, sorted by record_uid
    kept: pl.DataFrame  # record_uid, raw_hash of unchanged rows: their standardised form is last run's
    changes: RecordChanges


def refresh_records(raw: pl.DataFrame, previous_keys: pl.DataFrame | None) -> Refresh:
    """Standardise new and changed raw rows; unchanged ones (same `record_uid` and `raw_hash` as in
    `previous_keys`, the last run's records) keep the last run's standardised form."""
    if previous_keys is None:
        kept = raw.head(0).select("record_uid", "raw_hash")
        return Refresh(standardise_records(raw).sort("record_uid"), kept, RecordChanges(raw.height, 0, 0, 0))
    kept = raw.join(previous_keys, on=["record_uid", "raw_hash"], how="semi").select("record_uid", "raw_hash")
    fresh = standardise_records(raw.join(kept, on="record_uid", how="anti")).sort("record_uid")
    before = previous_keys.select("record_uid")
    added = raw.join(before, on="record_uid", how="anti").height
    withdrawn = before.join(raw.select("record_uid"), on="record_uid", how="anti").height
    return Refresh(fresh, kept, RecordChanges(added, fresh.height - added, withdrawn, kept.height))


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
