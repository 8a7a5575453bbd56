"""The WeChat Official Account connector (公众号): ``/wechat`` callback, safe mode, exactly-once answers.

Modules, inbound to outbound: ``config`` (settings), ``crypto`` (signatures, AES
envelope on wechatpy), ``parsing`` (defusedxml, then wechatpy), ``callback``
(authenticate a request), ``state`` (claims and dedup, memory or Redis),
``connector`` (the 5-second state machine), ``render`` and ``splitting`` (what is
said, in parts that fit), ``token`` and ``client`` (access_token, customer-service
API), ``router`` (FastAPI), ``logs`` (redaction). See docs/wechat.md.
"""

from .config import WeChatConfig
from .connector import WeChatConnector
from .router import router

__all__ = ["WeChatConfig", "WeChatConnector", "router"]
