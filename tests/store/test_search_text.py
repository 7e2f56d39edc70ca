"""The search fold (`store.folding`) and migrations 0014 and 0015, which fold the rows stored
before them, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, SQLModel, create_engine

from complaints.clock import ManualClock
from store import fold_table
from store.database import Database
from store.folding import _table, blank_search_text, fold, fold_fields
from store.models import Customer
from store.queries import COMPLAINTS, CUSTOMERS, MESSAGES
from store.queries.customers import search_customers
from store.schema import MIGRATIONS, upgrade_schema
from tests.conftest import START
from tests.factories import make_inbound
from tests.store.test_store import make_intake


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("lampara", "La LÁMPARA no enciende"),
        ("LÁMPARA", "la lampara"),
        ("Martinez", "Carlos Martínez"),
        ("devolucion", "Quiero la devolución"),
        ("nandu", "Ñandú"),
        ("陈美玲", "陳美玲"),
        ("陳美玲", "陈美玲"),
        ("電視機", "我的电视机坏了"),
        ("卫生", "衞生"),  # a Hong Kong variant
        ("c-2026-000001", "Ｃ－２０２６－０００００１"),  # full width, as a Chinese IME types it
        ("strasse", "Straße"),
    ],
)
def test_a_word_is_found_whatever_its_case_accents_or_chinese_script(
    typed: str, stored: str
) -> None:
    assert fold(typed) in fold(stored)


def test_the_fold_is_stable_so_a_folded_word_finds_itself() -> None:
    """Folding twice changes nothing, for every character the table changes: a stored text and
    a search for it agree whichever form each was written in."""
    for point in _table():
        char = chr(point)
        assert fold(fold(char)) == fold(char), hex(point)
    assert fold("é") == fold("e\u0301") == "e"  # composed or not, as typed or pasted


def test_the_shipped_character_table_is_opencc_s() -> None:
    """The bot reads the table from a file (a start builds no converter); it must be what
    OpenCC's hk2s gives, character by character (`python -m store.fold_table` rebuilds it)."""
    shipped = fold_table.shipped()
    assert shipped == fold_table.from_opencc()
    assert (shipped["陳"], shipped["衞"], shipped["電"]) == ("陈", "卫", "电")


def test_fields_are_folded_apart_and_nothing_is_folded_to_nothing() -> None:
    assert fold_fields(
        {"name": "Ana", "email": "", "phone": "555"}, ("name", "email", "phone")
    ) == ("ana\n555")
    assert fold_fields({"name": "", "email": ""}, ("name", "email")) == ""


@pytest.fixture
def database(store_url: str) -> Iterator[Database]:
    db = Database(store_url, timedelta(seconds=5))
    yield db
    db.close()


async def test_the_migration_folds_the_rows_stored_before_it(database: Database) -> None:
    """Rows written before 0014 (made here by going back to 0013 with today's intake's rows
    given other words) get the search text a new row gets."""
    database.upgrade()
    intake = make_intake(database, ManualClock(START))
    await intake.receive(make_inbound("My kettle leaks.", external_id="m-0", customer="c"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
        connection.execute(sa.update(CUSTOMERS).values(name="Carlos Martínez", phone=""))
        connection.execute(sa.update(COMPLAINTS).values(subject="LÁMPARA", product="電視機"))
        connection.execute(sa.update(MESSAGES).values(text="陳美玲: devolución"))
        upgrade_schema(connection)
        customers = connection.execute(sa.select(CUSTOMERS.c.search_text)).scalars().all()
        complaints = connection.execute(sa.select(COMPLAINTS.c.search_text)).scalars().all()
        messages = connection.execute(sa.select(MESSAGES.c.search_text)).scalars().all()

    assert customers == ["carlos martinez"]
    assert complaints == ["lampara\n电视机"]
    assert messages and set(messages) == {"陈美玲: devolucion"}


async def test_migration_0015_folds_the_numbers_of_the_complaints_stored_before_it(
    database: Database,
) -> None:
    """A complaint stored under 0014 is found by its order, serial and model numbers after
    0015, and going back leaves the search text 0014 wrote."""
    database.upgrade()
    intake = make_intake(database, ManualClock(START))
    await intake.receive(make_inbound("My kettle leaks.", external_id="m-0", customer="c"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    numbers = {"model": "Aircon X200", "serial_number": "SN-44A7", "order_number": "ＴＷ-8891"}
    with database.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
        connection.execute(sa.update(COMPLAINTS).values(subject="Kettle", product="", **numbers))
        connection.execute(sa.update(COMPLAINTS).values(search_text="kettle"))
        upgrade_schema(connection)
        upgraded = connection.execute(sa.select(COMPLAINTS.c.search_text)).scalars().all()
        command.downgrade(config, "0014")
        downgraded = connection.execute(sa.select(COMPLAINTS.c.search_text)).scalars().all()

    assert upgraded == ["kettle\naircon x200\nsn-44a7\ntw-8891"]
    assert downgraded == ["kettle"]


async def test_an_admin_finds_a_customer_however_the_name_is_typed(database: Database) -> None:
    """The privacy search (export, erasure) folds like the queue's."""
    database.upgrade()
    intake = make_intake(database, ManualClock(START))
    for n, name in enumerate(["Carlos Martínez", "陳美玲"]):
        inbound = make_inbound("Broken.", external_id=f"m-{n}", customer=f"c-{n}")
        await intake.receive(replace(inbound, sender=replace(inbound.sender, display_name=name)))

    async def names(text: str) -> list[str]:
        found = await database.read(lambda s: search_customers(s, text=text, digits="", limit=10))
        return [customer.name for customer in found]

    assert await names("MARTINEZ") == ["Carlos Martínez"]
    assert await names("陈美玲") == ["陳美玲"]
    assert await names("nobody") == []


def test_orm_writes_keep_the_search_text_and_a_blanked_one_stays_blank(tmp_path: Path) -> None:
    """An update of a searched field folds it again; after `blank_search_text` (erasure) the
    row is found by nothing, also when its search text was blank before."""
    engine = create_engine(f"sqlite:///{tmp_path / 'orm.db'}")
    SQLModel.metadata.create_all(engine, tables=[Customer.__table__])  # type: ignore[attr-defined]
    with Session(engine) as session:
        customer = Customer(name="", created_at=START)
        session.add(customer)
        session.commit()
        assert customer.search_text == ""
        customer.name = "Ñandú Martínez"
        session.commit()
        assert customer.search_text == "nandu martinez"
        customer.name = "[erased]"
        blank_search_text(customer)
        session.commit()
        customer.phone = "555"  # a later change folds again what is there
        session.commit()
        assert customer.search_text == "[erased]\n555"
        customer.search_text = ""
        session.commit()
        blank_search_text(customer)
        customer.name = "Ana"
        session.commit()
        assert customer.search_text == ""
    engine.dispose()
