"""The store on a real SQLite file and a real PostgreSQL (a fresh database per test, dropped after)."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from psycopg import sql
from sqlalchemy import create_engine, inspect, text

from dashboard import users
from services.errors import ConfigError, InputError, NotFoundError, UnavailableError
from services.store import NewCorrection, PortfolioDay, Store
from services.store.accounts import SIGN_IN_REFUSED
from services.store.tables import metadata

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
# The cheapest parameters argon2 allows, so that tests hash in microseconds; production uses the defaults.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database with a random name."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    name = f"throughline_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield PG_URL.format(name=name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    """A migrated store on a fresh database."""
    opened = Store(database_url, hasher=FAST, clock=clock)
    opened.migrate()
    yield opened
    opened.close()


def change(
    object_id: str = "101", *, user: str = "ana@example.com", batch: str = "b1", **extra: object
) -> NewCorrection:
    fields: dict[str, object] = {
        "user": user,
        "system": "hubspot",
        "object_type": "deals",
        "object_id": object_id,
        "field": "project_id",
        "before": "PRJ-1O",
        "after": "PRJ-10",
        "finding_key": f"id_typo:{object_id}",
        "batch_id": batch,
    }
    return NewCorrection.model_validate(fields | extra)


# --- migrations ------------------------------------------------------------------------------------


def test_migrations_from_an_empty_database_create_the_tables_once(database_url: str) -> None:
    store = Store(database_url, hasher=FAST)
    store.migrate()
    store.migrate()  # a second run finds nothing to do
    engine = create_engine(database_url)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    store.close()
    assert tables == {
        "alembic_version", "correction", "accepted_finding", "local_user", "quickbooks_token",
        "portfolio_day", "closed_won",
    }  # fmt: skip
    assert version == "0005"  # 0003 -> 0004 (portfolio_day) -> 0005 (closed_won)


def test_migrations_match_the_table_models(store: Store, database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), metadata
        )
    engine.dispose()
    assert differences == []


def test_a_store_that_was_never_migrated_says_to_run_the_migrations(database_url: str) -> None:
    store = Store(database_url)
    with pytest.raises(ConfigError, match=r"no tables yet.*migrate"):
        store.users()
    store.close()


def test_a_database_migrated_by_a_newer_version_is_refused(store: Store, database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(ConfigError, match=r"cannot be migrated .*'9999'.*newer Throughline"):
        store.migrate()


# --- correction log --------------------------------------------------------------------------------


def test_a_correction_is_pending_until_settled(store: Store, clock: Clock) -> None:
    first, second = store.log_pending([change("101"), change("102")])
    assert (first.status, first.before, first.after, first.created_at) == (
        "pending",
        "PRJ-1O",
        "PRJ-10",
        START,
    )
    assert [c.id for c in store.pending()] == [first.id, second.id]

    clock.advance(seconds=3)
    settled = store.settle(first.id, "applied", after="PRJ-10 ")
    assert (settled.status, settled.after, settled.settled_at) == (
        "applied",
        "PRJ-10 ",
        START + timedelta(seconds=3),
    )
    store.settle(second.id, "conflict", error="deal 102 changed to PRJ-11 since the audit")

    assert store.pending() == []
    reread = store.correction(second.id)
    assert (reread.status, reread.error) == ("conflict", "deal 102 changed to PRJ-11 since the audit")
    assert reread.created_at.tzinfo == UTC


def test_only_a_pending_correction_settles_and_only_an_applied_one_is_undone(store: Store) -> None:
    (applied,) = store.log_pending([change()])
    store.settle(applied.id, "applied")
    with pytest.raises(InputError, match=r"is applied and cannot become failed"):
        store.settle(applied.id, "failed")
    assert store.settle(applied.id, "undone").status == "undone"
    with pytest.raises(InputError, match=r"is undone and cannot become undone"):
        store.settle(applied.id, "undone")


def test_an_undo_is_logged_and_points_at_the_correction_it_undoes(store: Store) -> None:
    (original,) = store.log_pending([change()])
    store.settle(original.id, "applied")
    (undo,) = store.log_pending(
        [change(before="PRJ-10", after="PRJ-1O", action="undo", undoes_id=original.id, batch="b2")]
    )
    assert (undo.action, undo.undoes_id, undo.status) == ("undo", original.id, "pending")
    with pytest.raises(NotFoundError, match=r"no correction with id 999"):
        store.log_pending([change(action="undo", undoes_id=999)])
    with pytest.raises(InputError, match=r"needs undoes_id"):
        store.log_pending([change(action="undo")])


def test_a_bad_entry_logs_none_of_its_batch(store: Store) -> None:
    with pytest.raises(InputError, match="needs a user"):
        store.log_pending([change("101"), change("102", user=" ")])
    assert store.corrections() == []


def test_the_log_filters_and_lists_newest_first(store: Store, clock: Clock) -> None:
    ana = store.log_pending([change("101"), change("102")])
    clock.advance(days=1)
    (ben,) = store.log_pending([change("101", user="ben@example.com", batch="b2")])
    store.settle(ana[1].id, "failed", error="HubSpot said 400")

    assert [c.id for c in store.corrections()] == [ben.id, ana[1].id, ana[0].id]
    assert [c.id for c in store.corrections(user="ben@example.com")] == [ben.id]
    assert [c.id for c in store.corrections(status="failed")] == [ana[1].id]
    assert [c.id for c in store.corrections(object_id="101")] == [ben.id, ana[0].id]
    assert [c.id for c in store.corrections(batch_id="b1")] == [ana[1].id, ana[0].id]
    assert [c.id for c in store.corrections(since=START + timedelta(hours=1))] == [ben.id]
    assert [c.id for c in store.corrections(until=START + timedelta(hours=1))] == [ana[1].id, ana[0].id]
    # A naive bound is read as UTC; `since` includes its instant.
    assert [c.id for c in store.corrections(since=START.replace(tzinfo=None) + timedelta(days=1))] == [ben.id]
    with pytest.raises(InputError, match="use one of pending, applied"):
        store.corrections(status="done")


def test_an_unknown_correction_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no correction with id 42"):
        store.correction(42)


# --- accepted findings -----------------------------------------------------------------------------


def test_accepting_and_unaccepting_findings(store: Store, clock: Clock) -> None:
    with pytest.raises(InputError, match="reason is empty"):
        store.accept("dup:PRJ-7", reason="  ", user="ana@example.com")
    store.accept("dup:PRJ-7", reason="two phases, one project", user="ana@example.com")
    store.accept("orphan:55", reason="internal project", user="ben@example.com")
    clock.advance(minutes=5)
    again = store.accept("dup:PRJ-7", reason="two phases billed apart", user="ben@example.com")

    assert store.accepted_keys() == frozenset({"dup:PRJ-7", "orphan:55"})
    assert [(f.finding_key, f.reason, f.user) for f in store.accepted()] == [
        ("dup:PRJ-7", "two phases billed apart", "ben@example.com"),
        ("orphan:55", "internal project", "ben@example.com"),
    ]
    assert again.accepted_at == START + timedelta(minutes=5)

    store.unaccept("dup:PRJ-7", user="ana@example.com")
    assert store.accepted_keys() == frozenset({"orphan:55"})
    with pytest.raises(InputError, match="'dup:PRJ-7' is not accepted"):
        store.unaccept("dup:PRJ-7", user="ana@example.com")


# --- local users -----------------------------------------------------------------------------------


def test_users_are_added_listed_changed_and_removed(store: Store) -> None:
    added = store.add_user("  Ana@Example.COM ", PASSWORD, "admin")
    store.add_user("ben@example.com", PASSWORD, "sales")
    assert (added.email, added.role, added.created_at) == ("ana@example.com", "admin", START)

    store.set_role("BEN@example.com", "ops")
    assert [(u.email, u.role) for u in store.users()] == [
        ("ana@example.com", "admin"),
        ("ben@example.com", "ops"),
    ]
    store.remove_user("ben@example.com")
    assert [u.email for u in store.users()] == ["ana@example.com"]
    with pytest.raises(NotFoundError, match=r"no local user with e-mail ben@example\.com"):
        store.set_role("ben@example.com", "ops")


def test_bad_user_input_is_refused_with_what_to_fix(store: Store) -> None:
    with pytest.raises(InputError, match="at least 12 characters"):
        store.add_user("ana@example.com", "short", "ops")
    with pytest.raises(InputError, match="use one of owner, ops, sales, admin"):
        store.add_user("ana@example.com", PASSWORD, "boss")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not an e-mail address"):
        store.add_user("ana", PASSWORD, "ops")
    store.add_user("ana@example.com", PASSWORD, "ops")
    with pytest.raises(InputError, match="already exists"):
        store.add_user("ANA@example.com", "another long password", "ops")
    assert len(store.users()) == 1


def test_passwords_are_stored_as_argon2_hashes(store: Store, database_url: str) -> None:
    store.add_user("ana@example.com", PASSWORD, "ops")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM local_user")).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_sign_in_checks_the_password_without_saying_which_part_was_wrong(store: Store) -> None:
    store.add_user("ana@example.com", PASSWORD, "ops")
    assert store.verify_login("ANA@example.com", PASSWORD).last_login_at == START
    with pytest.raises(InputError) as wrong_password:
        store.verify_login("ana@example.com", "wrong password here")
    with pytest.raises(InputError) as unknown_email:
        store.verify_login("nobody@example.com", PASSWORD)
    assert str(wrong_password.value) == str(unknown_email.value) == SIGN_IN_REFUSED
    assert SIGN_IN_REFUSED.startswith("wrong e-mail or password")


def test_repeated_failures_lock_the_account_for_a_while(store: Store) -> None:
    store.add_user("ana@example.com", PASSWORD, "ops")
    for _ in range(4):
        with pytest.raises(InputError, match="wrong e-mail or password"):
            store.verify_login("ana@example.com", "not the password", now=START)
    assert store.users()[0].failed_attempts == 4
    store.verify_login("ana@example.com", PASSWORD, now=START)  # a success resets the count
    assert store.users()[0].failed_attempts == 0

    for _ in range(5):
        with pytest.raises(InputError, match="wrong e-mail or password"):
            store.verify_login("ana@example.com", "not the password", now=START)
    assert store.users()[0].locked_until == START + timedelta(minutes=15)
    # Locked: even the right password is refused until the lock ends, with the same answer as for a
    # wrong password or an unknown e-mail (the form does not tell that the account exists).
    with pytest.raises(InputError) as locked:
        store.verify_login("ana@example.com", PASSWORD, now=START + timedelta(minutes=14, seconds=59))
    assert str(locked.value) == SIGN_IN_REFUSED
    user = store.verify_login("ana@example.com", PASSWORD, now=START + timedelta(minutes=15))
    assert (user.failed_attempts, user.locked_until) == (0, None)


def test_lockout_limits_are_configurable_and_a_reset_lifts_the_lock(database_url: str) -> None:
    store = Store(database_url, hasher=FAST, max_attempts=2, lockout_minutes=60)
    store.migrate()
    store.add_user("ana@example.com", PASSWORD, "ops")
    with pytest.raises(InputError, match="wrong"):
        store.verify_login("ana@example.com", "not the password", now=START)
    with pytest.raises(InputError, match="wrong"):
        store.verify_login("ana@example.com", "not the password", now=START)
    assert store.users()[0].locked_until == START + timedelta(minutes=60)
    store.set_password("ana@example.com", "a brand new password")
    assert store.verify_login("ana@example.com", "a brand new password", now=START).email == "ana@example.com"
    store.close()


class CountingHasher(PasswordHasher):
    """The fast hasher, remembering which hashes it checked a password against."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.checked: list[str] = []
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.checked.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


