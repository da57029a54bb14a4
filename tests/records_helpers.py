"""Hand-written source rows turned into standardised records, for linkage tests."""

from __future__ import annotations

import polars as pl

from dedup.records import raw_records, standardise_records
from sources.contract import load_contract


def citizen_id(body: str) -> str:
    """A valid 18-digit citizen ID from its first 17 digits (GB 11643 check character)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


SURNAMES = "李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁"
GIVEN = "子涵梓萱浩然雨泽思远嘉怡俊杰欣妍宇轩佳琪"


def strangers() -> list[dict]:
    """Forty public-institution staff with distinct names and valid IDs: the crowd a linkage test needs."""
    return [
        {
            "staff_no": f"S{i:03d}",
            "name": SURNAMES[i % 20] + GIVEN[(i * 7) % 20] + GIVEN[(i * 3 + 1) % 20],
            "id_number": citizen_id(f"5001061985{(i % 12) + 1:02d}{(i % 27) + 1:02d}{i:03d}"),
            "sex": "女",
        }
        for i in range(40)
    ]


def crowd(n: int) -> list[dict]:
    """`n` public-institution staff with distinct names: term frequencies as in a real population."""
    chars = "子涵梓萱浩然雨泽思远嘉怡俊杰欣妍宇轩佳琪明华国强丽娟秀英志伟建军春梅海燕玉兰桂芳文彬晓东红霞永刚振宇德胜"
    surnames = "李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁"
    return [
        {
            "staff_no": f"S{i:05d}",
            "name": surnames[i % 20] + chars[(i // 20) % len(chars)] + chars[i // (20 * len(chars))],
            "sex": "女",
        }
        for i in range(n)
    ]


def standardised_records(rows: dict[str, list[dict]]) -> pl.DataFrame:
    """Standardised records of bronze rows given by source (person files only, fields by name)."""
    bronze = {}
    for spec in load_contract().values():
        file_spec = spec.person_file
        fields = [c.field for c in file_spec.columns]
        frame = pl.DataFrame(
            [{f: r.get(f) for f in fields} for r in rows.get(spec.name, [])], schema=dict.fromkeys(fields, pl.Utf8)
        )
        bronze[spec.name] = frame.with_columns(
            pl.lit(spec.name).alias("source"),
            pl.lit("2026-11-21").alias("delivery_date"),
            pl.lit(file_spec.name).alias("file"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line_no"),
            pl.concat_str([pl.col(f) for f in file_spec.key_fields], separator="|").alias("record_key"),
        )
    return standardise_records(raw_records(bronze))


def uid(records: pl.DataFrame, source: str, key_prefix: str) -> str:
    """The record uid of the first record of `source` whose key starts with `key_prefix`."""
    found = records.filter((pl.col("source") == source) & pl.col("record_key").str.starts_with(key_prefix))
    return found["record_uid"][0]
