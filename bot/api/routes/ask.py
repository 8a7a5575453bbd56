from fastapi import APIRouter

from ..deps import ConversationsDep
from ..models import AskRequest, AskResponse, CitationOut, DetailOut, Intent, RouteOut

router = APIRouter(prefix="/api", tags=["ask"])


@router.post("/ask", response_model=AskResponse, summary="一个问题的结构化回答（与对话同一流程）")
async def ask(req: AskRequest, conversations: ConversationsDep) -> AskResponse:
    turn = await conversations.ask(req.text, req.region)
    intent = Intent(name=turn.intent.get("name"), confidence=turn.intent.get("confidence"))
    routes = [RouteOut(**r) for r in turn.answer_routes]
    last = turn.payloads[-1] if turn.payloads else {}
    question = last.get("question") or {}
    return AskResponse(messages=turn.texts, kind=last.get("kind"), intent=intent, routes=routes,
                       citations=[CitationOut(id=c["id"], law=c["law"], article=c["article"], text=c["text"])
                                  for c in turn.citations],
                       quoted=[q for p in turn.payloads for q in p.get("quoted", [])],
                       details=[DetailOut(title=d.get("title", ""), text=d.get("text", ""))
                                for p in turn.payloads for d in p.get("details") or []],
                       question=question.get("text"), needs_clarification=turn.needs_clarification)
