"""Alembic migrations of the service's database (turns, feedback, staff accounts, sessions, audit).

``bot.migrate.upgrade`` runs them at start and ``xinfang db upgrade`` by hand; the same scripts
serve SQLite (default) and PostgreSQL (``DATABASE_URL``).
"""
