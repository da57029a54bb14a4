"""Standardisation of raw source values into canonical matching fields.

Every function takes a polars Series of raw strings (nulls allowed), never raises on any
input, and does its per-value work once per distinct value.
"""

from dedup.standardise.cantonese import regional_names, romanised_name_keys
from dedup.standardise.countries import standardise_countries
from dedup.standardise.dates import parse_dates, parse_yyyymm
from dedup.standardise.ids import standardise_id_numbers
from dedup.standardise.institutions import load_institutions, standardise_institutions
from dedup.standardise.latin_names import parse_latin_names, spelt_in_pinyin
from dedup.standardise.majors import major_names, standardise_majors
from dedup.standardise.names import standardise_names
from dedup.standardise.numbers import parse_numbers
from dedup.standardise.phones import standardise_phones
from dedup.standardise.placeholders import null_placeholders

__all__ = [
    "load_institutions",
    "major_names",
    "null_placeholders",
    "parse_dates",
    "parse_latin_names",
    "parse_numbers",
    "parse_yyyymm",
    "regional_names",
    "romanised_name_keys",
    "spelt_in_pinyin",
    "standardise_countries",
    "standardise_id_numbers",
    "standardise_institutions",
    "standardise_majors",
    "standardise_names",
    "standardise_phones",
]
