"""One builder per source: each turns the population into that source's deliveries."""

from __future__ import annotations

from collections.abc import Callable

from returnees.synthetic.extracts import (
    archives,
    fx_accounts,
    pi_hr,
    prof_tech,
    social_insurance,
    soe_staff,
    survey,
)
from returnees.synthetic.extracts.common import Context
from returnees.synthetic.writers import Delivery

BUILDERS: dict[str, Callable[[Context], list[Delivery]]] = {
    "survey": survey.build,
    "prof_tech": prof_tech.build,
    "pi_hr": pi_hr.build,
    "soe_staff": soe_staff.build,
    "archives": archives.build,
    "social_insurance": social_insurance.build,
    "fx_accounts": fx_accounts.build,
}
