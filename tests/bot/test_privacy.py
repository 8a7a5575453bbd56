import pytest

from bot.privacy import hash_user_id, mask_pii

CASES = [
    ("我身份证号是11010519491231002X，帮我查查", "我身份证号是[身份证号]，帮我查查"),
    ("电话13812345678找我", "电话[手机号]找我"),
    ("卡号 6222 0212 3456 7890 123 工资没到", "卡号 [银行卡号] 工资没到"),
    ("座机010-88886666", "座机[电话号码]"),
    ("邮箱 a.b@example.com", "邮箱 [邮箱]"),
    ("我10月8日收到处理意见，复查最晚哪天", "我10月8日收到处理意见，复查最晚哪天"),  # dates survive
    ("拨打12345或者12348咨询", "拨打12345或者12348咨询"),                        # hotlines survive
]


@pytest.mark.parametrize("raw,masked", CASES)
def test_masks_personal_information(raw, masked):
    assert mask_pii(raw) == masked


def test_user_ids_are_keyed_hashes():
    a = hash_user_id("openid-123", "key-1")
    assert a == hash_user_id("openid-123", "key-1") and "openid-123" not in a
    assert a != hash_user_id("openid-123", "key-2") and a != hash_user_id("openid-124", "key-1")
