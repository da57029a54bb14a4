"""留学人员信息统计调查: yearly self-reported web survey exported to Excel."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import quirks as q
from returnees.synthetic.dates import (
    Ymd,
    contradict,
    excel_serial,
    make_impossible,
    render_dates,
    render_months,
)
from returnees.synthetic.draws import categorical, chance, choose, pick, stream, where
from returnees.synthetic.employers import KINDS, NONE
from returnees.synthetic.extracts.common import (
    Context,
    employer_columns,
    majors,
    people,
    text,
    truth,
)
from returnees.synthetic.writers import DATE, DATETIME, NUMBER, TEXT, Delivery, OutFile

CERTIFICATE, PASSPORT, PERMIT = range(3)


def _id_columns(
    rng: np.random.Generator, p: pl.DataFrame, reported: np.ndarray
) -> tuple[pl.Series, pl.Series, np.ndarray]:
    """证件类型, 证件号码 and the cell kind of the number (Excel keeps some as numbers); a passport
    renewed after the answer was given shows as the earlier one."""
    n = p.height
    region = p["region"].to_numpy()
    document = np.where(p["passport"].is_not_null().to_numpy() & chance(rng, n, 0.3), PASSPORT, CERTIFICATE)
    document[(region > 0) & chance(rng, n, 0.7)] = PERMIT
    citizen = q.typo_ids(rng, p["citizen_id"], chance(rng, n, 0.03))
    citizen = q.format_ids(
        rng,
        citizen,
        {"lower_x": 0.4, "spaced": 0.02, "fullwidth": 0.02, "old": 0.005},
        old_allowed=(p["birth"].dt.year() < 1980).to_numpy(),
    )
    clean = citizen.str.contains(r"^\d{18}$").to_numpy() & (document == CERTIFICATE)
    as_number = clean & chance(rng, n, 0.02)
    as_text_float = clean & ~as_number & chance(rng, n, 0.003)
    float_text = citizen.str.slice(0, 1) + "." + citizen.str.slice(1, 8) + "E+17"
    citizen = where(as_number, q.excel_float_text(citizen), citizen)
    citizen = where(as_text_float, float_text, citizen)
    earlier = p["earlier_passport"].is_not_null().to_numpy() & (
        reported.astype("datetime64[D]") < p["passport_renewed_on"].to_numpy()
    )
    passport = where(earlier, text(p["earlier_passport"]), text(p["passport"]))
    number = choose(document, [citizen, passport, text(p["permit"])])
    permit_type = where(region == 3, "台湾居民来往大陆通行证", pl.repeat("港澳居民来往内地通行证", n, eager=True))
    kind = choose(document, ["居民身份证", "护照", permit_type])
    missing = chance(rng, n, 0.04)
    number = where(missing, "", number)
    kind = where((missing & chance(rng, n, 0.5)) | chance(rng, n, 0.03), "", kind)
    return kind, number, np.where(as_number & ~missing, NUMBER, TEXT)


def _names(rng: np.random.Generator, p: pl.DataFrame) -> pl.Series:
    """姓名 as typed; Hong Kong, Macao and Taiwan residents mostly write traditional characters, and
    some the romanised name of their passport (CHAN TAI MAN)."""
    n = p.height
    names = q.render_names(
        rng,
        p["name"],
        p["latin_surname"],
        p["latin_given"],
        {
            "typo": 0.01,
            "traditional": 0.02,
            "spaced": 0.01,
            "fullwidth_space": 0.005,
            "pinyin": 0.003,
            "trailing": 0.01,
            "separator": 0.5,
        },
    )
    names = q.resident_traditional(rng, names, p["name"], p["region"].to_numpy())
    romanised = p["passport_surname"] + " " + p["passport_given"]
    return where((p["region"].to_numpy() > 0) & chance(rng, n, 0.05), romanised, names)


def _birth_column(rng: np.random.Generator, p: pl.DataFrame) -> tuple[pl.Series, np.ndarray]:
    n = p.height
    birth = contradict(rng, p["birth"].to_numpy(), chance(rng, n, 0.01))
    impossible = chance(rng, n, 0.002)
    parts = make_impossible(rng, Ymd.of(birth), impossible)
    style = categorical(rng, n, [30, 10, 57, 3])
    style[impossible & (style < 2)] = 2
    written = render_dates(
        rng, parts, {"iso": 20, "slash": 12, "cn": 10, "compact": 5, "dot": 5, "month": 3, "month_cn": 2}
    )
    serial = pl.Series(excel_serial(birth)).cast(pl.String)
    value = choose(style, [serial, serial, written, ""])
    return value, np.choose(style, [DATE, NUMBER, TEXT, TEXT])


def _month_column(rng: np.random.Generator, months: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    n = months.size
    noisy = months.astype("datetime64[M]") + np.where(chance(rng, n, 0.05), rng.integers(-3, 4, n), 0).astype(
        "timedelta64[M]"
    )
    fmt = categorical(rng, n, [40, 20, 10, 5, 15, 5, 5])
    names = ("dash", "compact", "dot", "dot_pad", "cn", "slash", "date")
    rendered = [render_months(rng, noisy, {f: 1.0}) for f in names]
    value = where(chance(rng, n, 0.03), "", choose(fmt, rendered))
    numeric = ((fmt == 1) & chance(rng, n, 0.5)) | ((fmt == 2) & chance(rng, n, 0.3))
    return value, np.where(numeric & (value.str.len_chars() > 0).to_numpy(), NUMBER, TEXT)


def _reported(rng: np.random.Generator, year: int, delivered: np.datetime64, n: int) -> np.ndarray:
    start = np.datetime64(f"{year}-01-05", "s")
    end = (delivered - np.timedelta64(3, "D")).astype("datetime64[s]")
    return np.sort(start + (rng.random(n) * (end - start).astype(np.int64)).astype("timedelta64[s]"))


def _year(ctx: Context, year: int, date: str, pids: np.ndarray) -> Delivery:
    rng = stream(ctx.seed, f"survey:{year}")
    pop = ctx.population
    pids = rng.permutation(pids)
    n = pids.size
    p = people(pop, pids)
    reported = _reported(rng, year, np.datetime64(date, "D"), n)
    survey_id = f"DC{year}-" + pl.Series(np.cumsum(rng.integers(1, 4, n)) + 10000).cast(pl.String).str.zfill(7)
    id_kind, id_number, id_cells = _id_columns(rng, p, reported)
    birth, birth_cells = _birth_column(rng, p)
    older = year < int(ctx.dates["survey"][:4])
    mobile = where(
        p["old_mobile"].is_not_null().to_numpy() & chance(rng, n, 0.7 if older else 0.1),
        text(p["old_mobile"]),
        p["mobile"],
    )
    phone_style = categorical(rng, n, [80, 4, 3, 2, 5, 4, 2])
    phone = choose(
        phone_style,
        [
            q.phones(rng, mobile, {f: 1.0})
            for f in ("plain", "plus86", "plus86_tight", "0086", "spaced", "dashed", "landline")
        ],
    )
    phone_cells = np.where((phone_style == 0) & chance(rng, n, 0.15), NUMBER, TEXT)
    email = where(chance(rng, n, 0.02), p["email"].str.to_uppercase(), p["email"])
    departure, departure_cells = _month_column(rng, p["departure"].to_numpy())
    returned, returned_cells = _month_column(rng, p["returned"].to_numpy())
    kind = p["kind"].to_numpy()
    employer = employer_columns(pop, p["employer"].to_numpy())
    employer_name = q.employer_names(rng, text(employer["name"]), 0.15)
    employer_name = where(
        chance(rng, n, 0.002) & (kind != NONE),
        employer_name + "\n" + pick(("研发部", "计算机学院", "财务处"), rng.integers(0, 3, n)),
        employer_name,
    )
    major = majors(rng, p["major"].to_numpy(), 0.05)
    major = where(chance(rng, n, 0.003), major + "\n(方向:" + major + ")", major)
    cert = where(
        p["cert_no"].is_not_null().to_numpy() & chance(rng, n, 0.75), q.cert_numbers(rng, text(p["cert_no"])), ""
    )
    seconds = reported.astype("datetime64[s]")
    stamp = pl.Series(np.datetime_as_string(seconds, unit="s")).str.replace("T", " ")
    serial_stamp = (seconds - np.datetime64("1899-12-30T00:00:00", "s")).astype(np.int64) / 86400
    stamp_cell = chance(rng, n, 0.7)

    frame = pl.DataFrame(
        {
            "问卷编号": survey_id,
            "姓名": _names(rng, p),
            "性别": where(
                chance(rng, n, 0.02), "", pl.Series(np.where(p["male"].to_numpy() ^ chance(rng, n, 0.003), "男", "女"))
            ),
            "证件类型": id_kind,
            "证件号码": id_number,
            "出生日期": birth,
            "手机号码": phone,
            "电子邮箱": q.placeholders(rng, email, 0.08),
            "留学国家(地区)": q.placeholders(
                rng,
                q.countries(
                    rng, p["country"], {"zh": 60, "formal": 8, "traditional": 3, "en": 14, "alpha3": 6, "alpha2": 4}
                ),
                0.02,
            ),
            "留学院校": q.placeholders(
                rng,
                q.institutions(rng, p["institution"].to_numpy(), {"zh": 55, "en": 28, "alias": 12, "upper": 2}),
                0.03,
            ),
            "所学专业": q.placeholders(rng, major, 0.03),
            "最高学历": where(chance(rng, n, 0.02), "", p["education"]),
            "最高学位": where(chance(rng, n, 0.02), "", p["degree"]),
            "出国时间": departure,
            "回国时间": returned,
            "学历认证编号": q.placeholders(rng, cert, 0.05),
            "现工作单位": where(kind == NONE, pick(("", "无", "待业"), rng.integers(0, 3, n)), employer_name),
            "单位性质": where(chance(rng, n, 0.02), "", pick(KINDS, kind)),
            "所在区县": q.placeholders(rng, q.districts(rng, p["district"]), 0.02),
            "填报日期": where(stamp_cell, pl.Series(serial_stamp).cast(pl.String), stamp),
        }
    )
    cells = {
        "证件号码": id_cells,
        "出生日期": birth_cells,
        "手机号码": phone_cells,
        "出国时间": departure_cells,
        "回国时间": returned_cells,
        "填报日期": np.where(stamp_cell, DATETIME, TEXT),
    }
    out = OutFile(f"survey_{year}.xlsx", frame, "xlsx", sheet="调查表", cell_kinds=cells)
    return Delivery("survey", date, (out,), truth(survey_id, p["person_id"]))


def build(ctx: Context) -> list[Delivery]:
    """Two yearly deliveries: the newest survey year and the one before it."""
    newest = ctx.dates["survey"]
    year = int(newest[:4])
    taken = ctx.population.frame["survey_years"].to_numpy()
    older_date = f"{year - 1}{newest[4:]}".replace("-02-29", "-02-28")
    return [
        _year(ctx, year - 1, older_date, np.flatnonzero(taken & 1)),
        _year(ctx, year, newest, np.flatnonzero(taken & 2)),
    ]