def test_eight_parallel_guesses_get_at_most_five_checked_and_the_same_answer(database_url: str) -> None:
    hasher = CountingHasher()
    store = Store(database_url, hasher=hasher)
    store.migrate()
    store.add_user("ana@example.com", PASSWORD, "ops")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        account_hash = connection.execute(text("SELECT password_hash FROM local_user")).scalar_one()
    engine.dispose()
    barrier = threading.Barrier(8)

    def guess(n: int) -> str:
        barrier.wait()  # the eight sign-ins start together
        try:
            store.verify_login("ana@example.com", f"guess number {n}")
        except InputError as refused:
            return str(refused)
        return "signed in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(guess, range(8)))
    assert answers == [SIGN_IN_REFUSED] * 8
    guesses_checked = sum(1 for h in hasher.checked if h == account_hash)
    assert 1 <= guesses_checked <= 5  # the others were refused before their password reached the hash
    assert store.users()[0].locked_until is not None
    store.close()


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(store: Store, database_url: str) -> None:
    store.add_user("ana@example.com", PASSWORD, "ops")
    stronger = Store(database_url, hasher=PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1))
    stronger.verify_login("ana@example.com", PASSWORD)
    stronger.close()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM local_user")).scalar_one()
    engine.dispose()
    assert "$m=1024,t=2,p=1$" in stored
    assert store.verify_login("ana@example.com", PASSWORD).email == "ana@example.com"


