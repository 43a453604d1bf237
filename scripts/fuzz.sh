#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang, ASan and UBSan, and runs each for a while
# on seeds from examples/models and ../shared/keras-files. Prints libFuzzer's execution counts; any
# crash, sanitizer report or non-strata exception stops that fuzzer and leaves a crash-* file.
#   scripts/fuzz.sh [SECONDS_PER_FUZZER=120]
# Needs clang and libclang-rt-14-dev (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
if ! [ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || ! command -v clang++ >/dev/null; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
export CCACHE_BASEDIR="$PWD"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)"
shared=../shared/keras-files
work=build-fuzz/corpus
mkdir -p "$work"/{config,file,npy}
cp examples/models/*.json "$work/config/"
find "$shared" \( -name '*.h5' -o -name '*.keras' \) -size -2M -exec cp {} "$work/file/" \; 2>/dev/null || true
cp examples/models/0[12]*.json tests/data/hdf5/*.h5 "$work/file/"
find "$shared" -name '*.npy' -size -1M -exec cp {} "$work/npy/" \; 2>/dev/null || true
status=0
for f in config:fuzz_model_config file:fuzz_model_file npy:fuzz_npy; do
    dir=${f%%:*}; bin=${f##*:}
    echo "== $bin ($secs s, corpus $work/$dir)"
    (cd build-fuzz && ASAN_OPTIONS=detect_leaks=0 "./tests/fuzz/$bin" -max_total_time="$secs" -rss_limit_mb=3072 \
        -malloc_limit_mb=3072 -timeout=20 -print_final_stats=1 "corpus/$dir" 2>&1 |
        grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|.*non-strata)" ) || status=1
done
exit $status
