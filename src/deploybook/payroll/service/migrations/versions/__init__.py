"""Revisions, oldest first: 0001 the engine 1.0 schema, 0002 engine 2.0, 0003 the service."""
