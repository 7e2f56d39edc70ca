"""Reports over the real HTTP API: the numbers on a known set of complaints filed through the
webhook and worked through the agent desk, CSV downloads, department scoping, refusals; and the
SVG bar chart the console draws from them."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from admin.reports import bar_chart_svg
from complaints.clock import ManualClock
from tests.conftest import START, table_counts
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login

WEEKS = {"since": "2026-04-06", "until": "2026-04-27"}
SETTINGS = {
    # A callback lets agents write to webhook customers; nothing is dispatched in these tests.
    "webhook": {"sources": {"shop": {"callback_url": "http://127.0.0.1:9/callback"}}},
    # Escalation must not change grades while the survey sweep runs.
    "escalation": {"raise_grade": False},
}


@pytest.fixture
async def desk(start_bot: Callable[..., Awaitable[Any]]) -> AsyncIterator[Desk]:
    clock = ManualClock(START)
    running = Desk(await start_bot(SETTINGS, clock, background=False), clock)
    yield running
    for client in running.clients:
        await client.aclose()


async def file(desk: Desk, text: str, customer: str, product: str = "") -> str:
    details = {"details": {"product": product}} if product else {}
    answer = await desk.complain(text, customer=customer, **details)
    return str(answer["complaint"])


async def scenario(desk: Desk) -> dict[str, str]:
    """Seven complaints over seven weeks (UTC, weeks from Monday); the report period is the
    three weeks from 2026-04-06, and it is 2026-04-20 11:00 when it is read.

    c0  03-02 billing, Router X1            (before the period: only in the trend)
    c1  04-06 billing, Router X1            answered after 2h, resolved after 6h, survey 5
    c2  04-06 billing (es), Router X1       never answered
    c3  04-06 delivery damage, Blender B2   answered after 6h, resolved after 24h, survey 3
    c4  04-13 billing (zh), Router X1       answered after 30h (general: 24h, missed)
    c5  04-13 product quality, Blender B2   never answered
    c6  04-20 10:00 safety (urgent)         not due yet: left out of SLA compliance
    """
    state, clock = desk.app.state.services, desk.clock
    root = await state.accounts.create("Root", "admin", ())
    numbers = {"c0": await file(desk, "Me cobraron dos veces en la factura.", "c-0", "Router X1")}
    clock.advance(timedelta(days=35))
    numbers["c1"] = await file(desk, "I was charged twice on my bill.", "c-1", "Router X1")
    numbers["c2"] = await file(desk, "Me cobraron dos veces en la factura.", "c-2", "Router X1")
    numbers["c3"] = await file(desk, "The parcel arrived damaged.", "c-3", "Blender B2")
    for taken in ("c1", "c3"):
        await state.agents.take(numbers[taken], root)
    clock.advance(timedelta(hours=2))
    await state.agents.reply(numbers["c1"], root, "We are checking your bill.")
    clock.advance(timedelta(hours=4))
    await state.agents.reply(numbers["c3"], root, "Sorry, we are on it.")
    await state.agents.resolve(numbers["c1"], root, "Refunded the second charge.")
    clock.advance(timedelta(hours=18))
    await state.agents.resolve(numbers["c3"], root, "A new blender is on its way.")
    clock.advance(timedelta(days=6))
    numbers["c4"] = await file(desk, "这个月话费账单多收了十块钱。", "c-4", "Router X1")
    numbers["c5"] = await file(
        desk, "The blender broke after two days, poor quality.", "c-5", "Blender B2"
    )
    clock.advance(timedelta(hours=30))
    await state.agents.reply(numbers["c4"], root, "我们正在核实。")
    await state.sweeps.run_all()  # the surveys of c1 and c3 go out; the customers answer
    await desk.complain("5", customer="c-1", complaint=numbers["c1"])
    await desk.complain("3 - took a while", customer="c-3", complaint=numbers["c3"])
    clock.advance(timedelta(days=5, hours=19))
    numbers["c6"] = await file(desk, "My phone battery caught fire and burned my hand.", "c-6")
    clock.advance(timedelta(hours=1))
    return numbers


def counts(pairs: list[dict[str, Any]]) -> dict[str, int]:
    return {pair["value"]: pair["count"] for pair in pairs}


def rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))


async def test_report_numbers_and_csv_on_known_complaints(desk: Desk) -> None:
    await scenario(desk)
    supervisor = await desk.account("Sam", role="supervisor", departments=("billing", "quality"))
    admin = await desk.account("Ada", role="admin", departments=())

    answer = await admin.get("/api/reports", params=WEEKS)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["since"] == "2026-04-06T00:00:00Z" and report["timezone"] == "UTC"
    assert report["total"] == 6 and report["departments"] is None
    assert [(c["value"], c["count"]) for c in report["by_category"]] == [
        ("billing", 3),
        ("delivery_damage", 1),
        ("product_quality", 1),
        ("safety", 1),
    ]
    assert counts(report["by_department"]) == {
        "billing": 3,
        "logistics": 1,
        "quality": 1,
        "safety": 1,
    }
    assert counts(report["by_grade"]) == {"general": 5, "urgent": 1}
    assert counts(report["by_channel"]) == {"webhook": 6}
    assert report["by_week"] == [
        {"week": "2026-04-06", "count": 3},
        {"week": "2026-04-13", "count": 2},
        {"week": "2026-04-20", "count": 1},
    ]
    assert report["first_response"] == {
        "count": 3,
        "median_hours": 6.0,
        "mean_hours": 12.67,
        "p90_hours": 25.2,
    }
    assert report["resolution"] == {
        "count": 2,
        "median_hours": 15.0,
        "mean_hours": 15.0,
        "p90_hours": 22.2,
    }
    assert report["sla"] == {
        "first_response": {"met": 2, "missed": 3, "share": 0.4},
        "resolution": {"met": 2, "missed": 3, "share": 0.4},
    }
    assert report["satisfaction"] == {
        "answered": 2,
        "mean": 4.0,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1},
    }
    assert report["top_products"] == [
        {
            "value": "Router X1",
            "count": 3,
            "last_4_weeks": 3,
            "previous_4_weeks": 1,
            "weekly": [2, 1, 0],
        },
        {
            "value": "Blender B2",
            "count": 2,
            "last_4_weeks": 2,
            "previous_4_weeks": 0,
            "weekly": [1, 1, 0],
        },
    ]
    assert report["top_categories"][0] == {
        "value": "billing",
        "name": "Billing and checkout",
        "count": 3,
        "last_4_weeks": 3,
        "previous_4_weeks": 1,
        "weekly": [2, 1, 0],
    }

    with_offset = {"since": "2026-04-06T02:00+02:00", "until": "2026-04-27T00:00Z"}
    assert (await admin.get("/api/reports", params=with_offset)).json()["total"] == 6

    default = (await admin.get("/api/reports")).json()
    assert len(default["by_week"]) == 12 and default["by_week"][-1]["week"] == "2026-04-20"
    assert default["since"] == "2026-02-02T00:00:00Z" and default["total"] == 7

    scoped = (await supervisor.get("/api/reports", params=WEEKS)).json()
    assert scoped["departments"] == ["billing", "quality"] and scoped["total"] == 4
    assert counts(scoped["by_department"]) == {"billing": 3, "quality": 1}
    assert [p["value"] for p in scoped["top_products"]] == ["Router X1", "Blender B2"]
    billing = await supervisor.get("/api/reports", params={**WEEKS, "department": "billing"})
    assert billing.json()["total"] == 3 and billing.json()["department"] == "billing"
    other = await supervisor.get("/api/reports", params={**WEEKS, "department": "logistics"})
    assert other.status_code == 403 and "billing, quality" in other.json()["detail"]
    everyone = await admin.get("/api/reports", params={**WEEKS, "department": "logistics"})
    assert everyone.json()["total"] == 1

    by_category = await admin.get("/api/reports/by_category.csv", params=WEEKS)
    assert by_category.status_code == 200
    assert by_category.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_category.headers["content-disposition"] == (
        'attachment; filename="complaints-by_category-2026-04-06-2026-04-27.csv"'
    )
    assert rows(by_category) == [  # keys for programs, names (the account's: English) for people
        ["category", "category_name", "complaints"],
        ["billing", "Billing and checkout", "3"],
        ["delivery_damage", "Delivery damage", "1"],
        ["product_quality", "Product quality", "1"],
        ["safety", "Safety", "1"],
    ]
    by_week = rows(await admin.get("/api/reports/by_week.csv", params=WEEKS))
    assert by_week == [
        ["week_start", "complaints"],
        ["2026-04-06", "3"],
        ["2026-04-13", "2"],
        ["2026-04-20", "1"],
    ]
    products = rows(await admin.get("/api/reports/top_products.csv", params=WEEKS))
    assert products[0] == [
        "product",
        "complaints",
        "last_4_weeks",
        "previous_4_weeks",
        "2026-04-06",
        "2026-04-13",
        "2026-04-20",
    ]
    assert products[1] == ["Router X1", "3", "3", "1", "2", "1", "0"]
    times = rows(await admin.get("/api/reports/times.csv", params=WEEKS))
    assert times == [
        [
            "measure",
            "count",
            "median_hours",
            "mean_hours",
            "p90_hours",
            "sla_met",
            "sla_missed",
            "sla_share",
        ],
        ["first_response", "3", "6.0", "12.67", "25.2", "2", "3", "0.4"],
        ["resolution", "2", "15.0", "15.0", "22.2", "2", "3", "0.4"],
    ]
    for table in ("by_department", "by_grade", "by_channel", "top_categories"):
        downloaded = await admin.get(f"/api/reports/{table}.csv", params=WEEKS)
        assert downloaded.status_code == 200 and len(rows(downloaded)) > 1, table


async def test_a_csv_for_a_spreadsheet_opens_in_excel_in_the_readers_language(desk: Desk) -> None:
    """What the console's links download: a UTF-8 byte order mark (without it Excel shows
    網路訊號 as mojibake) and, in Spanish, ';' and decimal commas, as Spanish Excel reads them;
    headers, grades, channels and measures in the reader's words (a category keeps its key
    column beside its name); the API's plain form, for programs, stays as it was."""
    await scenario(desk)
    admin = await desk.account("Ada", role="admin", departments=())
    spanish = await admin.get(
        "/api/reports/times.csv", params={**WEEKS, "language": "es", "spreadsheet": "true"}
    )
    assert spanish.content.startswith("\ufeff".encode())
    lines = spanish.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Medida;Cantidad;Mediana (horas);Media (horas);Percentil 90 (horas);"
        "Plazos cumplidos;Plazos incumplidos;Proporción cumplida"
    )
    assert lines[1] == "primera respuesta;3;6,0;12,67;25,2;2;3;0,4"
    chinese = await admin.get(
        "/api/reports/by_category.csv",
        params={**WEEKS, "language": "zh-Hant", "spreadsheet": "true"},
    )
    lines = chinese.content.decode("utf-8-sig").splitlines()
    assert lines[:2] == ["類別代碼,類別,投訴", "billing,帳單與結帳,3"]
    assert chinese.content.startswith("\ufeff".encode())
    grades = await admin.get(
        "/api/reports/by_grade.csv", params={**WEEKS, "language": "es", "spreadsheet": "true"}
    )
    lines = grades.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Gravedad;Reclamaciones"
    assert {line.split(";")[0] for line in lines[1:]} <= {"general", "importante", "urgente"}
    assert "importante" in grades.text or "urgente" in grades.text
    plain = await admin.get("/api/reports/times.csv", params={**WEEKS, "language": "es"})
    assert plain.text.splitlines()[0].startswith("measure,count,median_hours,")
    assert plain.text.splitlines()[1] == "first_response,3,6.0,12.67,25.2,2,3,0.4"
    plain = await admin.get("/api/reports/by_grade.csv", params={**WEEKS, "language": "es"})
    assert plain.text.splitlines()[0] == "grade,complaints"
    assert {line.split(",")[0] for line in plain.text.splitlines()[1:]} <= {
        "general",
        "important",
        "urgent",
    }


