"""The saved Splink model is the model the code defines: same blocking, comparisons and levels."""

from __future__ import annotations

import json

from dedup import model


def test_saved_model_matches_the_code() -> None:
    saved = json.loads(model.MODEL_PATH.read_text(encoding="utf-8"))
    assert saved["model_version"] == model.MODEL_VERSION
    assert [r["blocking_rule"] for r in saved["blocking_rules_to_generate_predictions"]] == model.PREDICTION_RULES
    coded = model.comparisons()
    assert [c["output_column_name"] for c in saved["comparisons"]] == [c["output_column_name"] for c in coded]
    for stored, defined in zip(saved["comparisons"], coded, strict=True):
        pairs = list(zip(stored["comparison_levels"], defined["comparison_levels"], strict=True))
        keys = (
            "sql_condition",
            "label_for_charts",
            "is_null_level",
            "tf_adjustment_column",
            "tf_adjustment_weight",
            "disable_tf_exact_match_detection",
        )
        assert [[s.get(k) for k in keys] for s, _ in pairs] == [[d.get(k) for k in keys] for _, d in pairs]
        for s, d in pairs:  # priors the code fixes are the saved values, whatever training did
            if d.get("fix_m_probability"):
                assert s["m_probability"] == d["m_probability"]
            if d.get("fix_u_probability"):
                assert s["u_probability"] == d["u_probability"]
