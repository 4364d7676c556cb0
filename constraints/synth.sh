#!/usr/bin/env bash
# Synthesis estimates for the Conductor RTL with Yosys 0.23 (`make synth` runs this).
#
#   constraints/synth.sh [--elaborate] [BUILD_DIR]          (default: build)
#
# --elaborate stops after step 1 (parse every file, elaborate every top: seconds); the CTest
# synth_smoke runs that.
#
# For each run below: read the SystemVerilog file list rtl/conductor_core.f, elaborate the top,
# `synth_xilinx -family xcup -flatten -noiopad [-uram]`, count the cells and take the logic depth
# two ways: `ltp` over LUT/MUXF/CARRY/INV cells of the flattened netlist (the longest chain of
# combinational cells between registers, memories and ports) and the most LUT levels on any such
# path (synth_report.py, from the netlist). Writes into BUILD_DIR/synth/:
#   <run>.ys / <run>.log        the Yosys script and its full log
#   <run>.stat.json             `stat -json` of the mapped netlist
#   <run>.netlist.json          the mapped netlist (write_json), for the LUT levels of every path
#   synth_report.json           per-run LUT/FF/LUTRAM/SRL/RAMB18/RAMB36/URAM/DSP/CARRY, depth, time,
#                               and where each memory was mapped (constraints/synth_report.py)
#   summary.txt                 the table printed at the end
# Runs (name:top:extra synth_xilinx options): the kernels alone, the bucket table's URAM variant,
# the whole portable core (with its sync_encoder and sync_decoder), the HyperSync decoder alone
# (rtl/sync_decoder, MaxMtu 9000) and the encoder alone. SYNTH_RUNS="dist_hash pkt_parser"
# restricts them by name.
#
# Yosys' UltraScale+ mapping is 7-series-like (CARRY4, no CARRY8 packing) and there is no
# placement or routing: the figures are estimates, not a timing sign-off (constraints/README.md).
#
# Environment: YOSYS (default yosys), CONDUCTOR_RTL_DIR (default <repo>/rtl; the file list is read
# from there, so a patched copy of rtl/ can be measured), SYNTH_RUNS.
# Exit status: 0 when every run synthesized; 1 naming the file or module and the Yosys error.
set -euo pipefail

