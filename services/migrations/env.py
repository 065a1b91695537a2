"""Alembic's environment for the store: runs on the connection `Store.migrate()` hands over.

There is no alembic.ini: `Store.migrate()` builds the config in code and passes its own connection, so the
URL (and its password) never sits in a file. For `alembic revision --autogenerate` during development, set
`sqlalchemy.url` with `-x url=...`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from services.store.tables import metadata

config = context.config


def run(connection: Connection) -> None:
    """Run the pending migrations on one connection, in one transaction."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given: Connection | None = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit(
            "pass the store's database URL: alembic -x url=sqlite:///data/throughline.sqlite ..."
        )
    with create_engine(url).connect() as connection:
        run(connection)
