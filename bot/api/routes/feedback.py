import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ...feedback_checks import was_given_to
from ...privacy import mask_pii
from ..deps import ConversationsDep
from ..models import FeedbackRequest

router = APIRouter(prefix="/api", tags=["feedback"])
CHANNEL = "web"   # the chat's turns: /api/chat returns their ids, and only to their sender
NOT_GIVEN = "找不到这条回答，无法反馈。请对本次对话中收到的回答点赞或点踩。"


@router.post("/feedback", status_code=204, summary="对一条回答点赞或点踩（每人每条回答一票，可改票）",
             responses={404: {"description": "这个 sender 没有收到过这条回答"}})
async def feedback(req: FeedbackRequest, request: Request, conversations: ConversationsDep):
    store = request.app.state.store
    user = conversations.user_hash(req.sender, CHANNEL)
    if not await asyncio.to_thread(was_given_to, store, CHANNEL, user, req.turn_id):
        return JSONResponse({"error": NOT_GIVEN}, status_code=404)
    comment = mask_pii(req.comment) if req.comment else None
    await asyncio.to_thread(store.record_feedback, CHANNEL, user, req.turn_id, req.rating, comment)
    return Response(status_code=204)
