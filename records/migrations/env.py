"""Alembic environment: runs on the connection `records.migrate` hands over."""

from __future__ import annotations

from alembic import context

from records.migrate import VERSION_TABLE, model_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `cardscan db upgrade` (records.migrate)")

context.configure(
    connection=connection,
    target_metadata=model_metadata(),
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER most things: Alembic copies the table ("batch" mode).
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
