# Vitis HLS flow for dist_hash_top (Vivado IP flow, Alveo U280 part, 300 MHz).
#
#   cd hls/dist_hash && vitis_hls -f run_hls.tcl
#
# Stages are gated by environment variables (1 = run, 0 = skip), as in the Vitis Libraries
# run_hls.tcl scripts:
#   CSIM   (default 1)  C simulation: dist_hash_tb.cpp against the RSS suite and the reference
#   CSYNTH (default 1)  synthesis; check the II = 1 and the latency in the report, and the
#                       s_axi_control map against rtl/csr/conductor.regs (block dist_hash)
#   COSIM  (default 0)  C/RTL co-simulation of the generated RTL with the same testbench
#   EXPORT (default 0)  package the IP (ip_catalog)
# Vitis HLS is not part of this repository's toolchain (Debian has none); the same C++ runs in
# CTest through the C-simulation shim (DistHashCsimTb, tests/hls).
proc stage {name default} {
  if {[info exists ::env($name)]} { return $::env($name) }
  return $default
}
set CSIM   [stage CSIM 1]
set CSYNTH [stage CSYNTH 1]
set COSIM  [stage COSIM 0]
set EXPORT [stage EXPORT 0]

set here   [file dirname [file normalize [info script]]]
set hlsdir [file dirname $here]
set root   [file dirname $hlsdir]
set cflags "-std=c++17 -I$hlsdir -I$hlsdir/common"
set vectors $root/tests/hls/data/rss_verification.txt

open_project -reset dist_hash_prj
set_top dist_hash_top
add_files $here/dist_hash.cpp -cflags $cflags
add_files -tb $here/dist_hash_tb.cpp -cflags $cflags
add_files -tb $here/dist_hash_model.cpp -cflags $cflags
add_files -tb $vectors

open_solution -reset solution1 -flow_target vivado
set_part xcu280-fsvh2892-2L-e
create_clock -period 300MHz -name default

if {$CSIM} {
  csim_design -argv "$vectors"
}
if {$CSYNTH} {
  csynth_design
}
if {$COSIM} {
  cosim_design -rtl verilog -argv "$vectors 1"
}
if {$EXPORT} {
  export_design -format ip_catalog -rtl verilog
}
exit
