from fastapi import APIRouter

from ..deps import ConversationsDep
from ..models import ChatRequest, ChatResponse

router = APIRouter(prefix="/api", tags=["chat"])


@router.post("/chat", response_model=ChatResponse, summary="一轮对话")
async def chat(req: ChatRequest, conversations: ConversationsDep) -> ChatResponse:
    turn = await conversations.turn(req.sender, req.text, req.metadata.model_dump(exclude_none=True))
    return ChatResponse(messages=turn.messages, turn_id=turn.ref)
