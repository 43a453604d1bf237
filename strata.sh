#!/usr/bin/env bash
# Strata in one command on a fresh Debian machine.
#   ./strata.sh          install what is missing, build (Release), run the main job on the examples
#   ./strata.sh test     same set-up, then the whole test suite (ctest), then every suite again
#                        built with AddressSanitizer + UBSan (build-asan/)
#   ./strata.sh build    set-up and build only
#   ./strata.sh sanitize only the AddressSanitizer + UBSan pass of `test`
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(cmake ninja-build g++ pkg-config ccache qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev
          libgl-dev libgraphviz-dev libeigen3-dev libhdf5-dev nlohmann-json3-dev libzip-dev libcli11-dev
          dataset-fashion-mnist python3 python3-h5py)

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "strata.sh: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
    # Paths relative to the checkout in ccache keys, so a fresh clone reuses earlier builds.
    export CCACHE_BASEDIR="$PWD"
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j "$(nproc)"
}

sanitized_tests() {
    # Suites matching $1 (a test-name prefix regex) under AddressSanitizer and UBSan: memory errors
    # and undefined behaviour fail the run.
    local prefix=$1
    export CCACHE_BASEDIR="$PWD"
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_SANITIZE=ON -DSTRATA_BENCH=OFF >/dev/null
    local targets
    targets=$(ninja -C build-asan -t targets all | sed -n "s/^\\(\\($prefix\\)_test_[a-z0-9_]*\\): phony\$/\\1/p" | grep -v _autogen | sort -u)
    # shellcheck disable=SC2086
    cmake --build build-asan -j "$(nproc)" --target $targets
    # Leak checking is off: libhdf5 and Qt keep process-lifetime allocations.
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan -R "^(${prefix//\\|/|})_" --output-on-failure -j 2 --timeout 900
}

ALL_SUITES='engine\|editor\|studio\|app\|plotting'

main_job() {
    # With a display: the Studio on the Fashion-MNIST MLP, ready to train. Without one: the same
    # model trained from the command line, writing its diagram, curves, weights and model to out/.
    local example=examples/models/09_fashion_mnist_mlp.json
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/app/strata-studio ]; then
        exec build/app/strata-studio "$example"
    fi
    local out=out/first-run
    mkdir -p "$out"
    echo "strata.sh: no display; training $example on Fashion-MNIST from the command line (outputs in $out/)"
    build/app/strata summary "$example"
    build/app/strata plot "$example" -o "$out/fashion_mnist_mlp.png" --show-shapes
    build/app/strata train "$example" --data fashion_mnist --loss sparse_categorical_crossentropy \
        --metrics accuracy --optimizer adam --epochs 3 --batch-size 128 --validation-split 0.1 --seed 0 \
        --csv-log "$out/history.csv" --plot-dir "$out" --save "$out/fashion_mnist_mlp.keras"
    build/app/strata evaluate "$out/fashion_mnist_mlp.keras" --data fashion_mnist
    build/app/strata convert "$out/fashion_mnist_mlp.keras" "$out/fashion_mnist_mlp.weights.h5"
    echo "strata.sh: wrote $(cd "$out" && echo *)"
}

install_missing
build
case "${1:-run}" in
    test)
        ctest --test-dir build --output-on-failure -j 2
        sanitized_tests "$ALL_SUITES"
        ;;
    sanitize) sanitized_tests "$ALL_SUITES" ;;
    build) ;;
    run) main_job ;;
    *) echo "usage: ./strata.sh [run|test|build|sanitize]" >&2; exit 2 ;;
esac
