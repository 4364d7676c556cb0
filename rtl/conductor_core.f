// SystemVerilog sources of conductor_core, in compile order (packages first). Paths are relative
// to this file's folder (rtl/), as `verilator -F` resolves them. The one list of the core's files:
// constraints/synth.sh (Yosys), constraints/vivado_build.tcl (Vivado) and tests/synth read it.
csr/gen/conductor_regs_pkg.sv
csr/gen/id_csr.sv
csr/gen/parser_csr.sv
csr/gen/dist_hash_csr.sv
csr/gen/flow_table_csr.sv
csr/gen/steer_csr.sv
common/axil_xbar.sv
common/sync_fifo.sv
parser/pkt_parser.sv
dist_hash/dist_hash.sv
flow_table/flow_canon.sv
flow_table/flow_hash.sv
flow_table/flow_bucket_ram.sv
flow_table/flow_activity_ram.sv
flow_table/flow_engine.sv
flow_table/flow_ops.sv
flow_table/flow_match.sv
flow_table/flow_table_regs.sv
flow_table/flow_table.sv
core/steer_reads.sv
core/steer_decide.sv
csr/gen/sync_encoder_csr.sv
sync_encoder/sync_sipround.sv
sync_encoder/sync_frame_ram.sv
sync_encoder/sync_encoder.sv
core/sync_feed.sv
csr/gen/sync_decoder_csr.sv
sync_decoder/sync_replay_ram.sv
sync_decoder/sync_decoder.sv
core/conductor_core.sv
