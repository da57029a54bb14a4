"""The Splink model for returnee profiles: comparisons that suit Chinese data, training, scoring.

Comparisons are written as SQL levels so that each level says in Chinese-aware terms what it
tests (Hanzi exact → pinyin exact → romanised surname candidate → pinyin close …). The trained
model is kept as JSON in the repository (`dedup/model/splink_model.json`) with its version.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from dedup.dialect import settings_for
from dedup.engine import Engine, SplinkBackend, duckdb_backend, splink_backend

if TYPE_CHECKING:
    from splink import Linker

MODEL_PATH = Path(__file__).parent / "model" / "splink_model.json"
MODEL_VERSION = "2026.12-1"
PROBABILITY_FLOOR = 1e-4

BLOCKING_RULES = [
    "l.id_prefix14 = r.id_prefix14",
    "l.name_pinyin = r.name_pinyin AND l.birth_year = r.birth_year",
    "l.given_pinyin = r.given_pinyin AND l.dob = r.dob",
    "l.name_tokens = r.name_tokens AND l.dob = r.dob",
    # Records without a birth date meet their namesakes; the filter on one side is pushed
    # below the join, so the block stays small.
    "l.name_pinyin = r.name_pinyin AND l.dob IS NULL",
    "l.name_pinyin = r.name_pinyin AND r.dob IS NULL",
    "l.surname_pinyin = r.surname_pinyin AND l.dob = r.dob",
    # A romanised name that may be Wade-Giles meets the Hanzi name it spells, as on a Taiwan
    # passport; either side.
    "l.given_wade_giles = r.given_pinyin AND r.spelt_wade_giles AND l.dob = r.dob",
    "l.given_pinyin = r.given_wade_giles AND l.spelt_wade_giles AND l.dob = r.dob",
    # A Hong Kong, Macao or Taiwan resident's Hanzi name meets its Cantonese or Wade-Giles
    # spelling, surname first or last, in the same birth month (the platform knows only the
    # month); either side. The IS NOT NULL filters are pushed below the join: few profiles qualify.
    "l.birth_month = r.birth_month AND l.regional_names IS NOT NULL AND r.latin_name_key IS NOT NULL "
    "AND list_contains(l.regional_names, r.latin_name_key)",
    "l.birth_month = r.birth_month AND r.regional_names IS NOT NULL AND l.latin_name_key IS NOT NULL "
    "AND list_contains(r.regional_names, l.latin_name_key)",
    "l.mobile = r.mobile",
    "l.email = r.email",
    "l.passport_no = r.passport_no",
    "l.degree_cert_no = r.degree_cert_no",
]
# Profiles of one deterministic group are already joined (same valid ID, SI number or passport):
# Splink scores only pairs across groups (at 200,000 persons this skips a third of the pairs).
PREDICTION_RULES = [f"{rule} AND l.det_group <> r.det_group" for rule in BLOCKING_RULES]


def _wade_giles_match(hanzi: str, latin: str) -> str:
    """SQL: one side's Hanzi given name, spelt as on a Taiwan passport, is the other side's romanised
    given name, and their surnames can be the same (SUNG, HSU and CHANG stand for 宋, 徐 and 张).

    The romanised side must look like Wade-Giles (`spelt_wade_giles`): its given name is no
    pinyin, or it holds a Taiwan passport. Otherwise a mainland WANG CHUN (王春) would meet 王军,
    whose 军 is CHUN in Wade-Giles.
    """
    return (
        f"given_wade_giles_{hanzi} = given_pinyin_{latin} AND spelt_wade_giles_{latin} "
        f"AND list_has_any(surname_pinyin_candidates_{hanzi}, surname_pinyin_candidates_{latin})"
    )


def _is_permit(side: str) -> str:
    """SQL: the side's ID number is a residence permit's (address code 810000, 820000 or 830000)."""
    return f"(left(id_prefix14_{side}, 6) IN ('810000', '820000', '830000'))"


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(col: str) -> dict[str, Any]:
    return _level(f'"{col}_l" IS NULL OR "{col}_r" IS NULL', f"{col} 缺失", is_null_level=True)


def _exact_comparison(col: str, description: str) -> dict[str, Any]:
    return {
        "output_column_name": col,
        "comparison_description": description,
        "comparison_levels": [
            _null(col),
            # Unique codes rarely agree by chance: a prior for when random sampling sees no agreement.
            _level(f'"{col}_l" = "{col}_r"', "相同", u_probability=1e-6),
            _level("ELSE", "不同"),
        ],
    }


def comparisons() -> list[dict[str, Any]]:
    """The comparison definitions of the model."""
    name = {
        "output_column_name": "name",
        "comparison_description": "姓名：汉字 → 拼音 → 护照拼写候选 → 顺序颠倒 → 名的拼音相近",
        "comparison_levels": [
            _level("name_pinyin_l IS NULL OR name_pinyin_r IS NULL", "姓名缺失", is_null_level=True),
            _level("name_l = name_r", "汉字姓名相同", tf_adjustment_column="name", tf_adjustment_weight=1.0),
            _level(
                "(contains(name_l, '?') OR contains(name_r, '?')) AND length(name_l) = length(name_r) "
                "AND (regexp_full_match(name_r, replace(regexp_escape(name_l), '\\?', '.')) "
                "OR regexp_full_match(name_l, replace(regexp_escape(name_r), '\\?', '.')))",
                "汉字姓名相同（生僻字以?代替）",
                # Too rare to observe in training samples: start from a prior instead.
                m_probability=0.002,
                u_probability=1e-7,
            ),
            _level(
                "name_pinyin_l = name_pinyin_r",
                "拼音姓名相同",
                tf_adjustment_column="name_pinyin",
                tf_adjustment_weight=1.0,
            ),
            _level(
                "given_pinyin_l = given_pinyin_r AND (list_contains(surname_pinyin_candidates_l, surname_pinyin_r) "
                "OR list_contains(surname_pinyin_candidates_r, surname_pinyin_l))",
                "护照拼写姓氏候选一致，名相同",
                m_probability=0.01,
                u_probability=1e-6,
            ),
            _level(
                f"({_wade_giles_match('l', 'r')}) OR ({_wade_giles_match('r', 'l')})",
                "台湾护照（威妥玛）拼写与汉字姓名一致",
                # Generated training data holds no such spellings: priors, kept fixed by training.
                m_probability=0.005,
                u_probability=1e-4,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            # A Hong Kong or Macao resident's documents spell the whole name in Cantonese
            # (陈大文 CHAN TAI MAN, Macao 黄 VONG), a Taiwan resident's in Wade-Giles, surname
            # first or last (HSINYI CHEN); `regional_names` is only set for groups that show such a
            # resident (dedup.groups.region_hint). Generated training data holds too few such
            # pairs outside a group: the Wade-Giles level's priors, kept fixed.
            _level(
                "list_contains(regional_names_l, latin_name_key_r) "
                "OR list_contains(regional_names_r, latin_name_key_l)",
                "港澳台证件拼写（粤语拼音、威妥玛）与汉字姓名一致",
                m_probability=0.005,
                u_probability=1e-4,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            # The contract allows surname-last passport names; when both words can be surnames
            # (FAN YANG, TAO LIN) the parser's order is a guess. Generated data rarely lands here
            # for true matches, so EM would zero it: the pinyin level's prior and term-frequency
            # adjustment, kept fixed.
            # Only with a romanised side: two Hanzi names in swapped order (王丽, 李旺) are two names.
            _level(
                "name_tokens_l = name_tokens_r AND (name_romanised_l OR name_romanised_r)",
                "拼音姓名相同（姓、名顺序颠倒）",
                m_probability=0.005,
                u_probability=1e-4,
                fix_m_probability=True,
                fix_u_probability=True,
                tf_adjustment_column="name_tokens",
                tf_adjustment_weight=1.0,
                # The level is no bare equality, so Splink takes its own u as the baseline.
                disable_tf_exact_match_detection=True,
            ),
            _level(
                "surname_pinyin_l = surname_pinyin_r AND damerau_levenshtein(given_pinyin_l, given_pinyin_r) <= 1",
                "姓相同，名的拼音相差一个字母",
            ),
            _level("ELSE", "姓名不同"),
        ],
    }
    dob = {
        "output_column_name": "dob",
        "comparison_description": "出生日期（按精度比较）",
        "comparison_levels": [
            _level("dob_l IS NULL OR dob_r IS NULL", "出生日期缺失", is_null_level=True),
            _level("dob_l = dob_r AND dob_precision_l = 'day' AND dob_precision_r = 'day'", "出生日期相同"),
            # A month-only value (the platform's 出生年月) or a year-only one agrees as far as it
            # goes: not a near miss. Few such pairs in generated data fall outside a deterministic
            # group, so EM cannot weigh them: fixed priors near the odds of a random pair sharing a
            # birth month (8 bits) or year (5 bits); a day is worth 13.
            _level(
                "birth_month_l = birth_month_r AND 'month' IN (dob_precision_l, dob_precision_r)",
                "出生年月相同（一方只有年月）",
                m_probability=0.0275,
                u_probability=1e-4,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level(
                "birth_year_l = birth_year_r AND 'year' IN (dob_precision_l, dob_precision_r)",
                "出生年份相同（一方只有年份）",
                m_probability=0.004,
                u_probability=1e-4,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level("birth_month_l = birth_month_r", "出生年月相同、日不同"),
            _level("abs(date_diff('day', dob_l, dob_r)) <= 31", "出生日期相差一月内"),
            _level("birth_year_l = birth_year_r", "出生年份相同"),
            _level("ELSE", "出生日期不同"),
        ],
    }
    id_number = {
        "output_column_name": "id_number",
        "comparison_description": "身份证号：相同 → 前17位相同 → 一位之差 → 两个不同的有效号码 → 前14位相同",
        "comparison_levels": [
            # A residence permit for Hong Kong, Macao and Taiwan residents (810000, 820000, 830000)
            # and a citizen ID are different documents: their numbers differing says nothing.
            _level(
                f"id_prefix14_l IS NULL OR id_prefix14_r IS NULL OR {_is_permit('l')} <> {_is_permit('r')}",
                "身份证号缺失或证件种类不同（居民身份证与港澳台居民居住证）",
                is_null_level=True,
            ),
            _level("id_number_l = id_number_r", "身份证号相同"),
            _level("id_shape_l = id_shape_r", "身份证号前17位相同"),
            _level("damerau_levenshtein(id_shape_l, id_shape_r) <= 1", "身份证号一位之差"),
            _level("id_number_l IS NOT NULL AND id_number_r IS NOT NULL", "两个不同的有效身份证号"),
            # Twins share address code and birth date: the prefix only counts with the same name.
            _level(
                "id_prefix14_l = id_prefix14_r AND (name_pinyin_l = name_pinyin_r OR name_tokens_l = name_tokens_r)",
                "身份证号前14位（地址码与出生日期）相同且姓名相同",
            ),
            _level("ELSE", "身份证号不同"),
        ],
    }
    # A passport, a Taiwan and a Hong Kong/Macao travel permit, and passports of different
    # issuers are different documents of one person: their numbers differing says nothing.
    # Passports are renewed, so a person's older records carry the earlier number: two numbers
    # of one issuer are weak evidence against a match (about 3 bits), not a veto. Generated
    # training data has no renewals, so EM would make it one (-10.5): fixed priors.
    passport = {
        "output_column_name": "passport_no",
        "comparison_description": "护照号、港澳台通行证号（只比较同一签发机关的同一种证件）",
        "comparison_levels": [
            _level(
                "passport_no_l IS NULL OR passport_no_r IS NULL OR document_kind_l <> document_kind_r",
                "证件号缺失或证件种类不同",
                is_null_level=True,
            ),
            _level("passport_no_l = passport_no_r", "相同", u_probability=1e-6),
            _level(
                "ELSE",
                "号码不同（同一种证件，可能已换发）",
                m_probability=0.1,
                u_probability=0.9997,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
        ],
    }
    return [
        name,
        dob,
        id_number,
        _exact_comparison("sex", "性别"),
        passport,
        _exact_comparison("mobile", "手机号"),
        _exact_comparison("email", "电子邮箱"),
        _exact_comparison("degree_cert_no", "学历认证编号"),
        _exact_comparison("institution_id", "留学院校"),
    ]


def base_settings() -> dict[str, Any]:
    """Untrained settings: link type, blocking, comparisons."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "blocking_rules_to_generate_predictions": PREDICTION_RULES,
        "comparisons": comparisons(),
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
        "additional_columns_to_retain": ["det_group"],
        "probability_two_random_records_match": 1e-5,
    }


