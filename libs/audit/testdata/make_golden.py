#!/usr/bin/env python3
"""Independent implementation of the audit encodings (docs/protocol.md §8), written from the
documented layout, sharing no code with the C++: prints the canonical encoding and leaf hash of one sample event and
the 86 signed bytes, signature and key id of one checkpoint. tests/event_codec_test.cpp and
tests/checkpoint_test.cpp hold its output; rerun it to recheck. Needs pyca/cryptography."""
import hashlib
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def field(b: bytes) -> bytes:
    return struct.pack(">H", len(b)) + b


def encode_event(e) -> bytes:
    out = bytes([1]) + e["event_id"] + e["tenant"] + struct.pack(">Q", e["time_ms"])
    out += bytes([e["actor_kind"]]) + field(e["actor_id"]) + field(e["actor_name"].encode())
    out += field(e["action"].encode()) + field(e["target_type"].encode()) + field(e["target_id"])
    out += bytes([e["result"]]) + field(e["source_address"])
    attrs = sorted((k.encode(), v.encode()) for k, v in e["attributes"].items())
    out += struct.pack(">H", len(attrs)) + b"".join(field(k) + field(v) for k, v in attrs)
    return out + field(e["producer"].encode())


EVENT = {
    "event_id": bytes(range(0x00, 0x10)),
    "tenant": bytes(range(0x10, 0x20)),
    "time_ms": 1767225600123,  # 2026-01-01T00:00:00.123Z
    "actor_kind": 1,  # USER
    "actor_id": bytes(range(0x20, 0x30)),
    "actor_name": "",
    "action": "auth.login",
    "target_type": "user",
    "target_id": bytes(range(0x20, 0x30)),
    "result": 1,  # SUCCESS
    "source_address": bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 1]),
    "attributes": {"reason": "ok", "method": "password", "client": "cli 1.0 \u00e9"},
    "producer": "auth",
}

SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 test 1

enc = encode_event(EVENT)
print("event_encoding", enc.hex())
print("event_leaf_hash", hashlib.sha256(b"\x00" + enc).hexdigest())

root = hashlib.sha256(b"\x00" + enc).digest()  # the tree of size 1 holding that event
body = b"bw/v1/audit/checkpoint" + EVENT["tenant"] + struct.pack(">Q", 1) + root + struct.pack(">Q", 1767225660000)
assert len(body) == 86
key = Ed25519PrivateKey.from_private_bytes(SEED)
pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
print("checkpoint_signed_bytes", body.hex())
print("checkpoint_signature", key.sign(body).hex())
print("public_key", pub.hex())
print("key_id", hashlib.sha256(pub).digest()[:8].hex())
