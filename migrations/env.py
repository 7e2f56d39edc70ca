"""Alembic environment: runs on the connection `Database.upgrade` hands over."""

from alembic import context
from sqlmodel import SQLModel

# registers the tables on SQLModel.metadata
import store.models
import store.models_triage  # noqa: F401

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
