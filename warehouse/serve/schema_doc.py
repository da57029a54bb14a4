"""Generate the schema reference (`docs/schema.md`) from the comments in a built warehouse.

python -m warehouse.serve.schema_doc --warehouse data/demo/warehouse.duckdb --out docs/schema.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from warehouse.serve.context import ANALYST, RESTRICTED
from warehouse.store.db import connect

SCHEMAS = {
    ANALYST: "分析人员使用的表与视图。个人信息已脱敏：身份证号为前6位+`********`+后4位，手机号为前3位+`****`+后4位，"
    "姓名仅保留首字；不含邮箱、护照号、户籍地址和来源记录键。",
    RESTRICTED: "受限访问的未脱敏表：黄金记录、冲突、事实、画像与政策推送的原始结果，仅供数据管理员与授权服务使用。",
}


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_schema_doc(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown listing every table and view of the analyst and restricted schemas with its columns."""
    lines = [
        "# 数仓结构参考",
        "",
        "本文件由 `python -m warehouse.serve.schema_doc` 根据数仓中的 `COMMENT ON` 注释生成，请勿手工修改。",
        "",
    ]
    for schema, intro in SCHEMAS.items():
        lines += [f"## `{schema}`", "", intro, ""]
        objects = con.execute(
            """
            SELECT table_name, '表' AS kind, comment FROM duckdb_tables() WHERE schema_name = ?
            UNION ALL SELECT view_name, '视图', comment FROM duckdb_views() WHERE schema_name = ?
            ORDER BY 2, 1
            """,
            [schema, schema],
        ).fetchall()
        for name, kind, comment in objects:
            lines += [
                f"### `{schema}.{name}`（{kind}）",
                "",
                _cell(comment),
                "",
                "| 列 | 类型 | 说明 |",
                "|---|---|---|",
            ]
            columns = con.execute(
                "SELECT column_name, data_type, comment FROM duckdb_columns()"
                " WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema, name],
            ).fetchall()
            lines += [f"| `{c}` | `{t}` | {_cell(d)} |" for c, t, d in columns]
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Write the schema reference of a built warehouse."""
    parser = argparse.ArgumentParser(description="根据数仓注释生成结构参考文档")
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "docs" / "schema.md"))
    args = parser.parse_args(argv)
    with connect(Path(args.warehouse), read_only=True) as con:
        text = render_schema_doc(con)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
