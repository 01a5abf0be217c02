#!/usr/bin/env python3
"""Writes e2e_v1_kat.json: known answers for Breakwater's end-to-end protocol v1
(docs/protocol.md §2-§4), computed here independently of the C++ library: HKDF and HMAC
from Python's standard library, X25519 and AES-256-GCM from pyca/cryptography.

Any implementation (the C++ libs/e2e, the web client later) must reproduce every value from
the fixed inputs. Run: python3 libs/e2e/testdata/make_kat.py > libs/e2e/testdata/e2e_v1_kat.json
"""
import hashlib
import hmac
import json
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def hkdf(ikm, salt, info, length=32):
    prk = hmac.new(salt if salt else b"\x00" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def u64(v):
    return struct.pack(">Q", v)


def padded_size(n):
    if n <= 4096:
        return max(256, (n + 255) // 256 * 256)
    size = 4096
    while size < n:
        size *= 2
    return size


def inner(kind, body, previous=None):
    flags = 0
    out = bytes([kind])
    if previous is not None:
        flags = 0x01 | (0x02 if previous["unclean"] else 0)
    out += bytes([flags])
    if previous is not None:
        out += u64(previous["n"]) + u64(previous["last_seq"])
    out += struct.pack(">I", len(body)) + body
    return out + b"\x00" * (padded_size(len(out)) - len(out))


def header(sender, recipient, n, r, seq, nonce, sent_at, kind):
    return bytes([1]) + sender + recipient + u64(n) + u64(r) + u64(seq) + nonce + u64(sent_at) + bytes([kind])


def main():
    h = bytes.fromhex
    inputs = {
        "tenant": h("0102030405060708090a0b0c0d0e0f10"),
        "pairing_id": h("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"),
        "agent_device": h("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"),
        "client_device": h("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"),
        "client_user": h("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"),
        "role": 3,
        "agent_private": h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
        "client_private": h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
        "s": h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
    }
    a = X25519PrivateKey.from_private_bytes(inputs["agent_private"])
    c = X25519PrivateKey.from_private_bytes(inputs["client_private"])
    A = a.public_key().public_bytes_raw()
    C = c.public_key().public_bytes_raw()
    T = (b"bw/v1/pair" + b"\x01" + inputs["tenant"] + inputs["pairing_id"] + inputs["agent_device"]
         + inputs["client_device"] + inputs["client_user"] + bytes([inputs["role"]]) + A + C)
    ss = a.exchange(c.public_key())
    assert ss == c.exchange(a.public_key())
    rk = hkdf(ss, inputs["s"], T)
    sas_bytes = hkdf(rk, b"", b"bw/v1/sas" + T)
    sas = int.from_bytes(sas_bytes, "big") % 1000000
    ck0 = {d: hkdf(rk, b"", b"bw/v1/chain" + d.encode()) for d in ("a2c", "c2a")}

    def chain(d, n):
        ck = ck0[d]
        for _ in range(n):
            ck = hkdf(ck, b"", b"bw/v1/next")
        return ck

    def traffic(d, n, r):
        return hkdf(chain(d, n), u64(r), b"bw/v1/msg" + d.encode() + inputs["pairing_id"])

    messages = []

    def message(d, n, r, seq, nonce, sent_at, kind, body, previous=None):
        sender, recipient = ((inputs["agent_device"], inputs["client_device"]) if d == "a2c"
                             else (inputs["client_device"], inputs["agent_device"]))
        hdr = header(sender, recipient, n, r, seq, nonce, sent_at, kind)
        key = traffic(d, n, r)
        iv = b"\x00" * 4 + u64(seq)
        pt = inner(kind, body, previous)
        ct = AESGCM(key).encrypt(iv, pt, hdr)
        messages.append({
            "direction": d, "n": n, "r": r, "seq": seq, "nonce": nonce.hex(), "sent_at_ms": sent_at, "kind": kind,
            "previous": previous, "body": body.hex(), "chain_key": chain(d, n).hex(), "traffic_key": key.hex(),
            "iv": iv.hex(), "header": hdr.hex(), "plaintext": pt.hex(), "envelope": (hdr + ct).hex(),
        })

    r1 = 0x1122334455667788
    message("c2a", 1, r1, 1, h("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), 1800000000000, 4, b"list the files in src/")
    message("c2a", 1, r1, 2, h("e0e1e2e3e4e5e6e7e8e9eaebecedeeef"), 1800000000500, 7,
            b'{"request":"0123456789abcdef","decision":"allow"}')
    message("a2c", 1, 0x0102030405060708, 1, h("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"), 1800000001000, 8, b"x" * 300)
    message("c2a", 3, 0x99aabbccddeeff00, 1, h("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"), 1800000002000, 10,
            u64(1) + u64(2), {"n": 1, "last_seq": 2, "unclean": True})
    message("a2c", 2, 0x5555666677778888, 1, h("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"), 1800000003000, 8, b"y" * 5000,
            {"n": 1, "last_seq": 1, "unclean": False})

    out = {
        "description": "Breakwater end-to-end protocol v1 known answers (docs/protocol.md). Generated by "
                       "libs/e2e/testdata/make_kat.py: HKDF/HMAC from Python's standard library, X25519 and "
                       "AES-256-GCM from pyca/cryptography. All byte strings are hex.",
        "inputs": {k: (v.hex() if isinstance(v, bytes) else v) for k, v in inputs.items()},
        "agent_public": A.hex(), "client_public": C.hex(), "transcript": T.hex(), "shared_secret": ss.hex(),
        "root_key": rk.hex(), "client_proof": hmac.new(rk, b"client" + T, hashlib.sha256).hexdigest(),
        "agent_proof": hmac.new(rk, b"agent" + T, hashlib.sha256).hexdigest(), "sas": "%06d" % sas,
        "chain_key_0": {d: ck0[d].hex() for d in ck0}, "chain_key_1": {d: chain(d, 1).hex() for d in ck0},
        "messages": messages,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
