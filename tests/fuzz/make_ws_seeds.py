#!/usr/bin/env python3
# Writes the seeds of fuzz_ws_handshake into corpus/fuzz_ws_handshake/: upgrade requests
# (good and refused) followed by masked client frames. The seeds are committed; run this
# again only to change them.
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "fuzz_ws_handshake")
os.makedirs(out, exist_ok=True)


def request(target="/v1/connect", host="127.0.0.1", origin="https://app.example.com", extra=""):
    r = (f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
    if origin is not None:
        r += f"Origin: {origin}\r\n"
    return (r + extra + "\r\n").encode()


def frame(opcode, payload, fin=True, length=None):
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n <= 0xFFFF:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    mask = b"\x12\x34\x56\x78"
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


close = frame(0x8, struct.pack(">H", 1000) + b"bye")
seeds = {
    "binary_echo": request() + frame(0x2, b"hello") + close,
    "no_origin": request(origin=None) + frame(0x2, b"\x00\x01\x02") + close,
    "text": request() + frame(0x1, b"text is refused"),
    "fragmented": request() + frame(0x2, b"a" * 100, fin=False) + frame(0x0, b"b" * 100) + close,
    "too_big": request() + frame(0x2, b"x" * 5000),
    "huge_length": request() + frame(0x2, b"x" * 16, length=1 << 40),
    "ping_pong": request() + frame(0x9, b"p") + frame(0xA, b"q") + frame(0x2, b"after") + close,
    "bad_opcode": request() + frame(0x3, b"reserved"),
    "unmasked": request() + b"\x82\x03abc",
    "query_token": request(target="/v1/connect?token=secret"),
    "wrong_path": request(target="/v1/other"),
    "bad_host": request(host="evil.example.com"),
    "bad_origin": request(origin="https://evil.example.com"),
    "not_upgrade": b"GET /v1/connect HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "bad_version": request(extra="").replace(b"Version: 13", b"Version: 8"),
    "with_body": request(extra="Content-Length: 5\r\n") + b"hello",
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
