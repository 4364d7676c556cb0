# Vivado non-project build of the portable core conductor_core, out of context (no board pins):
# synthesis, placement and routing for an Alveo part, then utilization and timing reports.
#
#   vivado -mode batch -source constraints/vivado_build.tcl -tclargs [u280|u55c] [OUT_DIR] [BUILD_HASH]
#
#   board      u280 (xcu280-fsvh2892-2L-e, default) or u55c (xcu55c-fsvh2892-2L-e)
#   OUT_DIR    default build/vivado_<board>; gets checkpoints and reports:
#              utilization.rpt, utilization_hier.rpt, timing_summary.rpt, timing_paths.rpt
#   BUILD_HASH 8 hex digits for the id block (default: git rev-parse --short=8 HEAD, else 0)
#
# NOT RUN HERE: Vivado is not packaged in Debian, so this script is shipped untested by CI. It
# needs a Vivado with UltraScale+ device support (2022.x or later). What CI does run is
# constraints/synth.sh (`make synth`, Yosys estimates) and the synth_smoke test.
#
# The source list is rtl/conductor_core.f, the same list Yosys and the tests read; the clock and
# reset constraints are constraints/alveo_<board>.xdc.

set here [file dirname [file normalize [info script]]]
set repo [file dirname $here]

set board [expr {[llength $argv] > 0 ? [lindex $argv 0] : "u280"}]
switch -- $board {
  u280    { set part xcu280-fsvh2892-2L-e }
  u55c    { set part xcu55c-fsvh2892-2L-e }
  default { error "vivado_build.tcl: unknown board '$board' (u280 or u55c)" }
}
set out [expr {[llength $argv] > 1 ? [lindex $argv 1] : "$repo/build/vivado_$board"}]
if {[llength $argv] > 2} {
  set build_hash [lindex $argv 2]
} elseif {[catch {exec git -C $repo rev-parse --short=8 HEAD} build_hash]} {
  set build_hash 00000000
}
file mkdir $out

# ---------------------------------------------------------------- sources
# rtl/conductor_core.f: one path per line relative to rtl/, `//` comments, packages first.
set fl [open $repo/rtl/conductor_core.f r]
set sources {}
foreach line [split [read $fl] "\n"] {
  set line [string trim [regsub {//.*$} $line ""]]
  if {$line eq ""} { continue }
  if {[file pathtype $line] ne "absolute"} { set line $repo/rtl/$line }
  if {![file exists $line]} { error "vivado_build.tcl: $line (from rtl/conductor_core.f) not found" }
  lappend sources $line
}
close $fl
read_verilog -sv $sources
read_xdc $here/alveo_$board.xdc

# ---------------------------------------------------------------- implementation
synth_design -top conductor_core -part $part -mode out_of_context \
  -generic BuildHash=32'h$build_hash
write_checkpoint -force $out/post_synth.dcp
report_utilization -file $out/utilization_synth.rpt

opt_design
place_design
phys_opt_design
route_design
write_checkpoint -force $out/post_route.dcp

# ---------------------------------------------------------------- reports
report_utilization -file $out/utilization.rpt
report_utilization -hierarchical -file $out/utilization_hier.rpt
report_timing_summary -max_paths 20 -report_unconstrained -file $out/timing_summary.rpt
report_timing -sort_by group -max_paths 50 -nworst 1 -file $out/timing_paths.rpt
report_clock_utilization -file $out/clock_utilization.rpt
report_methodology -file $out/methodology.rpt

set wns [get_property SLACK [get_timing_paths -max_paths 1 -nworst 1 -setup]]
puts "vivado_build: $board ($part) done; worst setup slack $wns ns; reports in $out"