# --- configuration and outages ---------------------------------------------------------------------


def test_an_unreachable_database_is_reported_without_its_password() -> None:
    store = Store("postgresql+psycopg://throughline:s3cr3t-pw@127.0.0.1:1/store")
    with pytest.raises(UnavailableError) as caught:
        store.users()
    message = str(caught.value)
    assert "s3cr3t-pw" not in message
    assert "postgresql+psycopg://throughline:***@127.0.0.1:1/store" in message
    assert "THROUGHLINE_STORE__DATABASE_URL" in message
    assert caught.value.system == "store"


def test_a_url_that_is_not_a_database_url_names_the_setting() -> None:
    with pytest.raises(ConfigError, match="store database URL setting"):
        Store("not a url")
    with pytest.raises(ConfigError, match="use sqlite or postgresql"):
        Store("mysql://u:p@localhost/db")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://svc:s3cret-pw@db.internal:notaport/throughline",  # a port that is no number
        "postgresql+psycopg://svc:s3cret-pw@[::1",  # a broken IPv6 host
        "postgresql+nodriver://svc:s3cret-pw@db.internal/throughline",  # a driver nobody installed
    ],
)
def test_a_malformed_store_url_names_the_setting_without_a_traceback_or_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Store(url)
    message = str(refused.value)
    assert "THROUGHLINE_STORE__DATABASE_URL" in message
    assert "s3cret-pw" not in message
    assert refused.value.__suppress_context__  # raised `from None`: no driver traceback chained to it


