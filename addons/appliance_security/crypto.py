# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""AES-GCM encryption and keyed blind index of single values.

The keys come from the environment (APPLIANCE_FIELD_KEY, and
APPLIANCE_FIELD_KEY_PREVIOUS during a rotation) or from the configuration
([appliance_security] field_key and field_key_previous), never from the
database.  A key is 32 random bytes written in base64.

A ciphertext is ``enc1$<key id>$<base64 of nonce, ciphertext and tag>``: the
key id tells which key encrypted it, so a rotation knows what is left to do.
"""
import base64
import binascii
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import trytond.config as config

SECTION = 'appliance_security'
ENV_KEY = 'APPLIANCE_FIELD_KEY'
ENV_KEY_PREVIOUS = 'APPLIANCE_FIELD_KEY_PREVIOUS'
PREFIX = 'enc1'
SEP = '$'
NONCE_SIZE = 12
# The blind index keeps 128 bits of the HMAC-SHA256
INDEX_SIZE = 16


class FieldKeyError(Exception):
    """The field key is missing, malformed or does not decrypt a value

    code names the message (msg_field_key_<code>) and params its values."""

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


class FieldKey:
    __slots__ = ('id', 'aead', 'index_key')

    def __init__(self, raw):
        if len(raw) != 32:
            raise FieldKeyError('invalid',
                "A field key must be 32 bytes written in base64.")
        self.id = hashlib.sha256(
            b'appliance-field-key-id:' + raw).hexdigest()[:8]
        self.aead = AESGCM(raw)
        # Encryption and blind index use different keys derived from it
        self.index_key = hmac.new(
            raw, b'appliance-blind-index', hashlib.sha256).digest()

    def encrypt(self, value, aad):
        nonce = os.urandom(NONCE_SIZE)
        data = self.aead.encrypt(nonce, value.encode('utf-8'), aad)
        return SEP.join([
                PREFIX, self.id,
                base64.b64encode(nonce + data).decode('ascii')])

    def decrypt(self, blob, aad):
        return self.aead.decrypt(
            blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad).decode('utf-8')

    def blind_index(self, value, kind):
        digest = hmac.new(
            self.index_key, f'{kind}\0{value}'.encode('utf-8'),
            hashlib.sha256).digest()
        return digest[:INDEX_SIZE].hex()


def generate_key():
    "Return a new random key written in base64"
    return base64.b64encode(os.urandom(32)).decode('ascii')


@functools.lru_cache(maxsize=16)
def _parse(text):
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise FieldKeyError('invalid',
            "A field key must be 32 bytes written in base64.") from None
    return FieldKey(raw)


def _setting(env, option):
    value = os.environ.get(env)
    if not value:
        value = config.get(SECTION, option, default='')
    return value or ''


def current_key():
    "Return the key that encrypts, or raise FieldKeyError"
    text = _setting(ENV_KEY, 'field_key')
    if not text:
        raise FieldKeyError('missing',
            "No key to encrypt the customers' personal data: set "
            f"{ENV_KEY} in the environment or [{SECTION}] field_key in the "
            "configuration (32 random bytes in base64).")
    return _parse(text)


def previous_keys():
    "Return the keys that still decrypt during a rotation"
    text = _setting(ENV_KEY_PREVIOUS, 'field_key_previous')
    current = current_key()
    keys = []
    for item in text.replace(',', ' ').split():
        key = _parse(item)
        if key.id != current.id:
            keys.append(key)
    return keys


def all_keys():
    return [current_key(), *previous_keys()]


def is_encrypted(value):
    return bool(value) and value.startswith(PREFIX + SEP)


def key_id(value):
    "Return the id of the key that encrypted value or None if it is plain"
    if not is_encrypted(value):
        return None
    return value.split(SEP, 2)[1]


def encrypt(value, aad):
    "Return the ciphertext of the string value bound to aad (bytes)"
    if value is None:
        return None
    return current_key().encrypt(value, aad)


def decrypt(value, aad):
    """Return the clear text of value

    A value without the prefix is a plain value written before the
    encryption: it is returned as it is until the migration encrypts it."""
    if not value:
        return value
    if not is_encrypted(value):
        return value
    try:
        _, kid, data = value.split(SEP, 2)
        blob = base64.b64decode(data)
    except (ValueError, binascii.Error):
        raise FieldKeyError('damaged',
            "A stored ciphertext is damaged.") from None
    for key in all_keys():
        if key.id == kid:
            try:
                return key.decrypt(blob, aad)
            except InvalidTag:
                raise FieldKeyError('damaged',
                    "A stored ciphertext does not match its key.") from None
    raise FieldKeyError('unknown',
        f"The key {kid} that encrypted the customers' personal data is not "
        f"configured: give it as {ENV_KEY_PREVIOUS} or [{SECTION}] "
        "field_key_previous.", key=kid)


def blind_index(value, kind):
    "Return the blind index of the normalised value with the current key"
    if not value:
        return None
    return current_key().blind_index(value, kind)


def blind_indexes(value, kind):
    "Return the blind indexes of value under every configured key"
    if not value:
        return []
    return [k.blind_index(value, kind) for k in all_keys()]
