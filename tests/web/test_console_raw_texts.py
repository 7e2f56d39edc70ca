"""Texts the console built from keys or English words, now in the reader's language: an
erasure's counts, an erased customer's channel address, the departments an account form
refuses."""

from __future__ import annotations

import html
import re

import httpx

from tests.web.conftest import Desk, console_login, rows


def _text(answer: httpx.Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", answer.text))


async def _spanish_admin(desk: Desk) -> tuple[httpx.AsyncClient, str]:
    await desk.app.state.services.accounts.create(
        "Lola", "admin", (), "correct horse battery", language="es"
    )
    client, csrf, _ = await console_login(desk, "Lola", "correct horse battery")
    return client, csrf


async def test_an_erasure_is_told_and_shown_in_the_readers_language(desk: Desk) -> None:
    opened = await desk.complain("La factura me cobra dos veces", customer="e-1", id_="e-1")
    (customer,) = rows(
        desk, "SELECT customer_id FROM complaints WHERE number = :n", n=opened["complaint"]
    )
    customer_id = customer["customer_id"]
    client, csrf = await _spanish_admin(desk)

    done = await client.post(
        f"/console/customers/{customer_id}/erase",
        data={"confirm": str(customer_id), "csrf_token": csrf},
        follow_redirects=True,
    )

    said = _text(done)
    assert "identidades: 1, reclamaciones: 1" in said, said
    assert "identities" not in said and "attachments" not in said
    assert "erased-" not in said and "[borrado]" in said  # the identity's address
    page = _text(await client.get(f"/console/complaints/{opened['complaint']}"))
    assert "erased-" not in page, page[page.find("erased-") - 300 :][:400]
    assert re.search(r"webhook: \[borrado\]", page, re.IGNORECASE), page
    listed = _text(await client.get("/console/customers", params={"q": str(customer_id)}))
    assert "erased-" not in listed


async def test_the_accounts_form_names_the_departments_it_knows(desk: Desk) -> None:
    client, csrf = await _spanish_admin(desk)

    refused = await client.post(
        "/console/accounts",
        data={
            "name": "Pepe",
            "role": "agent",
            "departments": "nowhere",
            "password": "correct horse battery",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )

    said = _text(refused)
    assert "nowhere" in said and "Facturación" in said and "Atención al cliente" in said, said
    assert "customer_care" not in said and "known:" not in said


async def test_a_name_differing_only_in_case_is_refused_in_the_readers_language(
    desk: Desk,
) -> None:
    client, csrf = await _spanish_admin(desk)

    refused = await client.post(
        "/console/accounts",
        data={
            "name": "lola",
            "role": "admin",
            "password": "correct horse battery",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )

    assert "ya existe una cuenta llamada «Lola»" in _text(refused)
    assert rows(desk, "SELECT name FROM agents WHERE lower(name) = 'lola'") == [{"name": "Lola"}]
