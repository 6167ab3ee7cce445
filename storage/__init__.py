"""Storage: SQLModel tables, the async engine and sessions, queries, Alembic migrations.

Imports nothing of ours; `sharing` builds on it.
"""
