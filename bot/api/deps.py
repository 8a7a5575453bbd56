"""Dependencies as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from common.settings import Settings

from ..conversation import Conversations


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_conversations(request: Request) -> Conversations:
    return request.app.state.conversations


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ConversationsDep = Annotated[Conversations, Depends(get_conversations)]
