"""The per-run HTML report: the talent library at a glance, with charts.

The report is one self-contained file: charts are inline SVG drawn here, with no JavaScript and
nothing fetched from a CDN, because the machines it is read on have no internet access (Altair
would need Vega's JavaScript at view time, or vl-convert, which is not locked, to make SVG).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

import duckdb
from jinja2 import Environment

from warehouse.serve.analyst import CATALOG
from warehouse.serve.context import SOURCE_LABELS
from warehouse.serve.disclosure import SUPPRESSED_LABEL

PALETTE = {"eligible": "#2e7d32", "needs_evidence": "#f9a825", "not_eligible": "#bdbdbd"}
BAR = "#1f5fa8"


@dataclass(frozen=True)
class Chart:
    """A titled chart and a line saying how to read it."""

    title: str
    note: str
    svg: str


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def shown(value: int | None) -> str:
    """A count as the report prints it: `<5` where the analyst file suppressed it."""
    return SUPPRESSED_LABEL if value is None else f"{value:,}"


def bar_chart(rows: list[tuple[str, int | None]], width: int = 620, bar_height: int = 20) -> str:
    """Horizontal bars, one per (label, value), values printed at the bar ends (`<5` without a bar)."""
    top = max((v or 0 for _, v in rows), default=0) or 1
    label_w, gap = 150, 6
    height = len(rows) * (bar_height + gap) + gap
    usable = width - label_w - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_height + gap)
        w = max(1, round(usable * (value or 0) / top))
        parts += [
            f'<text x="{label_w - 8}" y="{y + bar_height - 5}" text-anchor="end" font-size="13">{_esc(label)}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_height}" fill="{BAR}"><title>{_esc(label)}：'
            f"{value}</title></rect>",
            f'<text x="{label_w + w + 6}" y="{y + bar_height - 5}" font-size="12">{shown(value)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def column_chart(rows: list[tuple[str, int | None]], width: int = 900, height: int = 240) -> str:
    """Vertical columns over an ordered axis (years), every fifth label shown (`<5` as no column)."""
    top = max((v or 0 for _, v in rows), default=0) or 1
    left, bottom = 40, 30
    step = (width - left - 10) / max(len(rows), 1)
    usable = height - bottom - 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append(f'<text x="4" y="14" font-size="11">{top:,}</text>')
    for i, (label, value) in enumerate(rows):
        h = round(usable * (value or 0) / top)
        x = left + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bottom - h}" width="{max(step - 2, 1):.1f}" height="{h}" fill="{BAR}">'
            f"<title>{_esc(label)}：{shown(value)}</title></rect>"
        )
        if i % 5 == 0 or i == len(rows) - 1:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="11">'
                f"{_esc(label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(rows: list[tuple[str, dict[str, int | None]]], labels: dict[str, str], width: int = 760) -> str:
    """One 100 % bar per row, split by status, with a legend (a suppressed part draws nothing)."""
    label_w, bar_h, gap = 150, 22, 8
    usable = width - label_w - 20
    height = len(rows) * (bar_h + gap) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, counts) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        total = sum(v or 0 for v in counts.values()) or 1
        x = float(label_w)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h - 6}" text-anchor="end" font-size="13">{_esc(label)}</text>'
        )
        for key, colour in PALETTE.items():
            n = counts.get(key) or 0
            w = usable * n / total
            if n:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                    f"<title>{_esc(label)} {_esc(labels[key])}：{n}</title></rect>"
                )
            x += w
    legend_y = height - 14
    for j, (key, colour) in enumerate(PALETTE.items()):
        x = label_w + j * 140
        parts += [
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{colour}"/>',
            f'<text x="{x + 18}" y="{legend_y}" font-size="12">{_esc(labels[key])}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>留学回国人才数仓运行报告 {{ as_of }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto; max-width: 980px;
       color: #222; }
h1 { font-size: 1.6em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { border: 1px solid #ddd; padding: .3em .7em; text-align: left; }
th { background: #f3f5f8; } td.n { text-align: right; } .note { color: #666; font-size: .9em; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; }
.card { border: 1px solid #ddd; padding: .8em 1.2em; border-radius: 6px; }
.card b { display: block; font-size: 1.5em; }
</style></head><body>
<h1>留学回国人才数仓运行报告</h1>
<p class="note">统计日期 {{ as_of }}（最新当前交付日）· 运行 {{ run_id }} · 生成于 {{ generated }}。
图表为内嵌 SVG，离线可看。数据取自分析库 <code>analyst.duckdb</code>：少于5人的计数显示为“&lt;5”。</p>
<div class="cards">
{% for label, value in cards %}<div class="card">{{ label }}<b>{{ value }}</b></div>{% endfor %}
</div>
<h2>留学回国身份</h2>
<table><tr><th>身份</th><th>人数</th></tr>
{% for label, n in statuses %}<tr><td>{{ label }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table>
{% for chart in charts %}
<h2>{{ chart.title }}</h2><p class="note">{{ chart.note }}</p>{{ chart.svg | safe }}
{% endfor %}
{% if yearly %}
<h2>年度统计（留学人员信息统计调查）</h2>
<p class="note">{{ yearly.year }} 年调查的填报人员（同一人一年只计一次）
{%- if yearly.total is not none %}共 {{ "{:,}".format(yearly.total) }} 人{% endif %}，
与 {{ yearly.year - 1 }} 年比较；小于5的人数不公布（&lt;5），只有一格不公布时另隐去最小的一格；
每类至多列出前 {{ yearly.limit }} 项。</p>
{% for dimension in yearly.dimensions %}
<h3>{{ dimension.label }}</h3>
<table><tr><th>{{ dimension.label }}</th><th>{{ yearly.year }} 年</th><th>{{ yearly.year - 1 }} 年</th>
<th>增减</th><th>增减（%）</th></tr>
{% for r in dimension.rows %}<tr><td>{{ r[0] }}</td><td class="n">{{ r[1] }}</td><td class="n">{{ r[2] }}</td>
<td class="n">{{ r[3] }}</td><td class="n">{{ r[4] }}</td></tr>{% endfor %}
</table>
{% endfor %}
{% endif %}
<h2>政策推送</h2>
<table><tr><th>政策</th><th>符合</th><th>需补充材料</th><th>不符合</th><th>条款已核对</th></tr>
{% for p in policies %}<tr><td>{{ p.name }}</td><td class="n">{{ p.eligible }}</td>
<td class="n">{{ p.needs_evidence }}</td><td class="n">{{ p.not_eligible }}</td>
<td>{{ "是" if p.verified else "否（待核对）" }}</td></tr>{% endfor %}
</table>
<h2>待核查的属性冲突</h2>
<table><tr><th>冲突</th><th>人员数</th></tr>
{% for label, n in conflicts %}<tr><td>{{ label }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table>
<h2>来源覆盖</h2>
<table><tr><th>来源</th><th>覆盖人员</th></tr>
{% for label, n in coverage %}<tr><td>{{ label }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table>
</body></html>
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _signed(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:+,.{digits}f}"


def yearly_section(con: duckdb.DuckDBPyConnection, limit: int = 12) -> dict[str, Any] | None:
    """The latest survey year's statistics against the year before (from `stats_yearly`)."""
    a = f"{CATALOG}.main"
    year = _rows(con, f"SELECT max(survey_year) FROM {a}.stats_yearly")[0][0]
    if year is None:
        return None
    total = _rows(con, f"SELECT returnees FROM {a}.stats_yearly_total WHERE survey_year = {year}")
    rows = _rows(
        con,
        f"""
        SELECT dimension, dimension_label, category, returnees, previous_returnees, change, change_pct
        FROM {a}.stats_yearly WHERE survey_year = {year}
        ORDER BY dimension, returnees DESC NULLS LAST, category
        """,
    )
    dimensions: dict[str, dict[str, Any]] = {}
    for dimension, label, category, n, previous, change, pct in rows:
        entry = dimensions.setdefault(dimension, {"label": label, "rows": []})
        if len(entry["rows"]) < limit:
            entry["rows"].append((category, shown(n), shown(previous), _signed(change), _signed(pct, 1)))
    return {"year": year, "total": total[0][0] if total else None, "limit": limit, "dimensions": dimensions.values()}


