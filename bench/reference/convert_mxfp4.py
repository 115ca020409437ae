#!/usr/bin/env python3
"""Independent numpy reference for `fastcontext checkpoint convert-mxfp4` (bench only).

Written from the format description (shared/protocol/checkpoints.md), not from the TypeScript
code: whole-array numpy per expert, E2M1 by comparisons against the rounding midpoints with
ties to the even code, E8M0 scales by either rule. It writes the .safetensors files (and the
index of a sharded source) with the same header layout as the TypeScript writer (compact JSON,
__metadata__ first, dtype alignment then name order, space padding), so outputs can be compared
byte for byte.

usage: convert_mxfp4.py SRC DST [--scale-rule round-up|ocp]
"""
import argparse
import json
import os
import re
import struct

import numpy as np

EXPERT = re.compile(r"(?:^|\.)mlp\.experts\.(?:gate_up_proj|down_proj)$")
BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8,
        "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
        "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return 8 + n, header


def nbytes(dtype, shape):
    return int(np.prod(shape, dtype=np.int64)) * BITS[dtype] // 8


def scale_bytes(amax, rule):
    if rule == "round-up":
        d = (amax.astype(np.float32) / np.float32(6.0)).view(np.uint32).astype(np.uint64)
        return (((d + 0x7FFFFF) & 0x7F800000) >> 23).astype(np.uint8)
    mant, exp = np.frexp(amax)
    floor_log2 = np.where(amax == 0, -126, exp - 1)
    shared = np.clip(floor_log2 - 2, -127, 127)
    return (shared + 127).astype(np.uint8)


def quantize(x, rule):
    """x: float64 [rows_out, groups, 32] -> (blocks uint8 [rows_out, groups, 16], scales uint8)."""
    amax = np.abs(x).max(axis=-1)
    scales = scale_bytes(amax, rule)
    scaled = x * np.exp2(127.0 - scales.astype(np.float64))[..., None]
    m = np.abs(scaled)
    code = ((m > 0.25).astype(np.uint8) + (m >= 0.75) + (m > 1.25) + (m >= 1.75) + (m > 2.5) + (m >= 3.5) + (m > 5))
    code = code.astype(np.uint8) | (np.signbit(scaled).astype(np.uint8) << 3)
    blocks = code[..., 0::2] | (code[..., 1::2] << 4)
    return blocks.astype(np.uint8), scales


def convert_file(src, dst, rule):
    data_start, header = read_header(src)
    meta = dict(header.pop("__metadata__", {}) or {})
    meta.setdefault("format", "pt")
    specs = []
    for name, t in header.items():
        if EXPERT.search(name):
            e, rows, cols = t["shape"]
            g = rows // 32
            specs.append((name + "_blocks", "U8", [e, cols, g, 16]))
            specs.append((name + "_scales", "U8", [e, cols, g]))
        else:
            specs.append((name, t["dtype"], t["shape"]))
    specs.sort(key=lambda s: (-max(1, BITS[s[1]] // 8), s[0]))
    entries = ['"__metadata__":' + json.dumps(meta, separators=(",", ":"), ensure_ascii=False)]
    offsets = {}
    cursor = 0
    for name, dtype, shape in specs:
        size = nbytes(dtype, shape)
        entries.append(json.dumps(name, ensure_ascii=False) + ':{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}'
                       % (dtype, ",".join(str(d) for d in shape), cursor, cursor + size))
        offsets[name] = cursor
        cursor += size
    text = ("{" + ",".join(entries) + "}").encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    base = 8 + len(text)
    with open(dst, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        out.truncate(base + cursor)
    with open(src, "rb") as f, open(dst, "r+b") as out:
        for name, t in header.items():
            begin, end = t["data_offsets"]
            if not EXPERT.search(name):
                f.seek(data_start + begin)
                out.seek(base + offsets[name])
                remaining = end - begin
                while remaining > 0:
                    chunk = f.read(min(remaining, 32 << 20))
                    out.write(chunk)
                    remaining -= len(chunk)
                continue
            e, rows, cols = t["shape"]
            g = rows // 32
            for k in range(e):
                f.seek(data_start + begin + k * rows * cols * 2)
                raw = np.fromfile(f, dtype="<u2", count=rows * cols)
                x = (raw.astype(np.uint32) << 16).view(np.float32).reshape(rows, cols).T
                blocks, scales = quantize(x.astype(np.float64).reshape(cols, g, 32), rule)
                out.seek(base + offsets[name + "_blocks"] + k * cols * g * 16)
                out.write(np.ascontiguousarray(blocks).tobytes())
                out.seek(base + offsets[name + "_scales"] + k * cols * g)
                out.write(np.ascontiguousarray(scales).tobytes())
    return {name: os.path.basename(dst) for name, _, _ in specs}, cursor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--scale-rule", choices=["round-up", "ocp"], default="round-up")
    args = parser.parse_args()
    os.makedirs(args.dst, exist_ok=False)
    index_path = os.path.join(args.src, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
        files = sorted(set(index["weight_map"].values()))
    else:
        index = None
        files = sorted(n for n in os.listdir(args.src) if n.endswith(".safetensors"))
    weight_map, total = {}, 0
    for name in files:
        mapping, size = convert_file(os.path.join(args.src, name), os.path.join(args.dst, name), args.scale_rule)
        weight_map.update(mapping)
        total += size
    if index is not None:
        meta = dict(index.get("metadata", {}))
        meta["total_size"] = total
        with open(os.path.join(args.dst, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": meta, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
