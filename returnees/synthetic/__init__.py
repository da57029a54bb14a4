"""Deterministic synthetic landing areas for the seven returnee sources, with truth.

``generate_landing(persons, seed, out)`` draws a population of returnees, renders each
person in the sources that know them (with the data quirks of the contract's README at
realistic rates) and writes ``out/landing/<source>/<date>/`` plus ``out/truth.csv``.
"""

from returnees.synthetic.landing import DEFAULT_DELIVERY_DATES, GenerationSummary, generate_landing

__all__ = ["DEFAULT_DELIVERY_DATES", "GenerationSummary", "generate_landing"]
