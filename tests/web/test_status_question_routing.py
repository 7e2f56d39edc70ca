"""A customer with no open complaint who only asks for news, through the real webhook: the
router finds no complaint in it (router.content), so it waits for a person with the default
category, department and grade and the needs-triage tag, not the model's guess."""

from __future__ import annotations

from tests.web.conftest import Desk

QUESTIONS = ("我的投诉有消息了吗？", "¿Hay alguna novedad?", "我的投訴有進展了嗎？", "any news?")


async def test_a_bare_status_question_is_routed_by_default_and_tagged(desk: Desk) -> None:
    root = await desk.account("Root", role="admin", departments=())
    for index, text in enumerate(QUESTIONS):
        answer = await desk.complain(text, customer=f"asker-{index}")
        assert (answer["category"], answer["grade"]) == ("other", "general"), (text, answer)
        shown = (await root.get(f"/api/complaints/{answer['complaint']}")).json()["complaint"]
        assert "needs-triage" in shown["tags"], (text, shown)
        assert shown["department"] == answer["department"]
