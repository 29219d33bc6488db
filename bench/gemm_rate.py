"""Single-core GEMM rate (GFLOP/s) on this machine, with the BLAS the trainer uses (Debian's
python3-torch and libtorch link the same OpenBLAS): the matmul shapes of the benchmarked models'
linear layers (M = tokens of a rank's batch, K x N = a weight) and one large square product.
Prints one JSON object. `python3 bench/gemm_rate.py [--threads 1]`."""
import argparse
import json
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--reps", type=int, default=20)
args = parser.parse_args()
torch.set_num_threads(args.threads)
# (M, K, N): 32-64 sequences of ~12 tokens against d_model 128 / 256 weights (qkv, proj, ff), and 1024^3.
shapes = [(512, 128, 384), (512, 128, 512), (512, 512, 128), (768, 256, 768), (768, 256, 1024), (768, 1024, 256),
          (1024, 1024, 1024)]
rates = {}
for m, k, n in shapes:
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        torch.mm(a, b)
    times = []
    for _ in range(args.reps):
        t = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t)
    times.sort()
    rates[f"{m}x{k}x{n}"] = round(2 * m * k * n / times[len(times) // 2] / 1e9, 2)
model_shapes = [v for key, v in rates.items() if key != "1024x1024x1024"]
print(json.dumps({"threads": args.threads, "torch": torch.__version__, "gflops_per_s": rates,
                  "model_shapes_median_gflops_per_s": sorted(model_shapes)[len(model_shapes) // 2]}))
