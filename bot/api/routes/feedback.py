import asyncio

from fastapi import APIRouter, Request, Response

from ...privacy import mask_pii
from ..deps import ConversationsDep
from ..models import FeedbackRequest

router = APIRouter(prefix="/api", tags=["feedback"])


@router.post("/feedback", status_code=204, summary="对一条回答点赞或点踩（每人每条回答一票，可改票）")
async def feedback(req: FeedbackRequest, request: Request, conversations: ConversationsDep):
    store = request.app.state.store
    user = conversations.user_hash(req.sender, "web")
    comment = mask_pii(req.comment) if req.comment else None
    await asyncio.to_thread(store.record_feedback, "web", user, req.turn_id, req.rating, comment)
    return Response(status_code=204)
