"""Routing rules over the real HTTP API: reading, changing (each change a version that routes
the next complaint), refusals that change nothing, rollback, dry run, backtest, TOML."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from typing import Any

import httpx
import pytest

from admin.rule_book import canonical_text, check
from store import queries
from tests.conftest import table_counts
from tests.web.conftest import Desk

FLUX = {"name": "flux", "keywords": ["flux capacitor"], "category": "safety", "grade": "urgent"}


@pytest.fixture
def desk(rules_desk: Desk) -> Desk:
    """These tests are about the rules: the triage model only suggests (`RULES_ONLY`)."""
    return rules_desk


async def _routed_by(desk: Desk, number: str) -> int:
    complaint = await desk.app.state.services.database.read(
        lambda session: queries.complaint_by_number(session, number)
    )
    return int(complaint.rule_set_version)


async def _state(admin: httpx.AsyncClient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The active rules and the version list: what a refused change must leave alone."""
    return (await admin.get("/api/rules")).json(), (await admin.get("/api/rules/versions")).json()


ADMIN_ONLY = [
    ("POST", "/api/rules", FLUX),
    ("PUT", "/api/rules", []),
    ("PUT", "/api/rules/privacy", FLUX),
    ("POST", "/api/rules/privacy/move", {"position": 1}),
    ("POST", "/api/rules/privacy/enable", None),
    ("POST", "/api/rules/privacy/disable", None),
    ("DELETE", "/api/rules/privacy", None),
    ("POST", "/api/rules/versions/1/rollback", None),
    ("POST", "/api/rules/backtest", {"version": 1}),
    ("GET", "/api/rules/export", None),
    ("POST", "/api/rules/import", None),
]
DRY_RUN = ("POST", "/api/rules/dry-run", {"text": "my phone caught fire"})
READ = [("GET", "/api/rules", None), ("GET", "/api/rules/versions", None)]


async def test_who_may_read_try_and_change_rules(desk: Desk) -> None:
    anonymous = desk.client()
    agent = await desk.account("Ana", role="agent")
    supervisor = await desk.account("Sam", role="supervisor")
    for method, path, body in [*ADMIN_ONLY, DRY_RUN, *READ, ("GET", "/api/rules/versions/1", None)]:
        response = await anonymous.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
    for client in (agent, supervisor):
        for method, path, body in ADMIN_ONLY:
            response = await client.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
            assert "admin" in response.json()["detail"]
    assert (await agent.request(DRY_RUN[0], DRY_RUN[1], json=DRY_RUN[2])).status_code == 403
    tried = await supervisor.post(DRY_RUN[1], json=DRY_RUN[2])
    assert tried.status_code == 200 and tried.json()["category"] == "safety"

    shown = (await agent.get("/api/rules")).json()
    assert shown["version"] == 1 and shown["origin"] == "settings"
    assert shown["settings_version"] == 1 and shown["agrees_with_settings"] is True
    assert "agree" in shown["which_wins"] and shown["changed_by"] == "settings.toml"
    names = [rule["name"] for rule in shown["rules"]]
    assert names[0] == "legal threat" and "privacy" in names
    privacy = shown["rules"][names.index("privacy")]
    assert privacy["category"] == "privacy" and privacy["enabled"] is True
    assert privacy["fields"] == ["subject", "text"] and privacy["repeat"] is None
    assert any(c["key"] == "safety" and c["department"] == "safety" for c in shown["categories"])
    assert any(d["key"] == "billing" for d in shown["departments"])
    listed = (await agent.get("/api/rules/versions")).json()
    assert [(v["version"], v["origin"], v["active"]) for v in listed] == [(1, "settings", True)]
    detail = (await agent.get("/api/rules/versions/1")).json()
    assert detail["version"] == 1 and [rule["name"] for rule in detail["rules"]] == names
    assert (await agent.get("/api/rules/versions/99")).status_code == 404


