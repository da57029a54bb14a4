"""The warehouse: `store` (the ground floor every stage may use: connections, the run's build file,
publishing, the run lock, the previous run, the run log, identity state, steward decisions) and
`serve` (golden records, facts, profiles, policies, matches, the analyst file, report, exports)."""
