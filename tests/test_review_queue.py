"""The review step on small frames: candidates, the features between two sides, calibration, reasons, scoring."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dedup.review.calibration import fit_review_model, load_review_model, save_review_model
from dedup.review.candidates import candidate_sides, merged_halves, pair_candidates, person_links
from dedup.review.evaluate import points_at_error, queue_scores, resolution_errors, same_person_labels
from dedup.review.features import FEATURE_NAMES, MEMBER_COLUMNS, review_members, side_features
from dedup.review.queue import above_cut, review_candidates
from dedup.review.reasons import evidence_text, reason_codes

RECORD = dict.fromkeys(MEMBER_COLUMNS)


def _records(rows: list[dict]) -> pl.DataFrame:
    """Records as the review step reads them (dates given as ISO text)."""
    frame = pl.DataFrame([RECORD | r for r in rows], schema=dict.fromkeys(MEMBER_COLUMNS, pl.Utf8))
    return frame.with_columns(pl.col("birth_date", "id_birth_date").str.to_date())


def _link(left: str, right: str, groups: tuple[int, int], weight: float, accepted: bool) -> dict:
    return {
        "record_uid_l": left,
        "record_uid_r": right,
        "det_group_l": groups[0],
        "det_group_r": groups[1],
        "match_weight": weight,
        "match_probability": 2**weight / (1 + 2**weight),
        "accepted": accepted,
    }


LINK_SCHEMA = {
    "record_uid_l": pl.Utf8,
    "record_uid_r": pl.Utf8,
    "det_group_l": pl.Int64,
    "det_group_r": pl.Int64,
    "match_weight": pl.Float64,
    "match_probability": pl.Float64,
    "accepted": pl.Boolean,
}
NO_REFUSALS = pl.DataFrame(
    schema={"det_group_l": pl.Int64, "det_group_r": pl.Int64, "match_probability": pl.Float64, "reason": pl.Utf8}
)


def test_a_merged_person_is_cut_at_the_weakest_edge_of_its_spanning_tree() -> None:
    persons = pl.DataFrame(
        {"record_uid": ["a", "b", "c", "d", "e"], "person_id": ["P", "P", "P", "Q", "Q"], "det_group": [1, 2, 3, 4, 5]}
    )
    links = pl.DataFrame(
        [
            _link("a", "b", (1, 2), 20.0, True),
            _link("b", "c", (2, 3), 5.0, True),
            _link("a", "c", (1, 3), 4.0, True),  # weaker than the path a–b–c: not on the tree
            _link("d", "e", (4, 5), 12.0, True),
            _link("c", "d", (3, 4), -3.0, False),  # between persons: not inside either
        ],
        schema=LINK_SCHEMA,
        orient="row",
    )
    halves = merged_halves(person_links(links, persons))
    side = {g: s for g, _, s, _ in halves.iter_rows()}
    assert side[1] == side[2] != side[3] and side[4] != side[5]
    cut = dict(halves.select("person_id", "cut_weight").unique().iter_rows())
    assert cut == {"P": 5.0, "Q": 12.0}


def test_pairs_come_from_links_refusals_and_namesakes_blocking_may_miss() -> None:
    people = [
        # X1 and X2: a rare name, the year of birth mistyped, never scored.
        ("x1", "X1", 1, "ZHOUXIAOQIAN", "1990-03-04"),
        ("x2", "X2", 2, "ZHOUXIAOQIAN", "1991-03-04"),
        # Y1 and Y2: linked by Splink below the threshold.
        ("y1", "Y1", 3, "LIWEI", "1985-01-01"),
        ("y2", "Y2", 4, "LIWEIWEI", "1985-02-01"),
        # R1 and R2: a link refused by a constraint.
        ("r1", "R1", 5, "CHENJING", "1970-05-05"),
        ("r2", "R2", 6, "CHENJING", "1971-06-06"),
    ]
    # A common name (more holders than the namesake limit): the same month and day is no reason.
    people += [(f"w{i}", f"W{i}", 100 + i, "WANGFANG", f"{1960 + i}-07-07") for i in range(31)]
    members = pl.DataFrame(
        people, schema=["record_uid", "person_id", "det_group", "name_pinyin", "dob_day"], orient="row"
    )
    links = pl.DataFrame([_link("y1", "y2", (3, 4), -2.0, False)], schema=LINK_SCHEMA, orient="row")
    refusals = pl.DataFrame(
        {"det_group_l": [5], "det_group_r": [6], "match_probability": [0.97], "reason": ["两个有效身份证号"]}
    )
    pairs = {tuple(p) for p in pair_candidates(person_links(links, members), refusals, members).iter_rows()}
    assert {("X1", "X2"), ("Y1", "Y2"), ("R1", "R2")} <= pairs
    assert not any(a.startswith("W") for a, _ in pairs)
    twins = members.vstack(
        pl.DataFrame([("w99", "W99", 999, "WANGFANG", "1960-07-07")], schema=members.columns, orient="row").cast(
            members.schema
        )  # type: ignore[arg-type]
    )
    assert ("W0", "W99") in {tuple(p) for p in pair_candidates(person_links(links, twins), refusals, twins).iter_rows()}


def _features(records: pl.DataFrame, persons: pl.DataFrame, links: pl.DataFrame) -> dict[str, dict]:
    members = review_members(records, persons)
    linked = person_links(links, members)
    pairs = pair_candidates(linked, NO_REFUSALS, members)
    sides = candidate_sides(pairs, merged_halves(linked), members)
    features = side_features(sides, members, linked, NO_REFUSALS)
    return {row["candidate"]: row for row in features.iter_rows(named=True)}


def test_features_weigh_identifiers_names_and_birth_dates_between_the_sides() -> None:
    records = _records(
        [
            # A: a valid ID and a passport; B: a Hong Kong permit and another valid ID one digit apart.
            {
                "record_uid": "a",
                "source": "survey",
                "name": "王芳",
                "name_pinyin": "WANGFANG",
                "id_kind": "RIC",
                "id_number": "500101199001011234",
                "id_birth_date": "1990-01-01",
                "mobile": "13800000000",
            },
            {
                "record_uid": "a2",
                "source": "fx_accounts",
                "name_pinyin": "WANGFANG",
                "id_kind": "PASSPORT",
                "passport_no": "E12345678",
                "birth_date": "1990-01-01",
                "birth_precision": "day",
            },
            {
                "record_uid": "b",
                "source": "pi_hr",
                "name": "王芳",
                "name_pinyin": "WANGFANG",
                "id_kind": "RIC",
                "id_number": "500101199001011334",
                "id_birth_date": "1990-01-01",
                "mobile": "13800000000",
            },
            {
                "record_uid": "b2",
                "source": "fx_accounts",
                "name_pinyin": "WANGFANG",
                "id_kind": "HKMO",
                "passport_no": "H1234567",
            },
            # C: another name, no link to anyone but by name.
            {"record_uid": "c", "source": "survey", "name": "王方", "name_pinyin": "WANGFANG", "sex": "F"},
        ]
    )
    persons = pl.DataFrame(
        {
            "record_uid": ["a", "a2", "b", "b2", "c"],
            "person_id": ["A", "A", "B", "B", "C"],
            "det_group": [1, 2, 3, 4, 5],
        }
    )
    links = pl.DataFrame(
        [
            _link("a", "a2", (1, 2), 14.0, True),
            _link("a", "b", (1, 3), 40.0, False),
            _link("b", "b2", (3, 4), 9.0, True),
        ],
        schema=LINK_SCHEMA,
        orient="row",
    )
    features = _features(records, persons, links)
    ab = features["pair:A:B"]
    assert ab["link_weight"] == 3.0  # clipped at 30, divided by 10
    assert ab["two_citizen_ids"] == 1.0 and ab["citizen_ids_one_typo_apart"] == 1.0
    assert ab["keys_disagree"] == 1.0  # the citizen IDs only: a passport and a permit are different documents
    assert ab["contacts_agree"] == 1.0 and ab["same_name"] == 1.0 and ab["same_birth_date"] == 1.0
    assert math.isclose(ab["log_namesakes"], math.log(3))
    ac = features["pair:A:C"]
    assert ac["no_link"] == 1.0 and ac["link_weight"] == 0.0 and ac["name_similarity"] == 1.0
    assert features["person:A"]["best_link_weight"] == 14.0
    assert set(FEATURE_NAMES) <= set(ab)


def test_calibration_learns_the_direction_of_evidence_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 2000
    weight = rng.normal(0, 1, n)
    frame = pl.DataFrame({name: rng.normal(0, 1, n) for name in FEATURE_NAMES}).with_columns(
        pl.Series("link_weight", weight)
    )
    same = pl.Series((rng.random(n) < 1 / (1 + np.exp(-3 * weight))).astype(int))
    model = fit_review_model(frame, same, FEATURE_NAMES, "test-1", "splink-x", ["unit test"])
    assert 2.0 < model.coefficients["link_weight"] < 4.0
    assert all(abs(c) < 0.5 for name, c in model.coefficients.items() if name != "link_weight")
    path = save_review_model(model, tmp_path / "review.json")
    again = load_review_model(path)
    assert again == model
    p = again.same_person(frame)
    assert p.is_between(0, 1).all() and p.filter(weight > 2).mean() > 0.9  # type: ignore[operator]
    with pytest.raises(ValueError, match="特征缺失"):
        again.same_person(frame.drop("no_link"))


def test_the_saved_calibration_ranks_a_steady_namesake_below_a_likely_split() -> None:
    model = load_review_model()
    assert set(model.coefficients) == set(FEATURE_NAMES)
    base = dict.fromkeys(FEATURE_NAMES, 0.0)
    likely_one = base | {"link_weight": 0.3, "same_name": 1.0, "same_birth_date": 1.0, "name_similarity": 1.0}
    namesake = base | {
        "link_weight": -1.0,
        "same_name": 1.0,
        "two_citizen_ids": 1.0,
        "keys_disagree": 1.0,
        "birth_date_differs": 1.0,
        "name_similarity": 1.0,
        "log_namesakes": math.log(40),
    }
    p = model.same_person(pl.DataFrame([likely_one, namesake]))
    assert p[0] > 0.5 > p[1]


def test_reasons_are_never_empty_and_evidence_reads_as_chinese() -> None:
    base = (
        dict.fromkeys(FEATURE_NAMES, 0.0)
        | {
            "best_link_probability": 0.05,
            "refused_reason": None,
            "namesakes": None,
        }
        | {
            f"{k}_{f}": False
            for k in ("agree", "disagree")
            for f in ("passport", "hkmo_permit", "tw_permit", "si_number", "mobile", "email", "degree_cert_no")
        }
    )
    rows = pl.DataFrame(
        [
            base | {"kind": "pair"},
            base | {"kind": "person", "best_link_probability": 0.999},
            base
            | {
                "kind": "pair",
                "same_name": 1.0,
                "same_birth_date": 1.0,
                "namesakes": 3,
                "best_link_probability": 0.6,
                "agree_mobile": True,
                "contacts_agree": 1.0,
            },
        ]
    )
    assert reason_codes(rows).to_list() == [
        ["low_link"],
        ["model_joined"],
        ["near_miss", "uncertain_link", "shared_contact"],
    ]
    text = evidence_text(rows).to_list()
    assert text[0] == "最强关联匹配概率 5.0%"
    assert text[1].startswith("合并所依赖的最弱关联匹配概率 99.9%")
    assert "同名（3 人用此名）" in text[2] and "出生日期相同" in text[2] and "共用手机号" in text[2]


def test_errors_and_the_items_that_point_at_them() -> None:
    registry = pl.DataFrame(
        {"record_uid": ["a", "b", "c", "d", "e", "f"], "person_id": ["P1", "P2", "P3", "P3", "P4", "P5"]}
    )
    truth = pl.DataFrame(
        {"record_uid": ["a", "b", "c", "d", "e", "f"], "true_person_id": ["T1", "T1", "T2", "T3", "T4", "T5"]}
    )
    errors = resolution_errors(registry, truth)
    assert errors.split.rows() == [("P1", "P2")] and errors.merged["person_id"].to_list() == ["P3"]
    items = pl.DataFrame(
        {
            "kind": ["pair", "person", "pair", "person"],
            "person_ids": [["P1", "P2"], ["P3"], ["P4", "P5"], ["P4"]],
        }
    )
    assert points_at_error(items, errors).to_list() == [True, True, False, False]
    scores = queue_scores(items.head(3), errors, persons=5)
    assert (scores.items, scores.real, scores.errors_pointed, scores.errors) == (3, 2, 2, 2)
    assert scores.per_thousand == 600.0 and scores.recall == 1.0 and math.isclose(scores.real_share, 2 / 3)
    sides = pl.DataFrame({"candidate": ["x", "x", "y", "y"], "side": [0, 1, 0, 1], "record_uid": ["a", "b", "c", "d"]})
    assert dict(same_person_labels(sides, truth).iter_rows()) == {"x": 1, "y": 0}


def test_the_cut_keeps_the_budget_and_drops_unlikely_items() -> None:
    estimates = pl.Series([0.9, 0.6, 0.3, 0.04, 0.01])
    assert above_cut(estimates, persons=300, per_thousand=10).to_list() == [True, True, True, False, False]
    assert above_cut(estimates, persons=100, per_thousand=10).to_list() == [True, False, False, False, False]


def test_review_candidates_rank_by_estimate_with_reasons_and_a_split_suggestion() -> None:
    records = _records(
        [
            {
                "record_uid": "a",
                "source": "survey",
                "name": "李娜",
                "name_pinyin": "LINA",
                "birth_date": "1990-01-01",
                "birth_precision": "day",
            },
            {
                "record_uid": "b",
                "source": "pi_hr",
                "name": "李娜",
                "name_pinyin": "LINA",
                "birth_date": "1990-01-01",
                "birth_precision": "day",
            },
            {
                "record_uid": "c",
                "source": "pi_hr",
                "name": "李娜",
                "name_pinyin": "LINA",
                "birth_date": "1990-01-01",
                "birth_precision": "day",
                "mobile": "13900000000",
            },
        ]
    )
    persons = pl.DataFrame({"record_uid": ["a", "b", "c"], "person_id": ["A", "A", "C"], "det_group": [1, 2, 3]})
    links = pl.DataFrame(
        [_link("a", "b", (1, 2), 4.0, True), _link("a", "c", (1, 3), 3.0, False)], schema=LINK_SCHEMA, orient="row"
    )
    queue = review_candidates(records, persons, links, NO_REFUSALS, load_review_model())
    assert queue["estimate"].is_sorted(descending=True) and queue["rank"].to_list() == [1, 2]
    assert set(queue["candidate"]) == {"pair:A:C", "person:A"}
    row = queue.filter(pl.col("kind") == "person").row(0, named=True)
    assert row["person_ids"] == ["A"] and row["split_record_uids"] in (["a"], ["b"]) and row["records"] == 2
    assert queue.filter(pl.col("kind") == "pair")["reasons"][0].to_list()[0] == "near_miss"