def render_report(con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.date) -> str:
    """The report of the attached analyst file as one HTML page (statistics only, small cells suppressed)."""
    a = f"{CATALOG}.main"
    persons, library, certified = _rows(con, f"SELECT persons, returnees, certified FROM {a}.stats_overview")[0]
    status_labels = {"eligible": "符合", "needs_evidence": "需补充材料", "not_eligible": "不符合"}
    policies = _rows(
        con,
        f"SELECT s.policy_name, d.clauses_verified, s.eligible, s.needs_evidence, s.not_eligible"
        f" FROM {a}.stats_policy_push s JOIN {a}.dim_policy d USING (policy_id) ORDER BY s.policy_id",
    )
    eligible = sum(row[2] or 0 for row in policies)
    charts = [
        Chart(
            "按留学国家（地区）",
            "人才库人数，前12个国家（地区）",
            bar_chart(_rows(con, f"SELECT study_country_name, returnees FROM {a}.stats_by_study_country LIMIT 12")),
        ),
        Chart(
            "按最高海外学位",
            "“未知”为来源未载明或无法确认在海外取得的学位",
            bar_chart(_rows(con, f"SELECT highest_overseas_degree, returnees FROM {a}.stats_by_degree")),
        ),
        Chart(
            "按所在区县",
            "前15个区县；未填报所在区县时取单位登记地",
            bar_chart(_rows(con, f"SELECT district, returnees FROM {a}.stats_by_district LIMIT 15")),
        ),
        Chart(
            "按回国年份",
            "回国年份取填报的回国时间，其次海外毕业时间，再次外汇留学缴费止期",
            column_chart(
                [(str(y), n) for y, n in _rows(con, f"SELECT return_year, returnees FROM {a}.stats_by_return_year")]
            ),
        ),
        Chart(
            "按单位性质",
            "当前单位的性质；“企业”为类型不详的企业",
            bar_chart(_rows(con, f"SELECT employer_kind, returnees FROM {a}.stats_by_employer_kind")),
        ),
        Chart(
            "政策推送结果",
            "每项政策中符合、需补充材料、不符合的人才库人员占比",
            stacked_chart(
                [(name, dict(zip(status_labels, counts, strict=True))) for name, _, *counts in policies], status_labels
            ),
        ),
    ]
    environment = Environment(autoescape=True)
    yearly = yearly_section(con)
    return environment.from_string(TEMPLATE).render(
        as_of=as_of.isoformat(),
        run_id=run_id[:8],
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        cards=[
            ("人员", shown(persons)),
            ("人才库（留学回国人员）", shown(library)),
            ("已认证", shown(certified)),
            ("可推送政策人次", f"{eligible:,}"),
        ],
        statuses=[
            (label, shown(n))
            for label, n in _rows(con, f"SELECT returnee_status_label, persons FROM {a}.stats_by_returnee_status")
        ],
        charts=charts,
        yearly=yearly,
        policies=[
            {"name": name, "verified": verified, **{k: shown(n) for k, n in zip(status_labels, counts, strict=True)}}
            for name, verified, *counts in policies
        ],
        conflicts=[
            (label, shown(n)) for label, n in _rows(con, f"SELECT description, persons FROM {a}.stats_person_conflicts")
        ],
        coverage=[
            (SOURCE_LABELS.get(source, source), shown(n))
            for source, n in _rows(con, f"SELECT source, persons FROM {a}.stats_by_source")
        ],
    )
