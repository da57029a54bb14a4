"""The true population of returnees: one row per real person, before any source sees them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic import idnumbers as ids
from returnees.synthetic import names as nm
from returnees.synthetic import reference as ref
from returnees.synthetic.draws import categorical, chance, choose, pick, stream, unique_integers, where
from returnees.synthetic.employers import build_employers
from returnees.synthetic.titles import draw_title_levels

SOURCES = ("survey", "prof_tech", "pi_hr", "soe_staff", "archives", "social_insurance", "fx_accounts")
DEGREES = ("博士", "硕士", "学士", "无")
EDUCATION = ("博士研究生", "硕士研究生", "大学本科", "其他")
ETHNIC_HAN = ("汉族", "土家族", "苗族", "回族", "满族", "蒙古族")
LATEST_RETURN = np.datetime64("2026-06", "M")
MOBILE_PREFIXES = ref.words(
    "130 131 132 133 134 135 136 137 138 139 150 "
    "151 152 153 155 156 157 158 159 166 173 176 "
    "177 180 181 182 183 184 185 186 187 188 189 "
    "191 193 195 198 199"
)
# Probability of appearing in a source, by employer kind (see employers.KINDS).
MEMBERSHIP_BY_KIND = {
    "pi_hr": (0.02, 0.85, 0.02, 0.03, 0.02, 0.02, 0.06, 0.03),
    "soe_staff": (0.02, 0.02, 0.85, 0.04, 0.03, 0.02, 0.03, 0.02),
    "archives": (0.05, 0.03, 0.05, 0.35, 0.35, 0.40, 0.55, 0.35),
    "social_insurance": (0.85, 0.88, 0.88, 0.82, 0.85, 0.65, 0.30, 0.70),
    "prof_tech": (0.30, 0.55, 0.40, 0.30, 0.25, 0.35, 0.15, 0.25),
}
MEMBERSHIP_FLAT = {"survey": 0.40, "fx_accounts": 0.50}


@dataclass(frozen=True)
class Population:
    """Persons (``frame``), the employers they work for, and which sources know them.

    ``survey_years`` per person: bit 1 answered the older survey, bit 2 the newer one.
    """

    frame: pl.DataFrame
    employers: pl.DataFrame
    members: dict[str, np.ndarray]


def _months(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[M]").astype(np.int64)


def _birth_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    year = np.clip(1960 + np.floor(43 * rng.beta(2.6, 1.8, n)), 1960, 2002).astype(np.int64)
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    births: np.ndarray = start + rng.integers(0, 365, n).astype("timedelta64[D]")
    return births


def _sequences(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    return 2 * rng.integers(0, 490, male.size) + np.where(male, 1, 2)


def _twins(rng: np.random.Generator, eligible: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    pairs = round(n * 0.005)
    chosen = rng.choice(np.flatnonzero(eligible), size=2 * pairs, replace=False)
    return chosen[:pairs], chosen[pairs:]


def _apply_twins(
    rng: np.random.Generator,
    names: nm.NameDraw,
    male: np.ndarray,
    birth: np.ndarray,
    address: np.ndarray,
    seq: np.ndarray,
    pair: tuple[np.ndarray, np.ndarray],
) -> None:
    """Second twins share surname, birth date and address code; sequence numbers follow on."""
    a, b = pair
    birth[b], address[b] = birth[a], address[a]
    seq[b] = seq[a] + np.where(male[a] == male[b], 2, 1)
    for field in ("surname", "latin_surname", "surname_index"):
        getattr(names, field)[b] = getattr(names, field)[a]
    for i, j in zip(a, b, strict=True):
        given = nm.twin_given(rng, names.given[i], bool(male[j]))
        names.given[j] = given
        names.full[j] = names.surname[j] + given
        names.latin_given[j] = nm.latin_of(given)
        names.latin_given_hyphen[j] = nm.hyphenated_latin_of(given)
        names.rare_non_gbk[j] = False


def _namesakes(rng: np.random.Generator, eligible: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of different people sharing name, birth date and county (1 % of persons)."""
    pairs = round(n * 0.005)
    chosen = rng.choice(np.flatnonzero(eligible), size=2 * pairs, replace=False)
    return chosen[:pairs], chosen[pairs:]