async def test_a_published_rule_routes_the_next_complaint_and_rollback_restores(
    desk: Desk,
) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    before = await desk.complain("My flux capacitor hums.", customer="a")
    assert before["category"] == "other"

    added = await admin.post("/api/rules", params={"position": 1}, json=FLUX)
    assert added.status_code == 201, added.text
    shown = added.json()
    assert shown["version"] == 2 and shown["origin"] == "console" and shown["changed_by"] == "Root"
    assert shown["rules"][0]["name"] == "flux" and shown["agrees_with_settings"] is False
    assert "settings.toml's version 1" in shown["which_wins"]
    newest = (await admin.get("/api/rules/versions")).json()[0]
    assert newest == {**newest, "version": 2, "author": "Root", "active": True}
    assert newest["note"] == "added rule 'flux' at position 1"

    after = await desk.complain("My flux capacitor hums again.", customer="b")
    assert (after["category"], after["department"], after["grade"]) == (
        "safety",
        "safety",
        "urgent",
    )
    assert await _routed_by(desk, after["complaint"]) == 2
    assert await _routed_by(desk, before["complaint"]) == 1

    desk.clock.advance(timedelta(minutes=1))
    rolled = await admin.post("/api/rules/versions/1/rollback")
    assert rolled.status_code == 200, rolled.text
    assert (rolled.json()["version"], rolled.json()["origin"]) == (1, "rollback")
    assert rolled.json()["agrees_with_settings"] is True
    assert len((await admin.get("/api/rules/versions")).json()) == 2  # no copy of version 1

    again = await desk.complain("Question about the flux capacitor", customer="c")
    assert again["category"] == "other" and await _routed_by(desk, again["complaint"]) == 1
    assert await _routed_by(desk, after["complaint"]) == 2
    assert (await admin.post("/api/rules/versions/7/rollback")).status_code == 404


