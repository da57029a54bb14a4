"""The store: DuckDB connections, the build file and its publishing, the run lock, the previous
published run, the run log, identity state and steward decisions. It imports no other layer."""