async def test_a_complaint_merged_into_another_is_counted_once(desk: Desk) -> None:
    kept = await file(desk, "My new kettle started to smoke after two days.", "c-9")
    again = await file(desk, "The kettle I bought smokes, please help.", "c-9")
    admin = await desk.account("Ada", role="admin", departments=())
    today = desk.clock.now().date()
    period = {"since": str(today), "until": str(today + timedelta(days=1))}
    before = (await admin.get("/api/reports", params=period)).json()
    services = desk.app.state.services
    root = await services.accounts.create("Root", "admin", ())
    await services.duplicates.merge(again, kept, root)
    after = (await admin.get("/api/reports", params=period)).json()
    assert before["total"] == 2 and after["total"] == 1
    assert counts(after["by_category"]) == {"safety": 1}
    csv_rows = rows(await admin.get("/api/reports/by_category.csv", params=period))
    assert ["safety", "Safety", "1"] in csv_rows, csv_rows


async def test_a_product_name_cannot_become_a_spreadsheet_formula(desk: Desk) -> None:
    await file(desk, "I was charged twice on my bill.", "c-1", "=HYPERLINK(1)")
    desk.clock.advance(timedelta(minutes=1))
    admin = await desk.account("Ada", role="admin", departments=())
    products = rows(await admin.get("/api/reports/top_products.csv"))
    assert products[1][0] == "'=HYPERLINK(1)"


