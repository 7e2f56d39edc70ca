"""The state of customers' Telegram chats (the guided intake's progress)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from store.models import ChatState


def chat_state(session: Session, *, chat_id: int) -> ChatState | None:
    return session.get(ChatState, chat_id)


def chat_state_to_change(session: Session, *, chat_id: int) -> ChatState:
    """The chat's state, created (and added to the transaction) when the chat is new."""
    state = session.get(ChatState, chat_id)
    if state is None:
        state = ChatState(chat_id=chat_id, asked=[])
        session.add(state)
    return state


def chats(session: Session, *, chat_ids: Sequence[int]) -> list[ChatState]:
    return list(session.exec(select(ChatState).where(col(ChatState.chat_id).in_(chat_ids))))


def forget_chats(session: Session, *, chat_ids: Sequence[int]) -> int:
    """Delete the state of these chats; how many there were."""
    found = chats(session, chat_ids=chat_ids)
    for chat in found:
        session.delete(chat)
    return len(found)
