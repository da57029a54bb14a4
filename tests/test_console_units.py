"""Console building blocks without a warehouse: explanations, queue settling, sessions, redirects."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.explain import level_label, waterfall
from console.queue import settled
from console.routes_auth import safe_next
from console.security import Session, SessionCodec, check_secret, hash_password, new_session, password_matches
from console.store import DECISION_COLUMNS, active

SECRET = "unit-secret-" + "z" * 20


def _link(**weights: float) -> dict[str, object]:
    total = -14.5 + sum(weights.values())
    return {
        "match_weight": total,
        "match_probability": 2**total / (1 + 2**total),
        **{f"mw_{k}": v for k, v in weights.items()},
    }


def test_waterfall_bars_add_up_to_the_match_weight() -> None:
    row = _link(name=13.483, tf_adj_name=-4.1, dob=12.925, sex=0.977, passport_no=0.0)
    chart = waterfall(row)
    assert chart is not None
    labels = [b.label for b in chart.bars]
    assert labels == ["先验", "姓名", "姓名常见度调整", "出生日期", "性别", "合计"]
    assert math.isclose(sum(b.weight for b in chart.bars[:-1]), row["match_weight"])
    assert math.isclose(chart.bars[0].weight, -14.5)
    assert chart.missing == ["护照号"]
    assert chart.bars[-1].level.startswith("匹配概率")
    assert all(b.x >= chart.label_width and b.width > 0 for b in chart.bars)


def test_waterfall_reads_bayes_factors_and_gamma_levels() -> None:
    row = {"match_weight": 3.0, "match_probability": 0.89, "bf_sex": 2.0, "gamma_sex": 1, "bf_email": 0.5}
    chart = waterfall(row)
    assert chart is not None
    sex = next(b for b in chart.bars if b.label == "性别")
    assert math.isclose(sex.weight, 1.0) and sex.level == "相同"
    assert math.isclose(next(b for b in chart.bars if b.label == "电子邮箱").weight, -1.0)
    assert waterfall({"match_weight": 1.0, "match_probability": 0.6}) is None


def test_level_labels_by_gamma_else_by_trained_weight() -> None:
    assert level_label("name", 0.0, -1) == "姓名缺失"
    assert level_label("sex", 123.0, 0) == "不同"
    assert level_label("sex", 123.0, None) == ""


def _decisions(rows: list[dict]) -> pl.DataFrame:
    base = dict.fromkeys(DECISION_COLUMNS)
    return pl.DataFrame([base | r for r in rows], schema=DECISION_COLUMNS)


MEMBERS = pl.DataFrame(
    {"person_id": ["A", "A", "B", "C", "C"], "record_uid": ["a1", "a2", "b1", "c1", "c2"]},
)
CANDIDATES = pl.DataFrame(
    [
        ("person", ["A"]),
        ("pair", ["A", "B"]),
        ("pair", ["B", "C"]),
        ("person", ["C"]),
        ("decision", ["C"]),
    ],
    schema={"kind": pl.Utf8, "persons": pl.List(pl.Utf8)},
    orient="row",
)


def _settled(decisions: pl.DataFrame) -> dict[tuple[str, str], bool]:
    flags = settled(CANDIDATES, MEMBERS, active(decisions))
    return {(",".join(p), k): s for (k, p), s in zip(CANDIDATES.iter_rows(), flags.to_list(), strict=True)}


def test_nothing_is_settled_without_decisions() -> None:
    assert not any(_settled(_decisions([])).values())


def test_confirm_of_every_record_settles_the_person_only() -> None:
    result = _settled(_decisions([{"decision_id": 1, "action": "confirm", "record_uids": ["a1", "a2"]}]))
    assert result[("A", "person")]
    assert not result[("A,B", "pair")]
    partial = _settled(_decisions([{"decision_id": 1, "action": "confirm", "record_uids": ["c1"]}]))
    assert not partial[("C", "person")]


def test_separating_decisions_settle_pairs_and_undo_reopens_them() -> None:
    different = {"decision_id": 1, "action": "different", "record_uids": ["a2", "b1"]}
    assert _settled(_decisions([different]))[("A,B", "pair")]
    split = {"decision_id": 2, "action": "split", "record_uids": ["c2"], "other_record_uids": ["b1"]}
    assert _settled(_decisions([split]))[("B,C", "pair")]
    undo = {"decision_id": 3, "action": "undo", "record_uids": ["a2", "b1"], "undoes": 1}
    assert not _settled(_decisions([different, undo]))[("A,B", "pair")]


def test_different_with_two_sides_settles_the_pair_of_persons() -> None:
    sides = {"decision_id": 1, "action": "different", "record_uids": ["b1"], "other_record_uids": ["c1", "c2"]}
    result = _settled(_decisions([sides]))
    assert result[("B,C", "pair")] and not result[("A,B", "pair")] and not result[("C", "person")]
    # Both records on one side say nothing about B and C.
    one_side = {"decision_id": 2, "action": "different", "record_uids": ["c1", "c2"], "other_record_uids": ["a1"]}
    assert not _settled(_decisions([one_side]))[("B,C", "pair")]


def test_both_persons_reviewed_settles_their_pair_but_never_a_conflict() -> None:
    result = _settled(
        _decisions(
            [
                {"decision_id": 1, "action": "confirm", "record_uids": ["b1"]},
                {"decision_id": 2, "action": "merge", "record_uids": ["c1", "c2", "x"]},
            ]
        )
    )
    assert result[("B,C", "pair")] and result[("C", "person")]
    assert not result[("C", "decision")]


def test_session_cookie_carries_only_a_signed_id() -> None:
    codec = SessionCodec(SECRET)
    session = new_session("wang", "steward")
    value = codec.dumps(session)
    # Who is logged in is decided by the server-side session table, never by the cookie.
    assert codec.loads(value) == Session(session.sid) and "wang" not in value and "steward" not in value
    # Tamper with the payload: the signature's last base64 character may only carry padding bits.
    assert codec.loads(("A" if value[0] != "A" else "B") + value[1:]) is None
    assert SessionCodec("another-secret-" + "q" * 20).loads(value) is None
    assert codec.loads(None) is None and codec.loads("garbage") is None


def test_csrf_token_is_tied_to_the_session() -> None:
    codec = SessionCodec(SECRET)
    one, two = new_session(), new_session()
    assert codec.csrf_valid(one, codec.csrf_token(one))
    assert not codec.csrf_valid(one, codec.csrf_token(two))
    assert not codec.csrf_valid(one, None) and not codec.csrf_valid(one, "")


@settings(max_examples=8, deadline=None)  # scrypt is slow on purpose
@given(st.text(min_size=1, max_size=30))
def test_password_hash_checks_only_the_same_password(password: str) -> None:
    salt = "ab" * 16
    stored = hash_password(password, salt)
    assert password_matches(password, salt, stored)
    assert not password_matches(password + "x", salt, stored)


def test_secret_is_required() -> None:
    for bad in (None, "", "short"):
        with pytest.raises(ValueError, match="RETURNEES_CONSOLE_SECRET"):
            check_secret(bad)
    assert check_secret(SECRET) == SECRET


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/persons/P1?with=P2", "/persons/P1?with=P2"),
        ("//evil.example", "/queue"),
        ("https://evil.example", "/queue"),
        ("/\\evil.example", "/queue"),
        (None, "/queue"),
    ],
)
def test_login_only_returns_to_local_pages(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
