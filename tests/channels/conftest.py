"""Fixtures shared by the WeChat tests: the simulated WeChat API server on loopback."""

import pytest

from tests.channels.fake_wechat import APP_ID, FakeWeChat, ServerThread


@pytest.fixture(scope="module")
def fake():
    fake = FakeWeChat(APP_ID, "fake-app-secret")
    with ServerThread(fake.app) as url:
        fake.url = url
        yield fake