say() { printf '[synth %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'synth.sh: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
elaborate_only=0
if [[ ${1:-} == --elaborate ]]; then elaborate_only=1; shift; fi
[[ ${1:-} == -* ]] && die "usage: constraints/synth.sh [--elaborate] [BUILD_DIR]"
build=${1:-build}
mkdir -p "$build/synth"
out=$(cd "$build/synth" && pwd)
rtl=${CONDUCTOR_RTL_DIR:-$repo/rtl}
filelist=$rtl/conductor_core.f
yosys=${YOSYS:-yosys}

# name:top:extra synth_xilinx options:parameters of the top (K=V,K=V)[:a module kept as a black
# box, its ports ending paths]. Every block on its own, and
# the core with a small flow table (the logic is that of the full core: the table's size changes
# only its memory and address widths). The parser and dist_hash take under a minute each,
# flow_table about 5 minutes, conductor_core about 9. The optional runs go
# only when SYNTH_RUNS names them: conductor_core_full (the default 262,160-entry table), and single
# blocks whose depth the flattened core hides (ABC maps it for area under its worst path's delay):
# flow_engine (about 3 minutes), flow_engine_small (the same control paths with a 4-entry stash
# and 4-step walks, about 2.5 minutes), conductor_core_noengine (the core with the op engine as a
# black box: every other path of the core in about 6 minutes, the engine's own in flow_engine*),
# flow_canon, flow_hash, steer_reads, steer_decide (under a minute each), and the HBM flow table
# (rtl/flow_table/flow_table_hbm.sv, not in the core's list: EXTRA_FILES) at 2^9 buckets, 16
# channels, 256 lookups in flight and 256 cache lines (flow_table_hbm), and at its full size, 2^20
# buckets (flow_table_hbm_full)
# (docs/flow_table.md, "Resources (Yosys)").
ALL_RUNS=(
  "pkt_parser:pkt_parser::"
  "dist_hash:dist_hash::"
  "dist_hash_uram:dist_hash:-uram:"
  "flow_table:flow_table::BucketLog2Max=8"
  "conductor_core:conductor_core::FlowBucketLog2Max=8"
  "sync_decoder:sync_decoder::"
  "sync_encoder:sync_encoder::"
)
OPTIONAL_RUNS=(
  "conductor_core_full:conductor_core::"
  "flow_engine:flow_engine::BucketLog2Max=8"
  "flow_engine_small:flow_engine::BucketLog2Max=4,StashSize=4,WalkMax=4"
  "conductor_core_noengine:conductor_core::FlowBucketLog2Max=8:flow_engine"
  "flow_canon:flow_canon::"
  "flow_hash:flow_hash::"
  "steer_reads:steer_reads::"
  "steer_decide:steer_decide::"
  "flow_table_hbm:flow_table_hbm::BucketLog2Max=9,ChLog2=3,RobLog2=8,CacheLog2=8"
  "flow_table_hbm_full:flow_table_hbm::BucketLog2Max=20,ChLog2=3,RobLog2=8,CacheLog2=8"
)
# Files outside rtl/conductor_core.f (top:path relative to the rtl folder), read only when a
# selected run has that top: the HBM flow table is a generate branch of conductor_core (FlowHbm)
# that the core's list leaves out; its files are those of rtl/flow_table_hbm.f. They are read with
# -defer (the AST only): elaborating flow_table_hbm at its default sizes (2^20 buckets, 256 lines,
# 256 in flight) takes minutes, so the run's parameters are set on the deferred module
# ($abstract\top), which is then renamed.
EXTRA_FILES=()
while IFS= read -r line; do
  line=${line%%//*}
  line=${line//[[:space:]]/}
  [[ -n $line ]] && EXTRA_FILES+=("flow_table_hbm:$line")
done < "$rtl/flow_table_hbm.f"

# The first Yosys errors of a log, with the line before each (it names the file or module).
show_errors() {
  grep -B1 -m5 -E 'ERROR:|^ERROR' "$1" >&2 || tail -n 20 "$1" >&2
}

command -v "$yosys" >/dev/null || die "yosys not found (make deps installs the Debian package)"
version=$("$yosys" -V 2>/dev/null | head -n1)
[[ $version == *"Yosys 0.23"* ]] || say "note: measured with Yosys 0.23; this is '$version'"

# ---------------------------------------------------------------- the file list
[[ -f $filelist ]] || die "file list $filelist not found"
files=()
while IFS= read -r line; do
  line=${line%%//*}
  line=$(echo "$line" | xargs)
  [[ -z $line ]] && continue
  [[ $line == /* ]] || line=$rtl/$line
  [[ -f $line ]] || die "$filelist names $line, which does not exist"
  files+=("$line")
done < "$filelist"
((${#files[@]} > 0)) || die "$filelist lists no files"

runs=()
for r in "${ALL_RUNS[@]}"; do
  name=${r%%:*}
  if [[ -z ${SYNTH_RUNS:-} || " $SYNTH_RUNS " == *" $name "* ]]; then runs+=("$r"); fi
done
for r in "${OPTIONAL_RUNS[@]}"; do
  name=${r%%:*}
  if [[ " ${SYNTH_RUNS:-} " == *" $name "* ]]; then runs+=("$r"); fi
done
((${#runs[@]} > 0)) || die "SYNTH_RUNS='${SYNTH_RUNS:-}' selects none of: ${ALL_RUNS[*]%%:*} ${OPTIONAL_RUNS[*]%%:*}"

# One read_verilog per file so that a parse error names its file; packages persist across reads.
read_cmds=""
for f in "${files[@]}"; do read_cmds+="read_verilog -sv $f"$'\n'; done
# The extra files of a top (EXTRA_FILES), as read commands; every selected run's go into the parse.
extra_read_cmds() {  # top
  local e
  for e in "${EXTRA_FILES[@]}"; do
    [[ ${e%%:*} == "$1" ]] && printf 'read_verilog -sv -defer %s\n' "$rtl/${e#*:}"
  done
  return 0
}
parse_cmds=$read_cmds
extra_files=()
for r in "${runs[@]}"; do
  IFS=: read -r _ top _ <<< "$r"
  for e in "${EXTRA_FILES[@]}"; do
    f=$rtl/${e#*:}
    if [[ ${e%%:*} == "$top" && " ${extra_files[*]-} " != *" $f "* ]]; then
      [[ -f $f ]] || die "EXTRA_FILES names $f, which does not exist"
      extra_files+=("$f")
      parse_cmds+="read_verilog -sv -defer $f"$'\n'
    fi
  done
done

say "$version; ${#files[@]} files from ${filelist#"$repo"/}; output in $out"

# ---------------------------------------------------------------- 1. parse and elaborate (seconds)
# Every file is parsed and every top elaborated first, so that a construct Yosys rejects fails in
# seconds, not after minutes of synthesis of another top.
log=$out/parse.log
printf '%s' "$parse_cmds" > "$out/parse.ys"
if ! "$yosys" -q -l "$log" -s "$out/parse.ys" >/dev/null 2>&1; then
  where=$(grep -m1 -oE '^[^ ]+:[0-9]+: ERROR' "$log" | sed 's/: ERROR$//') || true
  printf 'synth.sh: %s is not accepted by %s:\n' "${where:-a file of $filelist}" "$version" >&2
  show_errors "$log"
  die "parse failed, nothing synthesized: see $log (rtl/ must stay within what Yosys 0.23 reads: constraints/README.md)"
fi
say "parsed ${#files[@]} files"
# The parameters of a run as Yosys commands: chparam before hierarchy, then the derived top
# renamed back (Yosys 0.23's `hierarchy -chparam` asserts on these sources).
chparam_cmds() {  # top params
  local kv kvs mod=$1 e
  for e in "${EXTRA_FILES[@]}"; do [[ ${e%%:*} == "$1" ]] && mod="\$abstract\\$1"; done
  IFS=, read -r -a kvs <<< "$2"
  if [[ $mod == "$1" ]]; then
    for kv in "${kvs[@]}"; do printf 'chparam -set %s %s %s\n' "${kv%%=*}" "${kv#*=}" "$mod"; done
  elif ((${#kvs[@]} > 0)); then  # one chparam: each derives the whole module
    printf 'chparam%s %s\n' "$(for kv in "${kvs[@]}"; do printf ' -set %s %s' "${kv%%=*}" "${kv#*=}"; done)" "$mod"
    printf 'rename %s %s\n' "$mod" "$1"
  fi
  return 0
}
# Each top with each parameter set once (the small-table runs elaborate in seconds).
tops=()
elab_done=" "
for r in "${runs[@]}"; do
  IFS=: read -r _ top _ params _ <<< "$r"
  [[ $elab_done == *" $top:$params "* ]] && continue
  elab_done+="$top:$params "
  tops+=("$top${params:+ ($params)}")
  tag=$top${params:+_${params//[=,]/_}}
  log=$out/elab_$tag.log
  {
    printf '%s' "$read_cmds"
    extra_read_cmds "$top"
    chparam_cmds "$top" "$params"
    echo "hierarchy -check -top $top"
    echo "proc"
  } > "$out/elab_$tag.ys"
  if ! "$yosys" -q -l "$log" -s "$out/elab_$tag.ys" >/dev/null 2>&1; then
    printf 'synth.sh: module %s does not elaborate in %s:\n' "$top${params:+ ($params)}" "$version" >&2
    show_errors "$log"
    die "$top: see $log"
  fi
  say "elaborated $top${params:+ ($params)}"
done
if ((elaborate_only)); then
  say "every file parses and ${tops[*]} elaborate (no synthesis: --elaborate)"
  exit 0
fi

# ---------------------------------------------------------------- 2. synthesis (minutes)
run_names=()
t_all=$SECONDS
for r in "${runs[@]}"; do
  IFS=: read -r name top opts params bbox <<< "$r"
  run_names+=("$name")
  ys=$out/$name.ys
  log=$out/$name.log
  {
    printf '%s' "$read_cmds"
    extra_read_cmds "$top"
    chparam_cmds "$top" "$params"
    echo "hierarchy -check -top $top"
    [[ -z $params ]] || echo "rename -top $top"
    # Every copy of the module (a parameterized one is named $paramod$<hash>\<module>).
    [[ -z ${bbox:-} ]] || echo "blackbox *$bbox"
    echo "synth_xilinx -family xcup -top $top -flatten -noiopad $opts"
    echo "tee -q -o $out/$name.stat.json stat -json"
    echo "stat"
    echo "write_json $out/$name.netlist.json"
    echo "ltp t:LUT* t:MUXF* t:CARRY* t:INV w:*"
  } > "$ys"
  say "$name: synth_xilinx -family xcup -top $top $opts${params:+ ($params)}"
  t0=$SECONDS
  "$yosys" -q -l "$log" -s "$ys" >/dev/null 2>&1 &
  pid=$!
  # Progress: every 30 s, the Yosys pass the run is in.
  next=30
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - t0 >= next)); then
      pass=$(grep -E '^[0-9]+\.[0-9]+\. Executing' "$log" 2>/dev/null | tail -n1 |
             sed -E 's/^[0-9.]+ Executing //; s/ pass.*//; s/ frontend.*//')
      say "$name: $((SECONDS - t0)) s, in ${pass:-startup}"
      next=$((next + 30))
    fi
  done
  rc=0
  wait "$pid" || rc=$?
  elapsed=$((SECONDS - t0))
  echo "$elapsed" > "$out/$name.seconds"
  if ((rc != 0)); then
    printf 'synth.sh: %s (top %s) failed to synthesize (yosys exit %d):\n' "$name" "$top" "$rc" >&2
    show_errors "$log"
    die "$name: see $log"
  fi
  say "$name: done in $elapsed s"
done

# ---------------------------------------------------------------- 3. report
python3 "$here/synth_report.py" --out "$out" --version "$version" \
  --git "$(git -C "$repo" rev-parse --short=8 HEAD 2>/dev/null || echo unknown)" \
  --total-seconds $((SECONDS - t_all)) --files "${files[@]#"$repo"/}" "${extra_files[@]#"$repo"/}" -- "${run_names[@]}"