async def test_reports_need_a_supervisor_and_good_input(desk: Desk) -> None:
    await file(desk, "I was charged twice on my bill.", "c-1")
    anonymous = desk.client()
    agent = await desk.account("Ana", role="agent", departments=("billing",))
    admin = await desk.account("Ada", role="admin", departments=())
    supervisor = await desk.account("Sam", role="supervisor", departments=("billing",))
    before = table_counts(desk.bot.store_url)
    for path in ("/api/reports", "/api/reports/by_week.csv"):
        assert (await anonymous.get(path)).status_code == 401
        refused = await agent.get(path)
        assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    for params, message in [
        ({"since": "last tuesday"}, "since='last tuesday' is not a date; write 2026-03-02"),
        ({"until": "2026-13-01"}, "until='2026-13-01' is not a date"),
        ({"since": "2026-03-09", "until": "2026-03-02"}, "since must be before until"),
        ({"since": "2020-01-01", "until": "2026-01-01"}, "at most 366 days"),
        ({"department": "nowhere"}, "there is no department 'nowhere'; departments: billing"),
    ]:
        answer = await admin.get("/api/reports", params=params)
        assert answer.status_code == 422, params
        assert message in answer.json()["detail"]
    nowhere = await supervisor.get("/api/reports", params={"department": "nowhere"})
    assert nowhere.status_code == 422 and "departments: billing" in nowhere.json()["detail"]
    unknown = await admin.get("/api/reports/by_mood.csv")
    assert unknown.status_code == 404 and "by_category" in unknown.json()["detail"]
    assert table_counts(desk.bot.store_url) == before


