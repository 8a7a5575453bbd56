"""The publicity teams' 晴雨表 (issue 18): what citizens ask, what the assistant cannot answer.

Reads the ``turns`` and ``feedback`` tables ``bot.store`` writes; imports no web framework (the API
and the page are ``bot/api/routes/analytics.py``). Every figure leaves here through
``suppression``: a cell with fewer than ``ANALYTICS_MIN_COUNT`` distinct senders is never shown.

  answers.py      the answer categories and the one mapping from the actions' reply kinds
  period.py       the filters of a query: period (China time), channel, region
  suppression.py  small counts merged into 「其他」, with the secondary suppression
  queries.py      the dashboard's aggregates, computed in the database
  sql.py          what SQLite and PostgreSQL write differently (local days, JSON list items)
  export.py       the tables as CSV (UTF-8 with BOM)
  retention.py    purge (ANALYTICS_RETENTION_DAYS) and erasure of one sender
  bench.py        synthetic events and query timings (`xinfang bench analytics`)
  simulate.py     demo data through the real /api/chat (`xinfang analytics simulate`)
  assets.py, static/   the page /analytics (tables only; served by bot/api/routes/analytics.py)
"""
