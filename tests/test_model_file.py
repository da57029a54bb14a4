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
        assert [(s["sql_condition"], s["label_for_charts"], s.get("tf_adjustment_column")) for s, _ in pairs] == [
            (d["sql_condition"], d["label_for_charts"], d.get("tf_adjustment_column")) for _, d in pairs
        ]
        for s, d in pairs:  # priors the code fixes are the saved values, whatever training did
            if d.get("fix_m_probability"):
                assert (s["m_probability"], s["u_probability"]) == (d["m_probability"], d["u_probability"])