def test_the_bar_chart_is_svg_with_escaped_labels() -> None:
    svg = bar_chart_svg(
        'Complaints by "product"', [("<script>alert(1)</script>", 3), ("Router & co", 1.5)]
    )
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert 'role="img"' in svg and 'aria-label="Complaints by &quot;product&quot;"' in svg
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Router &amp; co" in svg
    assert 'width="360.0"' in svg and 'width="180.0"' in svg  # bars scale to the largest
    assert bar_chart_svg("Nothing yet", []).count("<rect") == 0


async def test_departments_and_categories_are_named_in_the_readers_language(desk: Desk) -> None:
    """The API keeps each key (`value`, for machines) and adds its configured `name`, in the
    account's language or the one asked for; CSV tables add a name column beside the key."""
    await scenario(desk)
    services = desk.app.state.services
    account = await services.accounts.create("Eva", "admin", (), PASSWORD, language="es")
    _, eva = await services.accounts.issue_token(account.id or 0, "tests")
    spanish = desk.client({"Authorization": f"Bearer {eva}"})

    report = (await spanish.get("/api/reports", params=WEEKS)).json()
    assert report["by_department"][0] == {"value": "billing", "name": "Facturación", "count": 3}
    assert {"value": "billing", "name": "Facturación y cobro", "count": 3} in report["by_category"]
    assert report["top_categories"][0]["name"] == "Facturación y cobro"
    chinese = await spanish.get("/api/reports", params={**WEEKS, "language": "zh-Hant"})
    assert chinese.json()["by_department"][0]["name"] == "帳務部"
    wrong = await spanish.get("/api/reports", params={**WEEKS, "language": "fr"})
    assert wrong.status_code == 422

    by_department = rows(await spanish.get("/api/reports/by_department.csv", params=WEEKS))
    assert by_department[:2] == [
        ["department", "department_name", "complaints"],
        ["billing", "Facturación", "3"],
    ]
    top = rows(await spanish.get("/api/reports/top_categories.csv", params=WEEKS))
    assert top[0][:3] == ["category", "category_name", "complaints"]
    assert top[1][:3] == ["billing", "Facturación y cobro", "3"]


async def test_the_console_names_departments_in_a_report_refusal_and_downloads_named_csv(
    desk: Desk,
) -> None:
    await file(desk, "I was charged twice on my bill.", "c-1")
    desk.clock.advance(timedelta(hours=1))  # a report ends now: include the complaint
    services = desk.app.state.services
    await services.accounts.create("Eva", "admin", (), PASSWORD, language="es")
    client, _, _ = await console_login(desk, "Eva", PASSWORD)

    refused = await client.get("/console/reports", params={"department": "nowhere"})
    assert refused.status_code == 422
    flash = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', refused.text, re.S)
    assert flash is not None
    assert "Facturación" in flash[1] and "Atención al cliente" in flash[1]
    assert "customer_care" not in flash[1]

    page = (await client.get("/console/reports")).text
    link = re.search(r'href="(/api/reports/by_department\.csv\?[^"]+)"', page)
    assert link is not None and "language=es" in link[1] and "spreadsheet=true" in link[1]
    got = await client.get(html.unescape(link[1]))
    downloaded = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert downloaded[0] == ["Clave del departamento", "Departamento", "Reclamaciones"]
    assert ["billing", "Facturación", "1"] in downloaded
