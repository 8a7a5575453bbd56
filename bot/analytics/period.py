"""What a dashboard query covers: a period of days in China time, a channel, a region.

Days are China Standard Time (UTC+8 all year, no daylight saving), the offices' own calendar;
``turns.created_at`` is UTC. The desk's route finder records its lookups under the channel
``staff``: officers' lookups are not citizens' questions, so no figure ever counts them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
STAFF_CHANNEL = "staff"
CHANNEL_NAMES = {"web": "网页", "wechat": "微信公众号", "api": "接口（/api/ask）"}
CITIZEN_CHANNELS = tuple(CHANNEL_NAMES)
MAX_DAYS = 366
DEFAULT_DAYS = 7
REGION = re.compile(r"^[0-9A-Za-z_\-\u4e00-\u9fff]{1,32}$")


class FilterError(ValueError):
    """Filters a person asked for and cannot have: the message is Chinese and shown as is."""


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


@dataclass(frozen=True)
class Filters:
    """Days ``start`` (inclusive) to ``end`` (exclusive); optionally one channel and one region."""

    start: dt.date
    end: dt.date
    channel: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise FilterError("结束日期应晚于开始日期（统计区间含开始日，不含结束日）。")
        if (self.end - self.start).days > MAX_DAYS:
            raise FilterError(f"统计区间最长 {MAX_DAYS} 天。")
        if self.channel is not None and self.channel not in CHANNEL_NAMES:
            raise FilterError("渠道应为 " + "、".join(CHANNEL_NAMES) + " 之一。")
        if self.region is not None and not REGION.match(self.region):
            raise FilterError("地区应为地区代码（如 350206）或地名（如 湖里区）。")

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, channel: str | None = None, region: str | None = None,
                  until: dt.date | None = None) -> Filters:
        """The ``days`` days up to and including today (or up to ``until``, exclusive)."""
        end = until or today() + dt.timedelta(days=1)
        return cls(end - dt.timedelta(days=days), end, channel, region)

    @classmethod
    def parse(cls, start: str | None, end: str | None, channel: str | None = None,
              region: str | None = None) -> Filters:
        """From the query string: ISO dates, either may be missing (the last seven days by default)."""
        try:
            until = dt.date.fromisoformat(end) if end else None
            since = dt.date.fromisoformat(start) if start else None
        except ValueError:
            raise FilterError("日期应写成 2026-05-01 这样的形式。") from None
        channel, region = channel or None, region or None
        if since is None:
            return cls.last_days(DEFAULT_DAYS, channel, region, until)
        return cls(since, until or max(today() + dt.timedelta(days=1), since + dt.timedelta(days=1)),
                   channel, region)

    @property
    def start_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), CHINA).astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), CHINA).astimezone(dt.UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def as_dict(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "channel": self.channel,
                "region": self.region}
