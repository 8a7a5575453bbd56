from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="进程存活")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="Rasa、动作服务和索引都就绪时返回 200")
async def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    checks = {"rasa": await state.rasa.ready(), "actions": await state.readiness.actions(),
              "index": state.readiness.index()}
    # Channels are reported, not required: a disabled WeChat connector does not make the service unready.
    wechat = getattr(state, "wechat", None)
    channels = {"wechat": wechat.info() if wechat is not None else {"enabled": False}}
    return JSONResponse({"ready": all(checks.values()), "checks": checks, "channels": channels},
                        status_code=200 if all(checks.values()) else 503)
