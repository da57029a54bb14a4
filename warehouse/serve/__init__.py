"""Serving: what the warehouse offers its users, built from records and person ids (golden records,
facts, profiles, policies, job matches, the analyst file, report and exports)."""
