"""Search terms as the access log keeps them: masked, and normalised for their digest."""

from __future__ import annotations

import re
import unicodedata

_PERSON_ID = re.compile(r"^P\d+$")
_CITIZEN_ID = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_HANZI = re.compile(r"[\u3400-\u9fff\U00020000-\U0002fa1f]")


def normalise_term(term: str) -> str:
    """A search term as its digest is taken (full-width forms folded, trimmed, upper case)."""
    return unicodedata.normalize("NFKC", term).strip().upper()


def masked_term(term: str) -> tuple[str, str]:
    """(what kind of value a search term looks like, the term masked for the log)."""
    text = normalise_term(term)
    if _PERSON_ID.match(text):
        return "人员编号", text
    if _CITIZEN_ID.match(text):
        return "身份证号", text[:6] + "*" * (len(text) - 10) + text[-4:]
    if _HANZI.search(text):
        return "姓名", text[0] + "*" * (len(text) - 1)
    if len(text) >= 6:
        return "证件号或记录键", text[:2] + "*" * (len(text) - 4) + text[-2:]
    return "姓名或记录键", text[0] + "*" * (len(text) - 1)