def _linker(backend: SplinkBackend, profiles: pl.DataFrame, settings: dict[str, Any], log_level: int) -> Linker:
    """A Linker over `profiles`, registered with `backend`."""
    from splink import Linker

    return Linker(backend.register(profiles, "profiles_for_splink"), settings, log_level=log_level)


def train(
    con: duckdb.DuckDBPyConnection,
    profiles: pl.DataFrame,
    out: Path = MODEL_PATH,
    matches: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """Estimate u by random sampling and m by EM on three independent blockings; save the model.

    `matches` (unique_id_l, unique_id_r): profile pairs stewards decided are one person. Splink
    estimates m from them as one more training session, averaged with the EM sessions, so the
    levels those pairs reach move towards what the stewards saw.
    """
    from splink import block_on

    backend = duckdb_backend(con)
    linker = _linker(backend, profiles, base_settings(), logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        ["l.id_number = r.id_number", "l.name_pinyin = r.name_pinyin AND l.dob = r.dob"], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_prefix14"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_pinyin", "birth_year"))
    # The ID comparison reads name and ID columns, so it is only trained by a blocking on neither.
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob", "surname_pinyin"))
    if matches is not None and matches.height:
        labels = backend.register(matches.select("unique_id_l", "unique_id_r"), "steward_matches")
        # splink's estimate_m_from_pairwise_labels carries no annotations
        linker.training.estimate_m_from_pairwise_labels(labels)  # type: ignore[no-untyped-call]
    model = _smoothed(linker.misc.save_model_to_json())
    model["model_version"] = MODEL_VERSION
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")
    return model


