#!/usr/bin/env bash
# Runs every libFuzzer target of a CONDUCTOR_FUZZ=ON build for a bounded time.
#   scripts/fuzz.sh BUILD_DIR
# Targets: BUILD_DIR/tests/fuzz/fuzz_* (executables, not the *_replay ones). Each starts from its checked-in
# seed corpus tests/fuzz/corpus/<name>/ (when present); new inputs go to BUILD_DIR/fuzz/corpus/<name>/
# and crash reproducers to BUILD_DIR/fuzz/artifacts/<name>/, never into the source tree.
# Environment: FUZZ_SECONDS per target (default 60), FUZZ_ARGS extra libFuzzer flags.
# Exits non-zero if any target crashed, leaked, timed out or failed to start.
set -uo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
read -r -a extra <<<"${FUZZ_ARGS:-}"

shopt -s nullglob
targets=()
for bin in "$build"/tests/fuzz/fuzz_*; do
  [[ -f $bin && -x $bin && $bin != *_replay ]] && targets+=("$bin")
done
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz_* binaries in $build/tests/fuzz (configure with -DCONDUCTOR_FUZZ=ON and build fuzz_all)" >&2
  exit 2
fi

failed=()
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  name=${name#fuzz_}
  work="$build/fuzz/corpus/$name"
  artifacts="$build/fuzz/artifacts/$name"
  mkdir -p "$work" "$artifacts"
  corpora=("$work")
  [[ -d $root/tests/fuzz/corpus/$name ]] && corpora+=("$root/tests/fuzz/corpus/$name")
  echo "fuzz: $name for ${seconds}s (corpus: ${corpora[*]})"
  "$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${extra[@]}" "${corpora[@]}" >"$build/fuzz/$name.log" 2>&1
  rc=$?
  tail -n 12 "$build/fuzz/$name.log"
  if ((rc != 0)); then
    echo "fuzz: $name FAILED (exit $rc); log $build/fuzz/$name.log, reproducers in $artifacts/" >&2
    failed+=("$name")
  else
    echo "fuzz: $name ok"
  fi
done

if ((${#failed[@]} != 0)); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) ran ${seconds}s without a failure"
