"""A complaint number a customer typed full-width or in lower case (Chinese input methods type
digits full-width) names their complaint by webhook too: in the text, and in the `complaint`
field a form fills from what the customer typed."""

from __future__ import annotations

from typing import Any

from tests.channels.test_webhook import complaint, post, table_counts

_FULL_WIDTH = str.maketrans("C-0123456789", "Ｃ－０１２３４５６７８９")


async def test_a_full_width_number_in_the_text_or_the_field_joins_the_complaint(
    start_bot: Any,
) -> None:
    bot = await start_bot()
    number = (await post(bot, complaint("n-1", "我的洗衣机漏水了。"))).json()["complaint"]
    typed = number.translate(_FULL_WIDTH)
    in_text = await post(bot, complaint("n-2", f"关于投诉{typed}：还是没有人联系我。"))
    in_field = await post(bot, complaint("n-3", "师傅没有来。", complaint=typed))
    lower = await post(bot, complaint("n-4", "还是漏水。", complaint=f" {number.lower()} "))
    assert [r.status_code for r in (in_text, in_field, lower)] == [202, 202, 202]
    assert {r.json()["complaint"] for r in (in_text, in_field, lower)} == {number}
    assert table_counts(bot.store_url)["complaints"] == 1


async def test_a_field_that_is_no_number_is_still_refused(start_bot: Any) -> None:
    bot = await start_bot()
    refused = await post(bot, complaint("n-1", "我的洗衣机漏水了。", complaint="投诉七号"))
    assert refused.status_code == 422
    assert table_counts(bot.store_url)["complaints"] == 0
