"""The web chat: the standalone page at ``/`` and the embeddable ``/widget.js``.

``pages`` holds the routes, ``assets`` the static files (loaded on first request,
never at import), ``headers`` the security and caching headers. The browser code
lives in ``static/``; ``static/js/`` parts are joined into the one ``widget.js``
so a single ``<script>`` tag embeds the widget.
"""

from .pages import router

__all__ = ["router"]