def _apply_namesakes(
    rng: np.random.Generator,
    names: nm.NameDraw,
    male: np.ndarray,
    birth: np.ndarray,
    address: np.ndarray,
    seq: np.ndarray,
    pair: tuple[np.ndarray, np.ndarray],
) -> None:
    """The second of a pair takes the first's name, sex, birth date and county; the sequence numbers
    are close, so the two IDs share 14 digits and often differ in one or two."""
    a, b = pair
    male[b], birth[b], address[b] = male[a], birth[a], address[a]
    seq[b] = np.clip(seq[a] + 2 * rng.integers(1, 6, a.size) * np.where(rng.random(a.size) < 0.5, 1, -1), 1, 998)
    for field in ("surname", "given", "full", "latin_surname", "latin_given", "latin_given_hyphen", "surname_index"):
        getattr(names, field)[b] = getattr(names, field)[a]
    names.rare_non_gbk[b] = names.rare_non_gbk[a]


def _passport_numbers(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    """A passport number per person by where they live: the mainland's (E12345678, EA1234567,
    G12345678), Hong Kong's (K + 8 digits), Macao's (MA + 7) or Taiwan's (9 digits)."""
    n = region.size
    hong_kong = np.char.add("K", np.char.zfill(rng.integers(0, 10**8, n).astype("U8"), 8))
    macao = np.char.add("MA", np.char.zfill(rng.integers(0, 10**7, n).astype("U7"), 7))
    taiwan = rng.integers(10**8, 10**9, n).astype("U9")
    return np.choose(region, [ids.draw_passports(rng, n).to_numpy(), hong_kong, macao, taiwan])


def _passports(
    rng: np.random.Generator, region: np.ndarray, n: int, departure: np.ndarray, returned: np.ndarray
) -> tuple[pl.Series, pl.Series, np.ndarray]:
    """(passport, earlier passport, renewal date): a passport for 15 % of mainland persons and 70 %
    of Hong Kong, Macao and Taiwan residents; 12 % of holders renewed theirs while abroad or in the
    year after, so records from before carry the earlier number."""
    regional, earlier = _passport_numbers(rng, region), _passport_numbers(rng, region)
    holds = np.where(region == 0, chance(rng, n, 0.15), chance(rng, n, 0.7))
    renewed = holds & chance(rng, n, 0.12)
    nulls = pl.repeat(None, n, eager=True, dtype=pl.String)
    span = (returned - departure).astype(np.int64) + 365
    on = departure + (rng.random(n) * span).astype(np.int64).astype("timedelta64[D]")
    return (
        pl.Series(regional, dtype=pl.String).zip_with(pl.Series(holds), nulls),
        pl.Series(earlier, dtype=pl.String).zip_with(pl.Series(renewed), nulls),
        np.where(renewed, on, np.datetime64("NaT", "D")),
    )


def _citizen_ids(
    rng: np.random.Generator,
    address: np.ndarray,
    birth: np.ndarray,
    seq: np.ndarray,
    male: np.ndarray,
    fixed: np.ndarray,
) -> pl.Series:
    """Unique IDs: colliding rows (twins excepted) get fresh sequence numbers until none do."""
    while True:
        digits = ids.id_digits(address, birth, seq)
        body = digits[:, :17].copy().view("S17").ravel()
        _, inverse, counts = np.unique(body, return_inverse=True, return_counts=True)
        clash = (counts[inverse] > 1) & ~fixed
        if not clash.any():
            return ids.to_strings(digits)
        seq[clash] = _sequences(rng, male[clash])


def _study(rng: np.random.Generator, birth: np.ndarray) -> dict[str, np.ndarray]:
    n = birth.size
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    country_codes = list(ref.COUNTRY_WEIGHTS)
    country = np.asarray(country_codes, dtype=object)[categorical(rng, n, list(ref.COUNTRY_WEIGHTS.values()))]
    institution = np.empty(n, dtype=np.int64)
    insts = ref.institutions()
    for code in country_codes:
        rows = np.flatnonzero(country == code)
        own = [i for i, inst in enumerate(insts) if inst.country == code]
        weights = [ref.TIER_WEIGHT[insts[i].tier] for i in own]
        institution[rows] = np.asarray(own)[categorical(rng, rows.size, weights)]
    degree = categorical(rng, n, [0.15, 0.58, 0.20, 0.07])
    degree[(degree == 0) & (year > 1996)] = 1
    age = np.choose(
        degree,
        [
            23 + rng.integers(0, 6, n),
            22 + rng.integers(0, 4, n),
            18 + rng.integers(0, 2, n),
            26 + rng.integers(0, 16, n),
        ],
    )
    length = np.choose(
        degree,
        [
            rng.integers(48, 73, n),
            rng.integers(12, 25, n),
            np.where(rng.random(n) < 0.3, 36, 48),
            rng.integers(6, 19, n),
        ],
    )
    month = np.where(rng.random(n) < 0.8, rng.integers(7, 9, n), rng.integers(0, 12, n))
    depart = (year + age - 1970) * 12 + month
    overflow = np.maximum(depart + length - LATEST_RETURN.astype(np.int64), 0)
    depart -= overflow
    has_cert = (degree < 3) & chance(rng, n, 0.45)
    return {
        "country": country,
        "institution": institution,
        "degree": np.asarray(DEGREES, dtype=object)[degree],
        "education": np.asarray(EDUCATION, dtype=object)[degree],
        "major": rng.integers(0, len(ref.MAJORS), n),
        "departure": depart.astype("datetime64[M]").astype("datetime64[D]"),
        "returned": (depart + length).astype("datetime64[M]").astype("datetime64[D]"),
        "has_cert": has_cert,
    }


def _cert_numbers(rng: np.random.Generator, study: dict[str, np.ndarray]) -> pl.Series:
    """Degree certificate numbers of the study-abroad service centre, e.g. 教留服认美[2019]03157号;
    unique, so a shared number never links two people."""
    n = study["country"].size
    abbr = pl.Series([ref.COUNTRIES[c][5] for c in study["country"]], dtype=pl.String)
    year = pl.Series(np.minimum(_months(study["returned"]) // 12 + 1970 + (rng.random(n) < 0.3), 2026))
    prefix = "教留服认" + abbr + "[" + year.cast(pl.String) + "]"
    serial = rng.integers(0, 100000, n)
    while True:
        text = prefix + pl.Series(serial).cast(pl.String).str.zfill(5) + "号"
        text = text.zip_with(pl.Series(study["has_cert"]), pl.repeat(None, n, dtype=pl.String, eager=True))
        clash = (~text.is_first_distinct() & text.is_not_null()).to_numpy()
        if not clash.any():
            return text
        serial[clash] = rng.integers(0, 100000, int(clash.sum()))


def _mobiles(rng: np.random.Generator, n: int) -> pl.Series:
    prefix = np.asarray(MOBILE_PREFIXES, dtype=object)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    rest = pl.Series(unique_integers(rng, n, 0, 10**8)).cast(pl.String).str.zfill(8)
    return pl.Series(prefix, dtype=pl.String) + rest


def _emails(rng: np.random.Generator, names: nm.NameDraw, birth: np.ndarray) -> pl.Series:
    """Addresses built from the romanised name the way people pick them; made unique by
    appending digits, as mail providers force people to."""
    n = birth.size
    sur = pl.Series(names.latin_surname, dtype=pl.String).str.to_lowercase()
    giv = pl.Series(names.latin_given, dtype=pl.String).str.to_lowercase()
    yy = pl.Series(birth.astype("datetime64[Y]").astype(np.int64) % 100).cast(pl.String).str.zfill(2)
    digits = pl.Series(rng.integers(10, 1000, n)).cast(pl.String)
    qq = pl.Series(rng.integers(10**5, 10**10, n)).cast(pl.String)
    style = categorical(rng, n, [3, 2, 3, 2, 1])
    initials = sur.str.slice(0, 1) + giv.str.slice(0, 1)
    local = choose(style, [giv + sur + yy, sur + "." + giv, sur + giv + digits, qq, initials + yy + digits])
    domain = pick(ref.EMAIL_DOMAINS, categorical(rng, n, [6, 3, 2, 3, 2, 1, 1, 1, 0.5]))
    domain = where(style == 3, "qq.com", domain)
    while True:
        email = local + "@" + domain
        clash = (~email.is_first_distinct()).to_numpy()
        if not clash.any():
            return email
        local = where(clash, local + pl.Series(rng.integers(0, 10, n)).cast(pl.String), local)


def _employment(rng: np.random.Generator, employers: pl.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Employer kind and employer row (-1 for none) per person."""
    kind = categorical(rng, n, emp.KIND_SHARES)
    register = np.asarray(employers["kind"])
    target = np.choose(kind, [emp.GOV, emp.PUBLIC, emp.SOE, emp.PRIVATE, emp.FOREIGN, emp.PRIVATE, -1, emp.PRIVATE])
    employer = np.full(n, -1, dtype=np.int64)
    for k in (emp.GOV, emp.PUBLIC, emp.SOE, emp.PRIVATE, emp.FOREIGN):
        rows = np.flatnonzero(target == k)
        pool = np.flatnonzero(register == k)
        weights = 1.0 / np.arange(1, pool.size + 1) ** 0.6
        employer[rows] = pool[categorical(rng, rows.size, weights)]
    return kind, employer


def _former_employer(
    rng: np.random.Generator,
    employers: pl.DataFrame,
    current: np.ndarray,
    kind: np.ndarray,
    own_kind: int,
) -> np.ndarray:
    """The employer of ``own_kind`` a person is on file with: current one, or a past one."""
    pool = np.flatnonzero(np.asarray(employers["kind"]) == own_kind)
    former = pool[rng.integers(0, pool.size, current.size)]
    return np.where(kind == own_kind, current, former)


def _membership(
    rng: np.random.Generator, kind: np.ndarray, returned: np.ndarray, survey_years: tuple[int, int]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    n = kind.size
    members = {s: rng.random(n) < np.asarray(p)[kind] for s, p in MEMBERSHIP_BY_KIND.items()}
    members.update({s: chance(rng, n, p) for s, p in MEMBERSHIP_FLAT.items()})
    years = np.choose(categorical(rng, n, [0.35, 0.40, 0.25]), [1, 2, 3])
    back_year = returned.astype("datetime64[Y]").astype(np.int64) + 1970
    years[back_year >= survey_years[0]] &= 2
    years[back_year >= survey_years[1]] = 0
    years[~members["survey"]] = 0
    members["survey"] = years > 0
    nowhere = ~np.any(np.stack(list(members.values())), axis=0)
    members["social_insurance"] |= nowhere & (rng.random(n) < 0.7)
    members["fx_accounts"] |= nowhere & ~members["social_insurance"]
    return {s: members[s] for s in SOURCES}, years


def _hukou(rng: np.random.Generator, address: np.ndarray, district: np.ndarray) -> pl.Series:
    """Household registration place: moved to Chongqing, or still where the ID was issued."""
    moved = rng.random(address.size) < 0.7
    street = np.asarray(ref.STREETS, dtype=object)[rng.integers(0, len(ref.STREETS), address.size)]
    place = np.where(moved, "重庆市" + district + street, ids.place_of(address))
    return pl.Series(place, dtype=pl.String)


def build_population(seed: int, persons: int, survey_years: tuple[int, int]) -> Population:
    """Draw ``persons`` returnees with every attribute the sources can show of them."""
    rng = stream(seed, "population")
    n = persons
    male = rng.random(n) < 0.54
    birth = _birth_dates(rng, n)
    region = categorical(rng, n, [0.984, 0.008, 0.003, 0.005])
    minority = np.where((region == 0) & chance(rng, n, 0.01), 1 + chance(rng, n, 0.2), 0)
    names = nm.draw_names(rng, male, minority)
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    address = ids.draw_address_codes(rng, birth_year, region, minority)
    seq = _sequences(rng, male)
    pair = _twins(rng, (region == 0) & (minority == 0) & (seq < 980), n)
    _apply_twins(rng, names, male, birth, address, seq, pair)
    fixed = np.zeros(n, dtype=bool)
    fixed[pair[0]] = fixed[pair[1]] = True
    namesake = _namesakes(rng, (region == 0) & (minority == 0) & ~fixed, n)
    _apply_namesakes(rng, names, male, birth, address, seq, namesake)
    citizen_id = _citizen_ids(rng, address, birth, seq, male, fixed)
    is_namesake = np.zeros(n, dtype=bool)
    is_namesake[namesake[0]] = is_namesake[namesake[1]] = True
    passport_latin = list(zip(names.latin_surname, names.latin_given, names.latin_given_hyphen, strict=True))
    for i in np.flatnonzero(region > 0):
        passport_latin[i] = nm.regional_latin(names.surname[i], names.given[i], int(region[i]), names.latin_surname[i])

    ethnic = np.asarray(ETHNIC_HAN, dtype=object)[categorical(rng, n, [93, 4, 1.5, 0.5, 0.5, 0.5])]
    ethnic[minority == 1] = "维吾尔族"
    ethnic[minority == 2] = "藏族"
    study = _study(rng, birth)
    employers = build_employers(rng, n)
    kind, employer = _employment(rng, employers, n)
    emp_district = np.asarray(employers["district"], dtype=object)
    district = np.where(
        (employer >= 0) & (rng.random(n) < 0.75),
        emp_district[employer],
        np.asarray(list(ref.DISTRICTS), dtype=object)[categorical(rng, n, list(ref.DISTRICTS.values()))],
    )
    members, survey_years_taken = _membership(rng, kind, study["returned"], survey_years)
    passport, earlier_passport, renewed_on = _passports(rng, region, n, study["departure"], study["returned"])
    old_mobile = _mobiles(rng, n)
    frame = pl.DataFrame(
        {
            "person_id": "P" + pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(7),
            "male": male,
            "birth": birth,
            "region": region,
            "ethnicity": pl.Series(ethnic, dtype=pl.String),
            "name": pl.Series(names.full, dtype=pl.String),
            "surname": pl.Series(names.surname, dtype=pl.String),
            "latin_surname": pl.Series(names.latin_surname, dtype=pl.String),
            "latin_given": pl.Series(names.latin_given, dtype=pl.String),
            "latin_given_hyphen": pl.Series(names.latin_given_hyphen, dtype=pl.String),
            "passport_surname": pl.Series([p[0] for p in passport_latin], dtype=pl.String),
            "passport_given": pl.Series([p[1] for p in passport_latin], dtype=pl.String),
            "passport_given_hyphen": pl.Series([p[2] for p in passport_latin], dtype=pl.String),
            "surname_index": names.surname_index,
            "rare_non_gbk": names.rare_non_gbk,
            "citizen_id": citizen_id,
            "passport": passport,
            "earlier_passport": earlier_passport,
            "passport_renewed_on": renewed_on,
            "is_namesake": is_namesake,
            "is_twin": fixed,
            "permit": ids.draw_permits(rng, region),
            "country": pl.Series(study["country"], dtype=pl.String),
            "institution": study["institution"],
            "degree": pl.Series(study["degree"], dtype=pl.String),
            "education": pl.Series(study["education"], dtype=pl.String),
            "major": study["major"],
            "departure": study["departure"],
            "returned": study["returned"],
            "cert_no": _cert_numbers(rng, study),
            "mobile": _mobiles(rng, n),
            "old_mobile": old_mobile.zip_with(
                pl.Series(chance(rng, n, 0.12)), pl.repeat(None, n, eager=True, dtype=pl.String)
            ),
            "email": _emails(rng, names, birth),
            "kind": kind,
            "employer": employer,
            "pi_employer": _former_employer(rng, employers, employer, kind, emp.PUBLIC),
            "soe_employer": _former_employer(rng, employers, employer, kind, emp.SOE),
            "district": pl.Series(district, dtype=pl.String),
            "hukou": _hukou(rng, address, district),
            "survey_years": survey_years_taken,
            "title_level": draw_title_levels(stream(seed, "titles"), birth),
        }
    )
    return Population(frame=frame, employers=employers, members=members)
