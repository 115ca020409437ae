#!/usr/bin/env python3
"""GPU check: does transformers' MXFP4 integration read our converter's output as intended?

Loads the tiny BF16 gpt-oss checkpoint and its MXFP4 conversion (made by
scripts/gpu/make-tiny-gpt-oss.ts with our own converter) with transformers, the MXFP4 one through
Mxfp4Config(dequantize=True), and checks, per expert tensor:
  1. transformers' dequantized weights equal a numpy decode of our _blocks/_scales exactly
     (same layout reading: [E, out, in/32, 16], low nibble first, E8M0 bias 127, transpose back);
  2. their error against the BF16 source is that of 4-bit floats (relative error < 0.25), where a
     wrong transpose or nibble order gives ~1.4;
then compares the two models' logits on a fixed prompt (top-1 agreement and cosine similarity).
Runs in well under 5 minutes (tiny model; load and a few forward passes).

  node --import tsx scripts/gpu/make-tiny-gpt-oss.ts gpu-fixture          # on any machine
  python3 scripts/gpu/verify-mxfp4-transformers.py gpu-fixture             # on the GPU machine

Exit status 0 when every check passes, 1 otherwise.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM, Mxfp4Config

FP4 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6], dtype=np.float32)


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        out[name] = (t["dtype"], t["shape"], data[begin:end])
    return out


def numpy_dequant(blocks, scales):
    """blocks uint8 [E, out, G, 16], scales uint8 [E, out, G] -> float32 [E, in, out] (HF layout)."""
    lo = FP4[blocks & 0x0F]
    hi = FP4[blocks >> 4]
    values = np.stack([lo, hi], axis=-1).reshape(*blocks.shape[:-1], 32)
    values = values * np.exp2(scales.astype(np.float32) - 127.0)[..., None]
    e, out, g, _ = values.shape
    return values.reshape(e, out, g * 32).transpose(0, 2, 1)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "gpu-fixture"
    bf16_dir, mx_dir = os.path.join(root, "bf16"), os.path.join(root, "mxfp4")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"torch {torch.__version__}, device {device}", flush=True)
    failures = []

    ref, info = AutoModelForCausalLM.from_pretrained(
        bf16_dir, torch_dtype=torch.bfloat16, output_loading_info=True
    )
    if info["missing_keys"] or info["unexpected_keys"]:
        failures.append(f"BF16 load: missing {info['missing_keys']}, unexpected {info['unexpected_keys']}")
    ref = ref.to(device).eval()
    mx = AutoModelForCausalLM.from_pretrained(
        mx_dir, torch_dtype=torch.bfloat16, quantization_config=Mxfp4Config(dequantize=True)
    ).to(device).eval()

    tensors = read_safetensors(os.path.join(mx_dir, "model.safetensors"))
    for layer in range(ref.config.num_hidden_layers):
        for proj in ("gate_up_proj", "down_proj"):
            name = f"model.layers.{layer}.mlp.experts.{proj}"
            src = getattr(ref.model.layers[layer].mlp.experts, proj).detach().float().cpu().numpy()
            got = getattr(mx.model.layers[layer].mlp.experts, proj).detach().float().cpu().numpy()
            _, bshape, bbytes = tensors[name + "_blocks"]
            _, sshape, sbytes = tensors[name + "_scales"]
            ours = numpy_dequant(
                np.frombuffer(bbytes, dtype=np.uint8).reshape(bshape), np.frombuffer(sbytes, dtype=np.uint8).reshape(sshape)
            )
            if got.shape != src.shape:
                failures.append(f"{name}: transformers shape {got.shape} != source {src.shape}")
                continue
            exact = float(np.max(np.abs(got - ours)))
            rel = float(np.linalg.norm(got - src) / np.linalg.norm(src))
            snr = -20 * np.log10(rel) if rel > 0 else float("inf")
            print(f"{name:44s} max|hf - ours| {exact:.3g}  rel.err vs BF16 {rel:.4f}  SNR {snr:.1f} dB", flush=True)
            if exact != 0:
                failures.append(f"{name}: transformers' dequant differs from our decode by up to {exact}")
            if not rel < 0.25:
                failures.append(f"{name}: relative error {rel:.3f} against the BF16 source")

    torch.manual_seed(0)
    ids = torch.randint(0, ref.config.vocab_size, (2, 48), device=device)
    with torch.no_grad():
        a = ref(ids).logits.float()
        b = mx(ids).logits.float()
    cosine = torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0).item()
    top1 = (a.argmax(-1) == b.argmax(-1)).float().mean().item()
    print(f"logits: cosine {cosine:.4f}, top-1 agreement {top1:.3f}", flush=True)
    if cosine < 0.9:
        failures.append(f"logits cosine similarity {cosine:.3f} < 0.9")

    if failures:
        print("FAIL\n" + "\n".join(failures))
        sys.exit(1)
    print("OK: transformers reads our MXFP4 layout exactly and it tracks the BF16 source")


if __name__ == "__main__":
    main()