def test_the_sqlite_file_folder_is_created(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'store.sqlite'}", hasher=FAST)
    store.migrate()
    store.close()
    assert (tmp_path / "nested" / "dir" / "store.sqlite").is_file()


# --- the command line ------------------------------------------------------------------------------


def cli(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"THROUGHLINE_STORE__DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "dashboard.users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_users_command_adds_an_account_with_a_password_from_stdin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli' / 'store.sqlite'}"
    added = cli(url, "add", "Ana@Example.com", "--role", "ops", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert (added.returncode, added.stdout.strip()) == (0, "added ana@example.com (ops)")

    short = cli(url, "add", "ben@example.com", "--role", "sales", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr

    assert cli(url, "list").stdout.strip() == "ana@example.com\tops\tactive"
    store = Store(url)
    assert store.verify_login("ana@example.com", PASSWORD).role == "ops"
    store.close()


def test_the_users_command_changes_and_removes_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process through the same entry point, to keep the suite fast; the test above covers the subprocess.
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("THROUGHLINE_STORE__DATABASE_URL", url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PASSWORD}\n"))
    assert users.main(["add", "ana@example.com", "--role", "sales", "--password-stdin"]) == 0
    assert users.main(["set-role", "ana@example.com", "admin"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("another long password\n"))
    assert users.main(["reset-password", "ANA@example.com", "--password-stdin"]) == 0
    store = Store(url)
    assert store.verify_login("ana@example.com", "another long password").role == "admin"
    store.close()

    assert users.main(["remove", "ana@example.com"]) == 0
    assert users.main(["list"]) == 0
    assert users.main(["remove", "ana@example.com"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "added ana@example.com (sales)",
        "ana@example.com is now admin",
        "password of ana@example.com reset; any lockout is lifted",
        "removed ana@example.com",
        "no local accounts yet",
    ]
    assert err.strip() == "error: store find user failed: no local user with e-mail ana@example.com"


# --- Closed Won runs -------------------------------------------------------------------------------


def test_a_closed_won_run_reserves_one_id_per_deal_and_one_deal_per_id(store: Store, clock: Clock) -> None:
    first = store.reserve_project_id("101", "PRJ-00042")
    assert first is not None
    assert (first.crm_deal_id, first.project_id, first.status) == ("101", "PRJ-00042", "started")
    assert store.reserve_project_id("101", "PRJ-00043") is None  # the deal has its run
    assert store.reserve_project_id("102", "PRJ-00042") is None  # the ID is taken
    assert store.reserve_project_id("102", "PRJ-00043") is not None
    clock.advance(minutes=1)
    done = store.update_closed_won("101", erp_record_id="7", project_record_id="9001", status="done")
    assert (done.erp_record_id, done.project_record_id, done.status) == ("7", "9001", "done")
    assert done.updated_at == START + timedelta(minutes=1)
    assert store.closed_won("101") == done
    assert store.closed_won("103") is None
    assert store.reserved_project_ids() == {"PRJ-00042", "PRJ-00043"}


# --- the portfolio's daily figures -----------------------------------------------------------------


def test_a_day_keeps_its_latest_figures_and_days_read_back_in_order(store: Store) -> None:
    first = PortfolioDay(
        day=date(2026, 11, 2), reporting_currency="USD", contract_value_amount=100.0,
        forecast_margin_pct=0.25, outstanding_amount=40.0, overdue_amount=10.0,
    )  # fmt: skip
    store.record_day(first)
    store.record_day(first.model_copy(update={"day": date(2026, 12, 3), "overdue_amount": 12.0}))
    store.record_day(
        first.model_copy(update={"day": date(2026, 12, 3), "overdue_amount": 15.5})
    )  # later read
    store.record_day(first.model_copy(update={"reporting_currency": "EUR"}))
    days = store.portfolio_days("USD", since=date(2026, 11, 1))
    assert [(d.day, d.overdue_amount) for d in days] == [(date(2026, 11, 2), 10.0), (date(2026, 12, 3), 15.5)]
    assert store.portfolio_days("USD", since=date(2026, 12, 1))[0].forecast_margin_pct == 0.25