async def test_edits_each_make_a_version_with_a_note(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    names = [rule["name"] for rule in (await admin.get("/api/rules")).json()["rules"]]

    moved = (await admin.post("/api/rules/privacy/move", json={"position": 1})).json()
    assert [rule["name"] for rule in moved["rules"]][:2] == ["privacy", "legal threat"]
    disabled = (await admin.post("/api/rules/privacy/disable")).json()
    assert disabled["rules"][0]["enabled"] is False
    tried = await admin.post("/api/rules/dry-run", json={"text": "You leaked my personal data"})
    assert tried.json()["category"] == "other"
    assert {
        "rule": "privacy",
        "matched": False,
        "detail": "disabled",
        "effects": [],
        "reason": "disabled",
        "found": [],
        "facts": {},
    } in tried.json()["trace"]
    enabled = (await admin.post("/api/rules/privacy/enable")).json()
    assert enabled["rules"][0]["enabled"] is True
    assert enabled["version"] == moved["version"]  # the same rules: the same version again

    changed = {**moved["rules"][0], "keywords": ["personal data"], "grade": "urgent"}
    replaced = (await admin.put("/api/rules/privacy", json=changed)).json()
    assert replaced["rules"][0]["grade"] == "urgent"
    deleted = (await admin.delete("/api/rules/media exposure")).json()
    assert "media exposure" not in [rule["name"] for rule in deleted["rules"]]

    notes = [v["note"] for v in (await admin.get("/api/rules/versions")).json()]
    assert notes[:4] == [
        "deleted rule 'media exposure'",
        "changed 'privacy' (keywords, grade)",
        "disabled rule 'privacy'",
        "moved rule 'privacy' to position 1",
    ]

    same = await admin.put("/api/rules", json=deleted["rules"])
    assert same.json()["version"] == deleted["version"]  # sent back as read: nothing changes
    reordered = list(reversed(deleted["rules"]))
    listed = (await admin.put("/api/rules", json=reordered)).json()
    assert [rule["name"] for rule in listed["rules"]] == [rule["name"] for rule in reordered]
    assert (await admin.get("/api/rules/versions")).json()[0]["note"] == (
        "replaced the rule list: reordered"
    )
    assert len(names) == len(listed["rules"]) + 1


async def test_bad_rules_are_refused_with_the_reason_and_change_nothing(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    state = await _state(admin)
    counts = table_counts(desk.bot.store_url)
    refused = [
        ("POST", "/api/rules", {**FLUX, "pattern": "flux ("}, "bad regular expression"),
        ("POST", "/api/rules", {**FLUX, "category": "time travel"}, "unknown category"),
        ("POST", "/api/rules", {**FLUX, "department": "nowhere"}, "unknown department"),
        ("POST", "/api/rules", {**FLUX, "grade": "critical"}, "grade must be one of"),
        ("POST", "/api/rules", {**FLUX, "colour": "red"}, "unknown key(s) colour"),
        ("POST", "/api/rules", {**FLUX, "name": "privacy"}, "'privacy' is used twice"),
        ("POST", "/api/rules", {"name": "idle", "keywords": ["x"]}, "has no action"),
        ("POST", "/api/rules?position=99", FLUX, "position must be between 1 and"),
        ("POST", "/api/rules/privacy/move", {"position": 99}, "position must be between 1"),
        ("PUT", "/api/rules/privacy", {**FLUX, "pattern": "("}, "bad regular expression"),
        ("PUT", "/api/rules", [FLUX, FLUX], "'flux' is used twice"),
        ("POST", "/api/rules", {**FLUX, "unless_negated": "perhaps"}, "valid boolean"),
        ("POST", "/api/rules", {**FLUX, "unless": "flux toy"}, "valid list"),
        ("POST", "/api/rules", {**FLUX, "unless": [""]}, "unless must be a list of non-empty"),
    ]
    for method, path, body, reason in refused:
        response = await admin.request(method, path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert reason in str(response.json()["detail"]), response.text
    for method, path, body in [
        ("PUT", "/api/rules/nope", FLUX),
        ("POST", "/api/rules/nope/move", {"position": 1}),
        ("POST", "/api/rules/nope/disable", None),
        ("DELETE", "/api/rules/nope", None),
    ]:
        response = await admin.request(method, path, json=body)
        assert response.status_code == 404 and "no rule named 'nope'" in response.text
    assert await _state(admin) == state
    assert table_counts(desk.bot.store_url) == counts


async def test_dry_run_tries_a_draft_without_publishing_it(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    message = {"text": "My flux capacitor sparked", "channel": "email", "tier": "VIP"}
    active = (await admin.post("/api/rules/dry-run", json=message)).json()
    assert (active["category"], active["rule_set_version"]) == ("safety", 1)
    assert active["language"] == "en" and active["tags"] == ["safety", "vip"]  # tier VIP
    assert active["trace"][0]["rule"] == "language"

    rules = (await admin.get("/api/rules")).json()["rules"]
    draft = [{**FLUX, "category": "billing", "grade": "general"}, *rules]
    tried = (await admin.post("/api/rules/dry-run", json={**message, "rules": draft})).json()
    assert (tried["category"], tried["department"], tried["rule_set_version"]) == (
        "billing",
        "billing",
        0,
    )
    flux = next(step for step in tried["trace"] if step["rule"] == "flux")
    assert flux["matched"] and flux["detail"] == "keyword 'flux capacitor'"
    assert (await admin.get("/api/rules/versions")).json()[0]["version"] == 1

    spanish = await admin.post("/api/rules/dry-run", json={"text": "hola", "language": "es"})
    assert spanish.json()["language"] == "es"
    bad = await admin.post(
        "/api/rules/dry-run", json={**message, "rules": [{**FLUX, "pattern": "["}]}
    )
    assert bad.status_code == 422 and "the draft: rule #1" in bad.json()["detail"]
    wrong = await admin.post("/api/rules/dry-run", json={"text": "hi", "language": "fr"})
    assert wrong.status_code == 422 and "language must be one of" in wrong.text


async def test_backtest_lists_exactly_the_complaints_a_draft_would_route_differently(
    desk: Desk,
) -> None:
    """The replay rebuilds what intake saw: text, the customer's tier and earlier complaints
    (`repeat`), and whether the message had attachments."""
    admin = await desk.account("Root", role="admin", departments=())
    photo = [{"name": "p.jpg", "content_type": "image/jpeg", "data": "/9j/"}]
    flux = await desk.complain("The flux capacitor of my car is making a humming noise.", "a")
    await desk.complain("I was charged twice on my bill.", customer="b")
    vip = await desk.complain("Nobody answers my emails.", "c", contact={"tier": "VIP"})
    desk.clock.advance(timedelta(days=1))
    repeat = await desk.complain("Nobody answers my emails at all.", customer="b")
    attached = await desk.complain("See the photo.", customer="d", attachments=photo)
    await desk.complain("See my message.", customer="e")
    assert (vip["grade"], repeat["grade"]) == ("important", "important")
    rules = (await admin.get("/api/rules")).json()["rules"]
    kept = [rule for rule in rules if rule["name"] not in ("vip customer", "repeat complaint")]
    photos = {"name": "photos", "has_attachment": True, "category": "delivery_damage"}
    draft = [FLUX, photos, *kept]
    counts = table_counts(desk.bot.store_url)

    result = await admin.post("/api/rules/backtest", json={"rules": draft, "last": 10})
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["examined"] == 6 and body["active_version"] == 1
    other = ("other", "customer_care")
    expected = {
        flux["complaint"]: ((*other, "general"), ("safety", "safety", "urgent")),
        vip["complaint"]: ((*other, "important"), (*other, "general")),
        repeat["complaint"]: ((*other, "important"), (*other, "general")),
        attached["complaint"]: ((*other, "general"), ("delivery_damage", "logistics", "general")),
    }
    changed = {
        item["number"]: (tuple(item["before"].values()), tuple(item["after"].values()))
        for item in body["changed"]
    }
    assert changed == expected
    assert {item["routed_by"] for item in body["changed"]} == {1}
    newest = await admin.post("/api/rules/backtest", json={"rules": draft, "last": 1})
    assert newest.json()["examined"] == 1 and newest.json()["changed"] == []
    same = await admin.post("/api/rules/backtest", json={"version": 1})
    assert same.json() == {"examined": 6, "active_version": 1, "changed": []}
    assert table_counts(desk.bot.store_url) == counts

    for refused in ({}, {"version": 1, "rules": []}, {"version": 1, "last": 5001}):
        assert (await admin.post("/api/rules/backtest", json=refused)).status_code == 422
    assert (await admin.post("/api/rules/backtest", json={"version": 9})).status_code == 404


async def test_export_and_import_round_trip(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    exported = await admin.get("/api/rules/export")
    assert exported.headers["content-type"] == "application/toml"
    assert exported.headers["content-disposition"] == 'attachment; filename="rules.toml"'
    tables = tomllib.loads(exported.text)
    assert set(tables) == {"routing", "departments", "categories", "rules"}
    settings = desk.app.state.services.settings
    assert canonical_text(tables) == settings.rules_text  # the shipped settings, exactly
    assert check(tables) == settings.rules

    toml = {"Content-Type": "application/toml"}
    again = await admin.post("/api/rules/import", content=exported.content, headers=toml)
    assert again.status_code == 200 and again.json()["version"] == 1
    assert len((await admin.get("/api/rules/versions")).json()) == 1

    edited = exported.text.replace('name = "privacy"', 'name = "personal data"')
    imported = await admin.post("/api/rules/import", content=edited, headers=toml)
    assert imported.status_code == 200, imported.text
    assert (imported.json()["version"], imported.json()["origin"]) == (2, "import")
    assert "personal data" in [rule["name"] for rule in imported.json()["rules"]]
    assert (await admin.get("/api/rules/versions")).json()[0]["note"] == (
        "imported TOML: added 'personal data'; removed 'privacy'"
    )
    assert (await admin.get("/api/rules/export")).text.count('name = "personal data"') == 1

    state = await _state(admin)
    plain = {"Content-Type": "text/plain"}
    for text, reason in [
        ("[routing\n", "not valid TOML"),
        (edited.replace('pattern = """', 'pattern = """(', 1), "bad regular expression"),
        ("[store]\nurl = 'x'\n" + edited, "imported; remove store"),
    ]:
        response = await admin.post("/api/rules/import", content=text, headers=plain)
        assert response.status_code == 422 and reason in response.json()["detail"], response.text
    line = await admin.post(
        "/api/rules/import", content=edited.replace('"legal"', "3", 1), headers=plain
    )
    assert line.status_code == 422 and "imported rules.toml:" in line.json()["detail"]
    json_body = await admin.post("/api/rules/import", json={"rules": []})
    assert json_body.status_code == 415
    assert await _state(admin) == state


async def test_unless_and_unless_negated_are_accepted_returned_and_route(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    rule = {**FLUX, "unless": ["flux capacitor toy"], "unless_negated": True}
    assert (await admin.post("/api/rules", json=rule)).status_code == 201
    stored = next(r for r in (await admin.get("/api/rules")).json()["rules"] if r["name"] == "flux")
    assert (stored["unless"], stored["unless_negated"]) == (["flux capacitor toy"], True)
    privacy = next(
        r for r in (await admin.get("/api/rules")).json()["rules"] if r["name"] == "privacy"
    )
    assert (privacy["unless"], privacy["unless_negated"]) == ([], False)  # defaults shown

    async def flux_step(text: str) -> dict[str, Any]:
        decision = (await admin.post("/api/rules/dry-run", json={"text": text})).json()
        return next(step for step in decision["trace"] if step["rule"] == "flux")

    assert (await flux_step("No flux capacitor here"))["detail"] == (
        "'flux capacitor' negated by 'no'"
    )
    assert (await flux_step("The flux capacitor toy squeaks"))["detail"] == (
        "'flux capacitor' is part of 'flux capacitor toy'"
    )
    assert (await flux_step("The flux capacitor melted"))["matched"]
    exported = tomllib.loads((await admin.get("/api/rules/export")).text)
    flux = next(r for r in exported["rules"] if r["name"] == "flux")
    assert (flux["unless"], flux["unless_negated"]) == (["flux capacitor toy"], True)
