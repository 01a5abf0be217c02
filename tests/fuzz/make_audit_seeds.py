#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_audit (corpus/fuzz_audit/): one input per mode of
fuzz_audit.cpp, built from libs/audit's golden event and RFC 6962 vectors."""
import json
import os
import struct
import hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
AUDIT = os.path.join(HERE, "..", "..", "libs", "audit", "testdata")
OUT = os.path.join(HERE, "corpus", "fuzz_audit")
EVENT = bytes.fromhex(
    "01000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0000019b76daa87b010010202122232425262728"
    "292a2b2c2d2e2f0000000a617574682e6c6f67696e0004757365720010202122232425262728292a2b2c2d2e2f01001000000000"
    "000000000000ffffc000020100030006636c69656e74000a636c6920312e3020c3a900066d6574686f64000870617373776f7264"
    "0006726561736f6e00026f6b000461757468")


def chunks(*parts: bytes) -> bytes:
    return b"".join(bytes([len(p)]) + p for p in parts)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    v = json.load(open(os.path.join(AUDIT, "rfc6962_merkle.json")))
    leaves = [hashlib.sha256(b"\0" + bytes.fromhex(x)).digest() for x in v["leaves_hex"]]
    roots = {r["tree_size"]: bytes.fromhex(r["root"]) for r in v["roots"]}
    inc = next(c for c in v["inclusion"] if c["leaf_index"] == 5 and c["tree_size"] == 8)
    con = next(c for c in v["consistency"] if c["first"] == 3 and c["second"] == 7)
    seeds = {
        "event": b"\x00" + EVENT,
        "inclusion_5_of_8": b"\x01" + struct.pack(">QQ", 5, 8)
        + chunks(leaves[5], roots[8], *[bytes.fromhex(h) for h in inc["path"]]),
        "consistency_3_7": b"\x02" + struct.pack(">QQ", 3, 7)
        + chunks(roots[3], roots[7], *[bytes.fromhex(h) for h in con["proof"]]),
        "generation": bytes([3, 2, 200, 77, 130, 1]),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
