# Vitis HLS flow for flow_table_top (Vivado IP flow, Alveo U280 part, 300 MHz).
#
#   cd hls/flow_table && vitis_hls -f run_hls.tcl
#
# Stages are gated by environment variables (1 = run, 0 = skip), as in the Vitis Libraries
# run_hls.tcl scripts:
#   CSIM   (default 1)  C simulation: flow_table_tb.cpp, the random mix against a std::map reference
#   CSYNTH (default 1)  synthesis; check the s_axi_control map against rtl/csr/conductor.regs (block
#                       flow_table) and the URAM count against docs/flow_table.md ("Memory cost")
#   COSIM  (default 0)  C/RTL co-simulation of the generated RTL with the same testbench
#   EXPORT (default 0)  package the IP (ip_catalog)
# Vitis HLS is not part of this repository's toolchain (Debian has none); the same C++ runs in
# CTest through the C-simulation shim (FlowTableCsimTb, tests/flow_table). The HLS top runs an op
# to completion between lookups (lookup II = 1 only while no op runs); the hand RTL in
# rtl/flow_table overlaps both with the same visible behaviour.
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
set cflags "-std=c++17 -I$hlsdir -I$hlsdir/common"

open_project -reset flow_table_prj
set_top flow_table_top
add_files $here/flow_table.cpp -cflags $cflags
add_files -tb $here/flow_table_tb.cpp -cflags $cflags
add_files -tb $here/flow_table_model.cpp -cflags $cflags

open_solution -reset solution1 -flow_target vivado
set_part xcu280-fsvh2892-2L-e
create_clock -period 300MHz -name default

if {$CSIM} {
  csim_design -argv "20000"
}
if {$CSYNTH} {
  csynth_design
}
if {$COSIM} {
  cosim_design -rtl verilog -argv "2000"
}
if {$EXPORT} {
  export_design -format ip_catalog -rtl verilog
}
exit
