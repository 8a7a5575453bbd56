"""Signatures and the safe-mode envelope, on top of wechatpy.

wechatpy supplies the SHA1 signer (``WeChatSigner``), the AES-256-CBC cipher with
WeChat's IV (the first 16 key bytes) and the envelope layout. What it lacks, and
this module adds:

* constant-time signature comparison (wechatpy compares with ``!=``);
* strict decryption: wechatpy 1.8.18 strips whatever padding the last byte claims
  and slices by an unchecked length, so a wrong key can yield garbage instead of an
  error. Here the PKCS#7 padding (WeChat pads to 32-byte blocks), the length field
  and the UTF-8 are all checked, and the AppID is compared in constant time;
* a CSPRNG for the 16 random prefix bytes (wechatpy uses ``random``);
* several keys: the current EncodingAESKey and the previous one during rotation.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import struct
import time
from dataclasses import dataclass

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import WeChatSigner


class DecryptError(Exception):
    """The ciphertext does not decrypt to a well-formed WeChat envelope under this key."""


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_ok(expected_parts: tuple[str, ...], signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(sign(*expected_parts), signature.strip().lower())


class StrictPrpCrypto(PrpCrypto):
    """wechatpy's PrpCrypto with checked decryption and a CSPRNG prefix."""

    def get_random_string(self) -> str:
        return secrets.token_hex(8)  # 16 ASCII characters = the 16 random bytes of the format

    def decrypt(self, text, app_id):  # type: ignore[override]
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("not base64") from None
        if not raw or len(raw) % 16:
            raise DecryptError("not whole AES blocks")
        plain = self.cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise DecryptError("too short")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise DecryptError("bad length")
        try:
            xml = content[4:4 + length].decode("utf-8")
            from_id = content[4 + length:].decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("not UTF-8") from None
        if not hmac.compare_digest(from_id.encode(), app_id.encode()):
            raise InvalidAppIdException()
        return xml


@dataclass(frozen=True)
class Decrypted:
    xml: str
    key_index: int  # 0 = current key, 1 = previous key


class MessageCrypto:
    """Safe mode for one account: decrypt with the current key, then the previous one; encrypt replies."""

    def __init__(self, token: str, app_id: str, aes_keys: tuple[str, ...]) -> None:
        if not aes_keys:
            raise ValueError("MessageCrypto needs at least one EncodingAESKey")
        self.token, self.app_id = token, app_id
        self._cryptos = [WeChatCrypto(token, key, app_id) for key in aes_keys]

    def check_msg_signature(self, msg_signature: str | None, timestamp: str, nonce: str, encrypt: str) -> bool:
        return signature_ok((self.token, timestamp, nonce, encrypt), msg_signature)

    def decrypt(self, encrypt: str) -> Decrypted:
        """Raises DecryptError when no key fits, InvalidAppIdException when a key fits but the AppID is another's."""
        wrong_app = False
        for index, crypto in enumerate(self._cryptos):
            try:
                return Decrypted(StrictPrpCrypto(crypto.key).decrypt(encrypt, self.app_id), index)
            except InvalidAppIdException:
                wrong_app = True
            except DecryptError:
                continue
        if wrong_app:
            raise InvalidAppIdException()
        raise DecryptError("no configured EncodingAESKey decrypts this message")

    def encrypt_reply(self, xml: str, nonce: str, key_index: int = 0, timestamp: str | None = None) -> str:
        """The reply envelope, encrypted with the key the message came with (see docs/wechat.md)."""
        crypto = self._cryptos[min(key_index, len(self._cryptos) - 1)]
        # _encrypt_message is wechatpy's envelope writer; passing our crypto class keeps its format
        # and signature while using the CSPRNG prefix.
        return crypto._encrypt_message(xml, nonce, timestamp or str(int(time.time())), StrictPrpCrypto)
