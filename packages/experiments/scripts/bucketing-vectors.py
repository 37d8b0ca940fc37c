#!/usr/bin/env python3
"""Writes test/fixtures/bucketing-vectors.json: the bucketing of lakeops experiments, computed
independently of the TypeScript code (Python's hashlib), so any language can check itself.

    bucket  = int.from_bytes(sha256(f"{salt}:{key}:{unit}".encode("utf-8")).digest()[:8], "big") % 10000
    ranges  = variant i owns [start_i, start_i + floor(w_i * a / 10000)), start_i = sum(w[:i])
              (w = weights in basis points, summing to 10000; a = allocation in basis points)

Run from the package folder, then let Biome format it (the test compares data, not bytes):
    python3 scripts/bucketing-vectors.py > test/fixtures/bucketing-vectors.json
    npx biome format --write test/fixtures/bucketing-vectors.json
"""
import hashlib
import json

CONFIGS = [
    {"salt": "s1", "key": "checkout-cta", "variants": ["control", "treatment"], "weights_bp": [5000, 5000], "allocation_bp": 10000},
    {"salt": "2026-q4", "key": "search_rank", "variants": ["control", "treatment"], "weights_bp": [1000, 9000], "allocation_bp": 10000},
    {"salt": "abc", "key": "pricing-v3", "variants": ["control", "a", "b"], "weights_bp": [3334, 3333, 3333], "allocation_bp": 2550},
]
UNITS = [f"u_{i}" for i in range(300)] + [
    "", "anon:7f3e2a", "Zoë", "用户-42", "a" * 55, "b" * 56, "c" * 64, "d" * 200, "user with spaces", "x:y:z",
]


def bucket(salt, key, unit):
    digest = hashlib.sha256(f"{salt}:{key}:{unit}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 10000, digest.hex()


def variant(cfg, b):
    start = 0
    for name, w in zip(cfg["variants"], cfg["weights_bp"]):
        end = start + (w * cfg["allocation_bp"]) // 10000
        if start <= b < end:
            return name
        start += w
    return None


vectors = []
for cfg in CONFIGS:
    for unit in UNITS:
        b, hexdigest = bucket(cfg["salt"], cfg["key"], unit)
        vectors.append({"salt": cfg["salt"], "key": cfg["key"], "unit": unit, "sha256": hexdigest, "bucket": b, "variant": variant(cfg, b)})

print(json.dumps({"generator": "scripts/bucketing-vectors.py (Python hashlib)", "configs": CONFIGS, "vectors": vectors}, ensure_ascii=False, indent=2))
