"""Generate the schema reference (`docs/schema.md`) from the comments in a built warehouse and its analyst file.

python -m warehouse.serve.schema_doc --warehouse data/demo/warehouse.duckdb --out docs/schema.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from warehouse.serve.analyst import CATALOG, analyst_path
from warehouse.serve.context import RESTRICTED
from warehouse.store.db import connect

# (catalog, schema) → heading and introduction; the catalog None is the warehouse file itself.
SCHEMAS: dict[tuple[str | None, str], tuple[str, str]] = {
    (CATALOG, "main"): (
        "分析库 `analyst.duckdb`",
        "分析人员使用的文件（数仓旁的独立 DuckDB 文件，另有同名表的 Parquet 导出）。只有假名化的人员编号及出生年份、"
        "区县、性别，无个人信息的维表，以及小单元格已抑制的统计表：少于5人的计数和可据以推算它的计数为空值。"
        "不含姓名、证件号、联系方式、出生日期、来源记录键与原始值。",
    ),
    (None, RESTRICTED): (
        "数仓 `warehouse.duckdb` 的 `restricted` 模式",
        "受限访问的未脱敏表：黄金记录、冲突、事实、画像与政策推送的原始结果，仅供数据管理员、控制台与授权服务使用；"
        "文件只有属主可读，应存放在加密卷上。",
    ),
}


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_schema_doc(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown listing every table and view of the analyst file and the restricted schema with its columns
    (`con`: the warehouse, with the analyst file attached as `analyst`)."""
    lines = [
        "# 数仓结构参考",
        "",
        "本文件由 `python -m warehouse.serve.schema_doc` 根据数仓中的 `COMMENT ON` 注释生成，请勿手工修改。",
        "",
    ]
    own = con.execute("SELECT current_database()").fetchall()[0][0]
    for (catalog, schema), (heading, intro) in SCHEMAS.items():
        database = catalog or own
        lines += [f"## {heading}", "", intro, ""]
        objects = con.execute(
            """
            SELECT table_name, '表' AS kind, comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ?
            UNION ALL SELECT view_name, '视图', comment FROM duckdb_views() WHERE database_name = ? AND schema_name = ?
            ORDER BY 2, 1
            """,
            [database, schema, database, schema],
        ).fetchall()
        for name, kind, comment in objects:
            title = name if catalog else f"{schema}.{name}"
            lines += [
                f"### `{title}`（{kind}）",
                "",
                _cell(comment),
                "",
                "| 列 | 类型 | 说明 |",
                "|---|---|---|",
            ]
            columns = con.execute(
                "SELECT column_name, data_type, comment FROM duckdb_columns()"
                " WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [database, schema, name],
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
    warehouse = Path(args.warehouse)
    with connect(warehouse, read_only=True) as con:
        con.execute(f"ATTACH '{analyst_path(warehouse)}' AS {CATALOG} (READ_ONLY)")
        text = render_schema_doc(con)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
