"""Persistence: SQLModel tables, the database and the queries. Nothing else touches SQL."""
