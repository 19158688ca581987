"""A new engine version rolled out in phases, with parallel runs, go/no-go and rollback."""