def score_labelled_pairs(
    con: duckdb.DuckDBPyConnection, profiles: pl.DataFrame, labels: pl.DataFrame, model: Path = MODEL_PATH
) -> pl.DataFrame:
    """The model's view of labelled profile pairs (unique_id_l, unique_id_r, same): match_probability,
    match_weight and the per-comparison weights (`mw_<comparison>`, `mw_tf_adj_<comparison>`).
    """
    settings = json.loads(model.read_text(encoding="utf-8"))
    settings.pop("model_version", None)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True  # the labels pipeline reports which blocking rule found a pair
    backend = duckdb_backend(con)
    linker = _linker(backend, profiles, settings, logging.ERROR)
    for column in TF_COLUMNS:
        linker.table_management.compute_tf_table(column)
    table = backend.register(
        labels.select("unique_id_l", "unique_id_r", pl.col("same").cast(pl.Float64).alias("clerical_match_score")),
        "steward_labels",
    )
    # The pipeline behind linker.evaluation's label methods, without their filter to errors at one threshold.
    from splink.internals.accuracy import predictions_from_sample_of_pairwise_labels_sql
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

    pipeline = CTEPipeline()
    enqueue_df_concat_with_tf(linker, pipeline)
    sqls = predictions_from_sample_of_pairwise_labels_sql(linker, table.physical_name)  # type: ignore[no-untyped-call]
    pipeline.enqueue_list_of_sqls(sqls)
    scored = backend.db_api.sql_pipeline_to_splink_dataframe(pipeline)
    frame: pl.DataFrame = con.sql(f"SELECT * FROM {scored.physical_name}").pl()
    keep = [c for c in frame.columns if c.startswith("mw_")]
    return frame.select(
        pl.min_horizontal("unique_id_l", "unique_id_r").alias("unique_id_l"),
        pl.max_horizontal("unique_id_l", "unique_id_r").alias("unique_id_r"),
        (pl.col("clerical_match_score") > 0.5).alias("same"),
        "match_probability",
        "match_weight",
        *keep,
    )


