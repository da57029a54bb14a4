"""流动人才档案管理系统: personnel files in custody, pipe-delimited, with old 15-digit IDs."""

from __future__ import annotations

import numpy as np
import polars as pl

from returnees.synthetic import quirks as q
from returnees.synthetic import reference as ref
from returnees.synthetic.dates import (
    Ymd,
    contradict,
    make_impossible,
    random_days,
    render_dates,
)
from returnees.synthetic.draws import categorical, chance, choose, pick, stream, where
from returnees.synthetic.extracts.common import (
    EDUCATION_TEXT,
    Context,
    cut_last,
    employer_columns,
    people,
    schools,
    text,
    truth,
    variants,
    with_duplicates,
)
from returnees.synthetic.idnumbers import to_old_id
from returnees.synthetic.writers import Delivery, OutFile


def build(ctx: Context) -> list[Delivery]:
    """One delivery of ``archives.csv`` whose last line is cut off."""
    rng = stream(ctx.seed, "archives")
    pop = ctx.population
    day = ctx.day("archives")
    pids, second = with_duplicates(rng, np.flatnonzero(pop.members["archives"]), 0.015)
    n = pids.size
    p = people(pop, pids)
    returned = p["returned"].to_numpy()
    archived = random_days(rng, returned, np.minimum(returned + np.timedelta64(730, "D"), day))
    order = np.argsort(archived, kind="stable")
    pids, second, p, archived, returned = (pids[order], second[order], p[order], archived[order], returned[order])
    year = pl.Series(archived.astype("datetime64[Y]").astype(np.int64) + 1970).cast(pl.String)
    archive_no = "CQDA" + year + "-" + pl.Series(np.arange(n) + 1).cast(pl.String).str.zfill(6)

    birth_year = p["birth"].dt.year().to_numpy()
    ids = q.typo_ids(rng, p["citizen_id"], chance(rng, n, 0.01))
    ids = where((birth_year < 1980) & chance(rng, n, 0.6), to_old_id(ids), ids)
    ids = q.format_ids(rng, ids, {"lower_x": 0.3, "fullwidth": 0.01, "spaced": 0.01})
    ids = q.placeholders(rng, ids, 0.05)
    birth = contradict(rng, p["birth"].to_numpy(), chance(rng, n, 0.01))
    birth_parts = make_impossible(rng, Ymd.of(birth), chance(rng, n, 0.002))
    status = np.where(chance(rng, n, 0.15) | second, 1, 0)
    destination = choose(
        categorical(rng, n, [50, 35, 15]),
        [
            text(employer_columns(pop, p["employer"].to_numpy())["name"]),
            p["district"] + "人才交流服务中心",
            pl.repeat("外省", n, eager=True),
        ],
    )
    hukou = where(chance(rng, n, 0.003), p["hukou"].str.replace("区", "区\n"), p["hukou"])
    custodian = choose(
        categorical(rng, n, [40, 25, 10, 25]),
        [*(pl.repeat(c, n, eager=True) for c in ref.CUSTODIANS), p["district"] + "人才交流服务中心"],
    )
    back = random_days(rng, returned, returned + np.timedelta64(27, "D"))

    frame = pl.DataFrame(
        {
            "档案编号": where(chance(rng, n, 0.005), archive_no + " ", archive_no),
            "姓名": q.resident_traditional(
                rng,
                q.render_names(
                    rng,
                    p["name"],
                    p["latin_surname"],
                    p["latin_given"],
                    {"spaced": 0.03, "fullwidth_space": 0.02, "traditional": 0.01, "trailing": 0.01, "separator": 0.5},
                ),
                p["name"],
                p["region"].to_numpy(),
            ),
            "身份证号码": ids,
            "性别": where(chance(rng, n, 0.01), "", pl.Series(np.where(p["male"].to_numpy(), "男", "女"))),
            "出生日期": where(
                chance(rng, n, 0.02),
                "",
                render_dates(rng, birth_parts, {"slash": 90, "iso": 4, "compact": 2, "cn": 2, "dot": 2}),
            ),
            "户籍所在地": q.placeholders(rng, hukou, 0.03),
            "存档机构": custodian,
            "存档日期": render_dates(rng, Ymd.of(archived), {"slash": 1.0}),
            "档案状态": pick(("在库", "已转出"), status),
            "转出去向": where(status == 1, destination, q.placeholders(rng, pl.repeat("", n, eager=True), 0.3)),
            "最高学历": variants(rng, p["education"], EDUCATION_TEXT, [70, 20, 10]),
            "毕业院校": schools(
                rng, q.institutions(rng, p["institution"].to_numpy(), {"zh": 85, "en": 10, "alias": 5}), 0.1
            ),
            "留学国别": q.placeholders(
                rng, q.countries(rng, p["country"], {"zh": 85, "formal": 5, "traditional": 5, "en": 5}), 0.03
            ),
            "国外学历学位认证书编号": where(
                p["cert_no"].is_not_null().to_numpy() & chance(rng, n, 0.8), q.cert_numbers(rng, text(p["cert_no"])), ""
            ),
            "回国日期": q.placeholders(
                rng, render_dates(rng, Ymd.of(back), {"slash": 70, "iso": 15, "cn": 10, "month": 5}), 0.03
            ),
            "联系电话": q.placeholders(
                rng,
                q.phones(
                    rng, p["mobile"], {"plain": 70, "landline": 12, "dashed": 6, "spaced": 6, "plus86": 3, "0086": 3}
                ),
                0.03,
            ),
        }
    )
    readable = cut_last(n)
    out = OutFile("archives.csv", frame, "csv", delimiter="|", truncate_last=True)
    return [
        Delivery(
            "archives",
            ctx.dates["archives"],
            (out,),
            truth(archive_no, p["person_id"], readable),
            unreadable=int(n > 0),
        )
    ]
