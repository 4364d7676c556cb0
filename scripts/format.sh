#!/usr/bin/env bash
# Formats the C++ sources with clang-format (the style is .clang-format at the repository root).
#   scripts/format.sh          rewrite the files in place
#   scripts/format.sh --check  list the files that differ and exit 1 if any does
# Not formatted: generated files (*/gen/*) and the HLS kernel sources that hold `#pragma HLS`
# lines (clang-format 14 puts spaces around the `=` of pragma options, which Vitis HLS does not
# document as accepted; those files keep their hand layout).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format not found (Debian package clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' | grep -v '/gen/' |
                     while read -r f; do grep -q '^[[:space:]]*#pragma HLS' "$f" || echo "$f"; done)
if [[ ${1:-} == --check ]]; then
  bad=0
  for f in "${files[@]}"; do
    clang-format "$f" | cmp -s - "$f" || { echo "$f"; bad=1; }
  done
  exit $bad
fi
[[ $# -eq 0 ]] || { echo "format: unknown argument '$1' (use --check or nothing)" >&2; exit 2; }
clang-format -i "${files[@]}"