TF_COLUMNS = ("name", "name_pinyin", "name_tokens")


def _smoothed(model: dict[str, Any]) -> dict[str, Any]:
    """Floor trained probabilities: a level never seen in training must not veto or force a match.

    EM on generated data can drive an m or u to 0 (e.g. nobody there has two e-mail addresses),
    which would make one disagreement outweigh everything else on real data.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if level.get(key) is not None:
                    level[key] = max(level[key], PROBABILITY_FLOOR)
    return model


def predict(
    engine: Engine,
    profiles: pl.DataFrame,
    is_new: pl.Series,
    threshold: float,
    model: Path = MODEL_PATH,
) -> pl.DataFrame:
    """Score the blocked pairs that involve at least one new profile (`is_new`), on `engine`.

    Pairs among new profiles come from `predict_within`, pairs between new and old ones from
    `predict_between`; term frequencies are computed over all current profiles, so a full run
    (everything new) and an incremental one score a pair identically. Returns unique_id_l,
    unique_id_r, det_group_l, det_group_r, match_probability, match_weight and the
    per-comparison match weights and levels reached (`mw_<comparison>`, `mw_tf_adj_<comparison>`,
    `gamma_<comparison>`: the console labels a step by its level), with the same types on either engine.
    """
    settings = settings_for(json.loads(model.read_text(encoding="utf-8")), engine.dialect)
    settings.pop("model_version", None)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True  # Splink keeps the gamma columns only with these
    frames = []
    with splink_backend(engine) as backend:
        linker = _linker(backend, profiles, settings, logging.ERROR)
        for column in TF_COLUMNS:
            linker.table_management.compute_tf_table(column)
        new = backend.register(profiles.filter(is_new), "new_profiles")
        parts = [linker.inference.predict_within(new, threshold_match_probability=threshold)]
        if not is_new.all():
            old = backend.register(profiles.filter(~is_new), "old_profiles")
            parts.append(linker.inference.predict_between(new, old, threshold_match_probability=threshold))
        for scored in parts:
            frames.append(backend.fetch(scored, _scored_column))
            scored.drop_table_from_database_and_remove_from_cache()
    return _ordered(pl.concat(frames, how="diagonal_relaxed"))


_SCORE_COLUMNS = ("unique_id_l", "unique_id_r", "det_group_l", "det_group_r", "match_probability", "match_weight")


def _scored_column(name: str) -> bool:
    """A column of Splink's predictions that `links` keeps."""
    return name in _SCORE_COLUMNS or name.startswith(("mw_", "gamma_"))


def _ordered(pairs: pl.DataFrame) -> pl.DataFrame:
    """Put the smaller unique_id on the left (predict_between puts the new profile there)."""
    swap = pl.col("unique_id_l") > pl.col("unique_id_r")
    swapped = []
    for a in ("unique_id", "det_group"):
        swapped.append(pl.when(swap).then(pl.col(f"{a}_r")).otherwise(pl.col(f"{a}_l")).alias(f"{a}_l"))
        swapped.append(pl.when(swap).then(pl.col(f"{a}_l")).otherwise(pl.col(f"{a}_r")).alias(f"{a}_r"))
    return pairs.with_columns(swapped)


def model_version(model: Path = MODEL_PATH) -> str:
    """The saved model's version string."""
    version: str = json.loads(model.read_text(encoding="utf-8")).get("model_version", "untrained")
    return version
