"""Fact collectors, one module per area. Each returns a pydantic model and never raises for a
broken deployment: what it could not learn becomes part of the fact (an error string)."""
