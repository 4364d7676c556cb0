# Vitis HLS flow for sync_decoder_top (Vivado IP flow, Alveo U280 part, 300 MHz).
#
#   cd hls/sync_decoder && vitis_hls -f run_hls.tcl
#
# Stages are gated by environment variables (1 = run, 0 = skip), as in the other kernels:
#   CSIM   (default 1)  C simulation: sync_decoder_tb.cpp, the top against the golden model
#   CSYNTH (default 1)  synthesis; check the s_axi_control map against block sync_decoder of
#                       rtl/csr/conductor.regs
#   COSIM  (default 0)  C/RTL co-simulation of the generated RTL with the same testbench
#   EXPORT (default 0)  package the IP (ip_catalog)
# Vitis HLS is not part of this repository's toolchain (Debian has none); the same C++ runs in
# CTest through the C-simulation shim (SyncDecoderCsimTb; tests/sync_decoder checks the same top
# against the host codec). The top judges a whole frame in the call that takes its last beat; the
# hand RTL (rtl/sync_decoder) MACs at one SipRound per clock and walks the records twice, with the
# same ops for the same frames.
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

open_project -reset sync_decoder_prj
set_top sync_decoder_top
add_files $here/sync_decoder.cpp -cflags $cflags
add_files -tb $here/sync_decoder_tb.cpp -cflags $cflags

open_solution -reset solution1 -flow_target vivado
set_part xcu280-fsvh2892-2L-e
create_clock -period 300MHz -name default

if {$CSIM}   { csim_design }
if {$CSYNTH} { csynth_design }
if {$COSIM}  { cosim_design }
if {$EXPORT} { export_design -format ip_catalog }
exit
