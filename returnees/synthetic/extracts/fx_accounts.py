"""出国（境）金融服务及外汇账户数据: bank transactions, many per person, some passport-only."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import quirks as q
from returnees.synthetic import reference as ref
from returnees.synthetic.dates import Ymd, contradict, random_days, render_dates
from returnees.synthetic.draws import categorical, chance, choose, pick, stream, where
from returnees.synthetic.extracts.common import Context, cut_last, money, people, text, truth
from returnees.synthetic.names import SURNAMES
from returnees.synthetic.writers import Delivery, OutFile

SERVICES = ("留学汇款", "境外账户开立", "留学贷款", "结汇")
# How a passport holder is on-boarded: passport without Chinese name, passport with it, ID.
PASSPORT_ONLY, PASSPORT_NAMED, CITIZEN = range(3)


def _passport_numbers(p: pl.DataFrame, when: np.ndarray) -> pl.Series:
    """The passport a transaction was made with: the earlier one before a renewal."""
    renewed = p["passport_renewed_on"].to_numpy()
    earlier = p["earlier_passport"].is_not_null().to_numpy() & (when < renewed)
    return where(earlier, text(p["earlier_passport"]), text(p["passport"])).replace("", None)


def build(ctx: Context) -> list[Delivery]:
    """One delivery of ``fx_records.csv`` (CRLF line ends, last line cut off)."""
    rng = stream(ctx.seed, "fx_accounts")
    pop = ctx.population
    day = ctx.day("fx_accounts")
    clients = np.flatnonzero(pop.members["fx_accounts"])
    count = categorical(rng, clients.size, [30, 25, 18, 12, 9, 6]) + 1
    pids = np.repeat(clients, count)
    n = pids.size
    p = people(pop, pids)

    has_passport = p["passport"].is_not_null().to_numpy()
    service = categorical(rng, n, [50, 15, 10, 25])
    departure, returned = p["departure"].to_numpy(), p["returned"].to_numpy()
    abroad = random_days(rng, departure - np.timedelta64(90, "D"), returned)
    home = random_days(rng, returned, np.minimum(returned + np.timedelta64(365, "D"), day))
    when = np.where(service == 3, home, abroad)
    person_mode = categorical(rng, pop.frame.height, [45, 25, 30])[pids]
    mode = np.where(chance(rng, n, 0.85), person_mode, rng.integers(0, 3, n))
    mode = np.where(has_passport, mode, CITIZEN)
    citizen = q.format_ids(rng, p["citizen_id"], {"lower_x": 0.3, "spaced": 0.005})
    held = _passport_numbers(p, when)
    passport = where(chance(rng, n, 0.01), held.str.to_lowercase(), held)
    hk_tw = p["region"].to_numpy() > 0
    names = q.render_names(
        rng, p["name"], p["latin_surname"], p["latin_given"], {"traditional": 0.03, "trailing": 0.01, "separator": 0.5}
    )
    names = where(hk_tw & chance(rng, n, 0.8), q.traditional(p["name"]), names)
    lyu = p["surname_index"].to_numpy() == [s[0] for s in SURNAMES].index("吕")
    # Hong Kong, Macao and Taiwan passports spell the whole name in Cantonese or Wade-Giles.
    given = where(hk_tw & chance(rng, n, 0.5), p["passport_given_hyphen"], p["passport_given"])
    latin = q.latin_names(rng, p["passport_surname"], given, p["passport_given_hyphen"], lyu)

    birth = contradict(rng, p["birth"].to_numpy(), chance(rng, n, 0.01))
    birth_text = render_dates(rng, Ymd.of(birth), {"iso": 85, "compact": 10, "dot": 3, "slash": 2})
    amount = choose(
        service,
        [
            money(rng, 5000, 60000, n),
            money(rng, 100, 5000, n),
            money(rng, 10000, 100000, n),
            money(rng, 1000, 50000, n),
        ],
    )
    amount = where((service == 1) & chance(rng, n, 0.6), "", amount)

    frame = pl.DataFrame(
        {
            "客户姓名": where(mode == PASSPORT_ONLY, "", names),
            "姓名拼音": latin,
            "证件类型": where(mode == CITIZEN, "身份证", pl.repeat("护照", n, eager=True)),
            "证件号码": where(mode == CITIZEN, citizen, text(passport)),
            "出生日期": where(chance(rng, n, 0.05), "", birth_text),
            "性别": where(chance(rng, n, 0.03), "", pl.Series(np.where(p["male"].to_numpy(), "M", "F"))),
            "留学国家": q.placeholders(rng, q.countries(rng, p["country"], {"alpha3": 98, "alpha2": 2}), 0.02),
            "就读学校": q.placeholders(
                rng, q.institutions(rng, p["institution"].to_numpy(), {"en": 85, "upper": 5, "alias": 5}), 0.05
            ),
            "业务类型": pick(SERVICES, service),
            "业务日期": render_dates(rng, Ymd.of(when), {"iso": 90, "compact": 10}),
            "金额(美元)": amount,
            "经办银行": pick(ref.BANKS, categorical(rng, n, [8, 4, 6, 5, 3, 3, 2, 3, 2, 1, 1])),
        }
    )
    # Transaction numbers follow the business date: FX<yyyymmdd><serial>.
    order = np.lexsort((rng.random(n), when))
    frame = frame[order]
    day_text = pl.Series(np.datetime_as_string(when[order], unit="D")).str.replace_all("-", "")
    serial = pl.Series(np.arange(n) + 100001).cast(pl.String)
    frame.insert_column(0, ("FX" + day_text + serial).alias("业务编号"))
    readable = cut_last(n)
    out = OutFile("fx_records.csv", frame, "csv", crlf=True, truncate_last=True)
    return [
        Delivery(
            "fx_accounts",
            ctx.dates["fx_accounts"],
            (out,),
            truth(frame["业务编号"], p["person_id"].gather(order), readable),
            unreadable=int(n > 0),
        )
    ]
