// The files of the HBM flow table (conductor_core's FlowHbm = 1 branch) that rtl/conductor_core.f
// leaves out, in compile order, relative to this file's folder (rtl/). Read by rtl/core and
// rtl/flow_table (CMake, Verilator builds) and constraints/synth.sh (Yosys runs flow_table_hbm*).
flow_table/flow_line_bank.sv
flow_table/flow_line_ram.sv
flow_table/flow_table_hbm.sv
