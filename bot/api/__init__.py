"""HTTP API: one router per noun, included here."""

from fastapi import APIRouter

from .routes import analytics, ask, chat, feedback, health, staff

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(chat.router)
api_router.include_router(ask.router)
api_router.include_router(feedback.router)
api_router.include_router(staff.router)
api_router.include_router(analytics.router)
