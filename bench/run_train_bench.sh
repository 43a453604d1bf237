#!/usr/bin/env bash
# Side-by-side training/predict throughput: Strata vs PyTorch (../shared/bench/torch_train.py),
# interleaved (S T S T ...) under the fair setting of ../shared/bench/README.md, 2 threads.
#   bench/run_train_bench.sh [ROUNDS=3] [MODELS="mlp cnn lstm"]
# Needs a built tree (./strata.sh build) and Debian's python3-torch (installed here if missing).
# Prints every JSON line and, per model, the median and spread of the Strata/PyTorch ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
models=${2:-"mlp cnn lstm"}
torch_script=${TORCH_TRAIN:-../shared/bench/torch_train.py}
bin=build/bench/bench_train_throughput
[ -x "$bin" ] || cmake --build build --target bench_train_throughput
# Debian's torch does its float32 GEMMs through libblas.so.3: without OpenBLAS that is the netlib
# reference BLAS, ~12x slower (1.5k vs 18.7k MLP samples/s measured here), which would make any
# comparison meaningless.
need=()
/usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch python3-numpy)
dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed" || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}  # AVX2 kernels, as ../shared/bench/README.md measured
export OMP_WAIT_POLICY=passive
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456
out=$(mktemp)
for r in $(seq "$rounds"); do
    for m in $models; do
        "$bin" --model "$m" --threads 2 | tee -a "$out"
        /usr/bin/python3 "$torch_script" --model "$m" --epochs 0 --threads 2 2>/dev/null |
            sed 's/^{/{"engine": "torch", /' | tee -a "$out"
    done
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
def sps(r, key):  # torch_train.py reports {"min", "median", "max"}, ours a number
    v = r[key]
    return v["median"] if isinstance(v, dict) else v
print("\n| model | Strata train/s | PyTorch train/s | train ratio (median, min-max) | Strata predict/s | PyTorch predict/s | predict ratio (median, min-max) |")
print("|---|---|---|---|---|---|---|")
for m in ["mlp", "cnn", "lstm"]:
    s = [r for r in rows if r.get("model") == m and r.get("engine") == "strata"]
    t = [r for r in rows if r.get("model") == m and r.get("engine") == "torch"]
    if not s or not t:
        continue
    tr = [sps(a, "train_sps") / sps(b, "train_sps") for a, b in zip(s, t)]
    pr = [sps(a, "infer_sps") / sps(b, "infer_sps") for a, b in zip(s, t)]
    med = lambda v: statistics.median(v)
    print(f"| {m} | {med([sps(a, 'train_sps') for a in s]):,.0f} | {med([sps(b, 'train_sps') for b in t]):,.0f} | "
          f"{med(tr):.2f}x ({min(tr):.2f}-{max(tr):.2f}) | {med([sps(a, 'infer_sps') for a in s]):,.0f} | "
          f"{med([sps(b, 'infer_sps') for b in t]):,.0f} | {med(pr):.2f}x ({min(pr):.2f}-{max(pr):.2f}) |")
PY
rm -f "$out"
