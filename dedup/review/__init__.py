"""The review queue: candidates a steward should look at, and the calibrated chance that tonight's
resolution of each is wrong.

- `candidates`: which persons may be one, and which person may be two (with its two halves);
- `features`: what the run knows about the two sides of a candidate, as numbers;
- `calibration`: the logistic model that turns those numbers into a probability, its JSON file
  beside the Splink model, and how it is fitted on generated truth;
- `reasons`: the reason codes and the Chinese evidence a steward reads;
- `queue`: the whole step, as the nightly run calls it;
- `evaluate`: the queue against a truth (errors there are, errors the queue points at).
"""
