// Portable Conductor core: frames in, the same frames out with their steering decision in TUSER.
//
//   s_axis ─┬─► frame FIFO ──────────────────────────────────────────────────────────────┐
//           └─► pkt_parser ─FLOW_KEY─► dist_hash ─DECISION─► flow_table ─RESULT─► steer ─► meta FIFO ─► m_axis
//                 └ time FIFO ┘ └ head FIFO (time, status, key) ┘ └ side FIFO ┘   │  ▲
//                                                              ▲ s_op ◄─ op FIFO ◄┘  │ in-flight table
//                                                              └ m_event ─┬──────────┘
//                                                                         └─► sync_feed ─SYNC_RECORD─► sync_encoder ─► m_sync
//   s_sync ─► sync_decoder ─FLOW_OP (UPSERT, DELETE)─► op FIFO, between frames (sync window)
//
// Every frame leaves unchanged and in order, never dropped: DELIVER = 0 marks the ones to drop.
// STEER_META is on m_axis_tuser for every beat of the frame (docs/architecture.md, "Correction
// layer": the rule, the in-flight table and why the result equals the sequential model).
// Ageing: an AGE op follows every steer.AGE_FRAMES-th frame's op, and the next lookup waits for its
// handshake (docs/flow_table.md, "Ageing in the core"); EXPIRED counts the entries it removes.
// HyperSync (issue 11): the table's events become sync records (rtl/core/sync_feed.sv, steer.SYNC)
// and HyperSync frames on m_sync (sync_encoder); the data path never waits for them. A standby's
// side: HyperSync frames on s_sync are checked by the sync_decoder, whose ops enter the flow table
// in sync windows: lookups held, the steer side drained, up to 16 ops, then lookups again
// (docs/hypersync.md §13.3).
// Registers: blocks id, parser, dist_hash, flow_table, steer, sync_encoder and sync_decoder of
// rtl/csr/conductor.regs behind one AXI-Lite port.
`default_nettype none

module conductor_core
#(
  parameter logic [31:0] BuildHash = 32'h0,   // source commit, read back from id.BUILD_HASH
  parameter int unsigned BucketLog2Max = 16,  // bucket-table capacity, log2 entries
  parameter int unsigned FrameFifoBeats = 32, // frame FIFO depth; >= parser + hash + lookup latency + 2
  parameter int unsigned FlowBucketLog2Max = 15,  // flow table: 2 * 2^n * 4 + 16 entries (262 160 at 15)
  parameter int unsigned OpFifoDepth = 4,     // flow-table ops queued (power of two)
  parameter int unsigned LookupCredits = 12,  // lookups in the flow table, queued or in the steer stages (>= 12 for II = 1)
  parameter int unsigned InflightEntries = 16, // in-flight ops; >= OpFifoDepth + LookupCredits (+ 1 with FlowHbm)
  // The flow table's buckets in HBM (rtl/flow_table/flow_table_hbm.sv, docs/flow_table.md
  // "Connections in HBM"): 0 on chip (flow_table.sv, the m_axi_flow_* ports idle), 1 in HBM behind
  // the m_axi_flow_* channels. With 1, FrameFifoBeats must cover the memory's latency (512 for
  // ~300 clocks) and InflightEntries the op the table's gate holds (OpFifoDepth 2 keeps it at 16).
  parameter int unsigned FlowHbm = 0,
  parameter int unsigned FlowRobLog2 = 8,     // HBM: lookups in flight
  parameter int unsigned FlowChLog2 = 3,      // HBM: channels per sub-table
  parameter int unsigned FlowCacheLog2 = 8,   // HBM: bucket cache lines (half per sub-table)
  parameter int unsigned FlowAddrBits = 33,   // HBM: byte address bits of a channel
  localparam int unsigned FlowNCh = FlowHbm != 0 ? (2 << FlowChLog2) : 1,
  localparam int unsigned FlowIdBits = 1 + ((FlowRobLog2 > FlowCacheLog2) ? FlowRobLog2 : FlowCacheLog2)
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  // Frames in; s_axis_tuser = {timestamp ticks [39:8], security-group id [7:0]}, read on the
  // first beat.
  input  wire logic [511:0]  s_axis_tdata,
  input  wire logic [63:0]   s_axis_tkeep,
  input  wire logic [39:0]   s_axis_tuser,
  input  wire logic          s_axis_tlast,
  input  wire logic          s_axis_tvalid,
  output      logic          s_axis_tready,
  // Frames out; m_axis_tuser = STEER_META on every beat.
  output      logic [511:0]  m_axis_tdata,
  output      logic [63:0]   m_axis_tkeep,
  output      logic [63:0]   m_axis_tuser,
  output      logic          m_axis_tlast,
  output      logic          m_axis_tvalid,
  input  wire logic          m_axis_tready,
  // HyperSync frames (Ethernet/IPv4/UDP 8116, docs/hypersync.md): the table's state for its mirror.
  output      logic [511:0]  m_sync_tdata,
  output      logic [63:0]   m_sync_tkeep,
  output      logic          m_sync_tlast,
  output      logic          m_sync_tvalid,
  input  wire logic          m_sync_tready,
  // HyperSync frames in (a standby's side: the active core's m_sync through the sync link)
  input  wire logic [511:0]  s_sync_tdata,
  input  wire logic [63:0]   s_sync_tkeep,
  input  wire logic          s_sync_tlast,
  input  wire logic          s_sync_tvalid,
  output      logic          s_sync_tready,
  // Pulses, one clock after the event: a frame's flow-table lookup, a sync op into the op FIFO.
  // Their order is where each sync op sits between frames (a bench or a trace may count them;
  // sim/core/rtl_core.cpp does, to replay the placement in the model). A board top leaves them open.
  output      logic          lookup_o,
  output      logic          sync_op_o,
  // Registers (20-bit byte addresses).
  input  wire logic [19:0]   s_axi_control_AWADDR,
  input  wire logic          s_axi_control_AWVALID,
  output      logic          s_axi_control_AWREADY,
  input  wire logic [31:0]   s_axi_control_WDATA,
  input  wire logic [3:0]    s_axi_control_WSTRB,
  input  wire logic          s_axi_control_WVALID,
  output      logic          s_axi_control_WREADY,
  output      logic [1:0]    s_axi_control_BRESP,
  output      logic          s_axi_control_BVALID,
  input  wire logic          s_axi_control_BREADY,
  input  wire logic [19:0]   s_axi_control_ARADDR,
  input  wire logic          s_axi_control_ARVALID,
  output      logic          s_axi_control_ARREADY,
  output      logic [31:0]   s_axi_control_RDATA,
  output      logic [1:0]    s_axi_control_RRESP,
  output      logic          s_axi_control_RVALID,
  input  wire logic          s_axi_control_RREADY,
  // The flow table's HBM channels (FlowHbm): AXI4 masters, channel c in bits [c*W +: W], as
  // flow_table_hbm.sv drives them; idle in the on-chip build.
  output      logic [FlowNCh-1:0]              m_axi_flow_arvalid,
  input  wire logic [FlowNCh-1:0]              m_axi_flow_arready,
  output      logic [FlowNCh*FlowAddrBits-1:0] m_axi_flow_araddr,
  output      logic [FlowNCh*FlowIdBits-1:0]   m_axi_flow_arid,
  output      logic [FlowNCh*8-1:0]            m_axi_flow_arlen,
  input  wire logic [FlowNCh-1:0]              m_axi_flow_rvalid,
  output      logic [FlowNCh-1:0]              m_axi_flow_rready,
  input  wire logic [FlowNCh*512-1:0]          m_axi_flow_rdata,
  input  wire logic [FlowNCh*FlowIdBits-1:0]   m_axi_flow_rid,
  input  wire logic [FlowNCh-1:0]              m_axi_flow_rlast,
  output      logic [FlowNCh-1:0]              m_axi_flow_awvalid,
  input  wire logic [FlowNCh-1:0]              m_axi_flow_awready,
  output      logic [FlowNCh*FlowAddrBits-1:0] m_axi_flow_awaddr,
  output      logic [FlowNCh*FlowIdBits-1:0]   m_axi_flow_awid,
  output      logic [FlowNCh*8-1:0]            m_axi_flow_awlen,
  output      logic [FlowNCh-1:0]              m_axi_flow_wvalid,
  input  wire logic [FlowNCh-1:0]              m_axi_flow_wready,
  output      logic [FlowNCh*512-1:0]          m_axi_flow_wdata,
  output      logic [FlowNCh*64-1:0]           m_axi_flow_wstrb,
  output      logic [FlowNCh-1:0]              m_axi_flow_wlast,
  input  wire logic [FlowNCh-1:0]              m_axi_flow_bvalid,
  output      logic [FlowNCh-1:0]              m_axi_flow_bready,
  input  wire logic [FlowNCh*FlowIdBits-1:0]   m_axi_flow_bid,
  // Sticky: the HBM table's engine touched a bucket its cache did not hold (never in a correct
  // design; the benches check it). 0 on chip.
  output      logic          flow_cache_error_o,
  // A pulse: the HBM table freed a guarded cache line by force (its lookups of that bucket read it
  // again; docs/flow_table.md). 0 on chip.
  output      logic          flow_force_free_o
);
  localparam int unsigned MetaFifoDepth = FrameFifoBeats;  // at most one meta per buffered frame
  localparam int unsigned HeadFifoDepth = 8;               // > dist_hash in-flight items (6)
  localparam int unsigned FrameBits = 512 + 64 + 1;
  localparam int unsigned AW = 20;                         // AXI-Lite byte-address bits
  localparam int unsigned KeyBits = conductor_regs_pkg::FLOW_KEY_BITS;           // 320
  localparam int unsigned CKeyBits = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;   // 305
  localparam int unsigned HeadBits = 32 + 4 + KeyBits;               // {time, status, key}
  localparam int unsigned SideBits = 3 + CKeyBits + 32 + 4 + KeyBits; // {pre-age, age, ckey, time, status, key}
  localparam int unsigned ResBits = conductor_regs_pkg::FLOW_RESULT_BITS;
  localparam int unsigned PreBits = 52;  // steer_reads
  localparam int unsigned OpBits = conductor_regs_pkg::FLOW_OP_BITS;
  localparam int unsigned HfIdxBits = FlowBucketLog2Max < 6 ? FlowBucketLog2Max : 6;  // recently-failed filter
  localparam int unsigned HfEntries = 2 ** HfIdxBits;
  localparam int unsigned HfSigBits = 2 * FlowBucketLog2Max;  // both buckets
  localparam int unsigned EvBits = conductor_regs_pkg::FLOW_EVENT_BITS;
  localparam int unsigned IfBits = $clog2(InflightEntries);
  localparam int unsigned LookupFifoDepth = 2 ** $clog2(LookupCredits);  // side and result FIFOs

  if (InflightEntries < OpFifoDepth + LookupCredits + (FlowHbm != 0 ? 1 : 0) || (2 ** IfBits) != InflightEntries) begin : gen_bad_inflight
    $error("InflightEntries must be a power of two >= OpFifoDepth + LookupCredits (+ 1 with FlowHbm)");
  end

  // ================================================================ register blocks
  localparam int unsigned NumSlaves = 7;
  // Per-slave buses, flattened (slave i in bits i*width +: width) as Yosys 0.23 reads them.
  logic [NumSlaves*AW-1:0] sl_awaddr, sl_araddr;
  logic [NumSlaves-1:0]    sl_awvalid, sl_awready, sl_wvalid, sl_wready, sl_bvalid, sl_bready;
  logic [NumSlaves-1:0]    sl_arvalid, sl_arready, sl_rvalid, sl_rready;
  logic [NumSlaves*32-1:0] sl_wdata, sl_rdata;
  logic [NumSlaves*4-1:0]  sl_wstrb;
  logic [NumSlaves*2-1:0]  sl_bresp, sl_rresp;

  axil_xbar #(
    .AddrWidth (AW),
    .NumSlaves (NumSlaves),
    .SlaveBase ({20'(conductor_regs_pkg::SYNC_DECODER_BASE), 20'(conductor_regs_pkg::SYNC_ENCODER_BASE),
                 20'(conductor_regs_pkg::STEER_BASE), 20'(conductor_regs_pkg::FLOW_TABLE_BASE),
                 20'(conductor_regs_pkg::DIST_HASH_BASE), 20'(conductor_regs_pkg::PARSER_BASE), 20'(conductor_regs_pkg::ID_BASE)}),
    .SlaveAddrBits ({32'(conductor_regs_pkg::SYNC_DECODER_ADDR_BITS), 32'(conductor_regs_pkg::SYNC_ENCODER_ADDR_BITS),
                     32'(conductor_regs_pkg::STEER_ADDR_BITS), 32'(conductor_regs_pkg::FLOW_TABLE_ADDR_BITS),
                     32'(conductor_regs_pkg::DIST_HASH_ADDR_BITS), 32'(conductor_regs_pkg::PARSER_ADDR_BITS), 32'(conductor_regs_pkg::ID_ADDR_BITS)})
  ) u_xbar (
    .clk_i                 (clk_i),
    .rst_ni                (rst_ni),
    .s_axi_control_AWADDR  (s_axi_control_AWADDR),
    .s_axi_control_AWVALID (s_axi_control_AWVALID),
    .s_axi_control_AWREADY (s_axi_control_AWREADY),
    .s_axi_control_WDATA   (s_axi_control_WDATA),
    .s_axi_control_WSTRB   (s_axi_control_WSTRB),
    .s_axi_control_WVALID  (s_axi_control_WVALID),
    .s_axi_control_WREADY  (s_axi_control_WREADY),
    .s_axi_control_BRESP   (s_axi_control_BRESP),
    .s_axi_control_BVALID  (s_axi_control_BVALID),
    .s_axi_control_BREADY  (s_axi_control_BREADY),
    .s_axi_control_ARADDR  (s_axi_control_ARADDR),
    .s_axi_control_ARVALID (s_axi_control_ARVALID),
    .s_axi_control_ARREADY (s_axi_control_ARREADY),
    .s_axi_control_RDATA   (s_axi_control_RDATA),
    .s_axi_control_RRESP   (s_axi_control_RRESP),
    .s_axi_control_RVALID  (s_axi_control_RVALID),
    .s_axi_control_RREADY  (s_axi_control_RREADY),
    .m_axil_awaddr         (sl_awaddr),
    .m_axil_awvalid        (sl_awvalid),
    .m_axil_awready        (sl_awready),
    .m_axil_wdata          (sl_wdata),
    .m_axil_wstrb          (sl_wstrb),
    .m_axil_wvalid         (sl_wvalid),
    .m_axil_wready         (sl_wready),
    .m_axil_bresp          (sl_bresp),
    .m_axil_bvalid         (sl_bvalid),
    .m_axil_bready         (sl_bready),
    .m_axil_araddr         (sl_araddr),
    .m_axil_arvalid        (sl_arvalid),
    .m_axil_arready        (sl_arready),
    .m_axil_rdata          (sl_rdata),
    .m_axil_rresp          (sl_rresp),
    .m_axil_rvalid         (sl_rvalid),
    .m_axil_rready         (sl_rready)
  );

  // ---------------------------------------------------------------- id block
  logic [31:0] caps;
  always_comb begin
    caps = 32'd0;
    caps[conductor_regs_pkg::ID_CAPS_BUCKET_LOG2_MAX_LSB +: conductor_regs_pkg::ID_CAPS_BUCKET_LOG2_MAX_WIDTH] = BucketLog2Max[4:0];
    caps[conductor_regs_pkg::ID_CAPS_LANES_LSB +: conductor_regs_pkg::ID_CAPS_LANES_WIDTH]             = 4'd1;
    caps[conductor_regs_pkg::ID_CAPS_MAX_SITES_LSB +: conductor_regs_pkg::ID_CAPS_MAX_SITES_WIDTH]     = 2'd2;
    caps[conductor_regs_pkg::ID_CAPS_MAX_MEMBERS_LSB +: conductor_regs_pkg::ID_CAPS_MAX_MEMBERS_WIDTH] = 7'd64;
  end

  logic [31:0] scratch_unused;
  id_csr u_id_csr (
    .clk_i                 (clk_i),
    .rst_ni                (rst_ni),
    .s_axi_control_AWADDR  (sl_awaddr[0*AW +: conductor_regs_pkg::ID_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[0]),
    .s_axi_control_AWREADY (sl_awready[0]),
    .s_axi_control_WDATA   (sl_wdata[0*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[0*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[0]),
    .s_axi_control_WREADY  (sl_wready[0]),
    .s_axi_control_BRESP   (sl_bresp[0*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[0]),
    .s_axi_control_BREADY  (sl_bready[0]),
    .s_axi_control_ARADDR  (sl_araddr[0*AW +: conductor_regs_pkg::ID_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[0]),
    .s_axi_control_ARREADY (sl_arready[0]),
    .s_axi_control_RDATA   (sl_rdata[0*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[0*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[0]),
    .s_axi_control_RREADY  (sl_rready[0]),
    .build_hash_i          (BuildHash),
    .caps_i                (caps),
    .scratch_o             (scratch_unused)
  );

  // ---------------------------------------------------------------- parser block (counters)
  logic [31:0] parser_ctrl, default_dest, counter_clear;
  logic [31:0] cnt_rx_q, cnt_ok_q, cnt_nonip_q, cnt_trunc_q, cnt_bad_q, cnt_ext_q, cnt_def_q, cnt_drop_q;

  parser_csr u_parser_csr (
    .clk_i                 (clk_i),
    .rst_ni                (rst_ni),
    .s_axi_control_AWADDR  (sl_awaddr[1*AW +: conductor_regs_pkg::PARSER_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[1]),
    .s_axi_control_AWREADY (sl_awready[1]),
    .s_axi_control_WDATA   (sl_wdata[1*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[1*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[1]),
    .s_axi_control_WREADY  (sl_wready[1]),
    .s_axi_control_BRESP   (sl_bresp[1*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[1]),
    .s_axi_control_BREADY  (sl_bready[1]),
    .s_axi_control_ARADDR  (sl_araddr[1*AW +: conductor_regs_pkg::PARSER_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[1]),
    .s_axi_control_ARREADY (sl_arready[1]),
    .s_axi_control_RDATA   (sl_rdata[1*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[1*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[1]),
    .s_axi_control_RREADY  (sl_rready[1]),
    .ctrl_o                (parser_ctrl),
    .default_dest_o        (default_dest),
    .rx_pkts_i             (cnt_rx_q),
    .parsed_ok_i           (cnt_ok_q),
    .non_ip_i              (cnt_nonip_q),
    .truncated_i           (cnt_trunc_q),
    .bad_header_i          (cnt_bad_q),
    .ext_limit_i           (cnt_ext_q),
    .defaulted_i           (cnt_def_q),
    .dropped_i             (cnt_drop_q),
    .counter_clear_o       (counter_clear)
  );

  // ---------------------------------------------------------------- steer block (correction layer)
  logic [31:0] member_up0, member_up1, member_up2, member_up3, site_up_reg, steer_clear;
  logic [31:0] age_frames, sync_reg, sync_records, sync_dropped;
  logic        sync_gen;
  logic [31:0] cnt_new_q, cnt_hit_q, cnt_corr_q, cnt_fail_q, cnt_full_q, cnt_ops_q, if_max_q;
  logic [31:0] cnt_age_q, cnt_exp_q, cnt_opdrop_q, cnt_learndrop_q, cnt_held_q, learn_hold;
  logic [31:0] cnt_sy_applied_q, cnt_sy_windows_q;
  logic        backup_req, backup_we;
  logic [6:0]  backup_addr;
  logic [31:0] backup_wdata, backup_rdata_q;
  logic [3:0]  backup_wstrb;

  steer_csr u_steer_csr (
    .clk_i                 (clk_i),
    .rst_ni                (rst_ni),
    .s_axi_control_AWADDR  (sl_awaddr[4*AW +: conductor_regs_pkg::STEER_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[4]),
    .s_axi_control_AWREADY (sl_awready[4]),
    .s_axi_control_WDATA   (sl_wdata[4*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[4*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[4]),
    .s_axi_control_WREADY  (sl_wready[4]),
    .s_axi_control_BRESP   (sl_bresp[4*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[4]),
    .s_axi_control_BREADY  (sl_bready[4]),
    .s_axi_control_ARADDR  (sl_araddr[4*AW +: conductor_regs_pkg::STEER_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[4]),
    .s_axi_control_ARREADY (sl_arready[4]),
    .s_axi_control_RDATA   (sl_rdata[4*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[4*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[4]),
    .s_axi_control_RREADY  (sl_rready[4]),
    .member_up0_o          (member_up0),
    .member_up1_o          (member_up1),
    .member_up2_o          (member_up2),
    .member_up3_o          (member_up3),
    .site_up_o             (site_up_reg),
    .age_frames_o          (age_frames),
    .sync_o                (sync_reg),
    .learn_hold_o          (learn_hold),
    .new_i                 (cnt_new_q),
    .hit_i                 (cnt_hit_q),
    .corrected_i           (cnt_corr_q),
    .failover_i            (cnt_fail_q),
    .learn_full_i          (cnt_full_q),
    .ops_issued_i          (cnt_ops_q),
    .inflight_max_i        (if_max_q),
    .age_ops_i             (cnt_age_q),
    .expired_i             (cnt_exp_q),
    .ops_dropped_i         (cnt_opdrop_q),
    .learn_dropped_i       (cnt_learndrop_q),
    .learn_held_i          (cnt_held_q),
    .sync_records_i        (sync_records),
    .sync_dropped_i        (sync_dropped),
    .sync_applied_i        (cnt_sy_applied_q),
    .sync_windows_i        (cnt_sy_windows_q),
    .counter_clear_o       (steer_clear),
    .backup_req_o          (backup_req),
    .backup_we_o           (backup_we),
    .backup_addr_o         (backup_addr),
    .backup_wdata_o        (backup_wdata),
    .backup_wstrb_o        (backup_wstrb),
    .backup_rdata_i        (backup_rdata_q)
  );

  // Backup map: 128 BACKUP_ENTRY words in flops (two combinational read ports for the steer stage).
  // Only the field bits are stored (mask 0xFF7F), so bit 15 of FLOW_VALUE stays 0.
  logic [15:0] backup_q [128];
  always_ff @(posedge clk_i) begin
    if (backup_req && backup_we) begin
      if (backup_wstrb[0]) backup_q[backup_addr][7:0]  <= backup_wdata[7:0] & 8'h7F;
      if (backup_wstrb[1]) backup_q[backup_addr][15:8] <= backup_wdata[15:8];
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) backup_rdata_q <= '0;
    else if (backup_req && !backup_we) backup_rdata_q <= {16'd0, backup_q[backup_addr]};
  end

  // ================================================================ data path
  // ---------------------------------------------------------------- input fork
  logic frame_full, frame_empty, parser_ready, in_fire, in_frame_q;
  logic [$clog2(FrameFifoBeats):0] unused_frame_count, unused_time_count;
  logic [$clog2(HeadFifoDepth):0] unused_head_count;
  logic [$clog2(MetaFifoDepth):0] unused_meta_count;
  logic [FrameBits-1:0] frame_head;
  logic out_fire;

  assign s_axis_tready = !frame_full && parser_ready;
  assign in_fire = s_axis_tvalid && s_axis_tready;

  sync_fifo #(.Width(FrameBits), .Depth(FrameFifoBeats)) u_frame_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (in_fire),
    .wdata_i ({s_axis_tlast, s_axis_tkeep, s_axis_tdata}),
    .re_i    (out_fire),
    .rdata_o (frame_head),
    .empty_o (frame_empty),
    .full_o  (frame_full),
    .count_o (unused_frame_count)
  );

  // The first beat's timestamp waits beside the parser for the frame's key. A frame's beats stay
  // in the frame FIFO until after its key, so this FIFO never holds more than that one.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) in_frame_q <= 1'b0;
    else if (in_fire) in_frame_q <= !s_axis_tlast;
  end

  logic        key_fire, time_empty, time_full;
  logic [31:0] time_head;
  sync_fifo #(.Width(32), .Depth(FrameFifoBeats)) u_time_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (in_fire && !in_frame_q),
    .wdata_i (s_axis_tuser[39:8]),
    .re_i    (key_fire),
    .rdata_o (time_head),
    .empty_o (time_empty),
    .full_o  (time_full),
    .count_o (unused_time_count)
  );

  // ---------------------------------------------------------------- parser -> dist_hash
  logic [KeyBits-1:0]       key_tdata;
  logic [3:0]               key_status;
  logic                     key_tvalid, key_tready, hash_ready;
  logic                     head_full, head_empty;
  logic [HeadBits-1:0]      head_q;

  pkt_parser u_parser (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .s_axis_tdata  (s_axis_tdata),
    .s_axis_tkeep  (s_axis_tkeep),
    .s_axis_tuser  (s_axis_tuser[7:0]),
    .s_axis_tlast  (s_axis_tlast),
    .s_axis_tvalid (s_axis_tvalid && !frame_full),
    .s_axis_tready (parser_ready),
    .m_key_tdata   (key_tdata),
    .m_key_tuser   (key_status),
    .m_key_tvalid  (key_tvalid),
    .m_key_tready  (key_tready)
  );

  // A key enters dist_hash only with room for its time, status and key beside it.
  assign key_tready = hash_ready && !head_full;
  assign key_fire   = key_tvalid && key_tready;

  logic [conductor_regs_pkg::DECISION_BITS-1:0] dec_tdata;
  logic                     dec_tvalid, dec_tready;

  dist_hash #(.BucketLog2Max(BucketLog2Max)) u_dist_hash (
    .ap_clk                (clk_i),
    .ap_rst_n              (rst_ni),
    .s_key_TDATA           (key_tdata),
    .s_key_TVALID          (key_tvalid && !head_full),
    .s_key_TREADY          (hash_ready),
    .m_dec_TDATA           (dec_tdata),
    .m_dec_TVALID          (dec_tvalid),
    .m_dec_TREADY          (dec_tready),
    .s_axi_control_AWADDR  (sl_awaddr[2*AW +: conductor_regs_pkg::DIST_HASH_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[2]),
    .s_axi_control_AWREADY (sl_awready[2]),
    .s_axi_control_WDATA   (sl_wdata[2*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[2*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[2]),
    .s_axi_control_WREADY  (sl_wready[2]),
    .s_axi_control_BRESP   (sl_bresp[2*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[2]),
    .s_axi_control_BREADY  (sl_bready[2]),
    .s_axi_control_ARADDR  (sl_araddr[2*AW +: conductor_regs_pkg::DIST_HASH_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[2]),
    .s_axi_control_ARREADY (sl_arready[2]),
    .s_axi_control_RDATA   (sl_rdata[2*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[2*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[2]),
    .s_axi_control_RREADY  (sl_rready[2])
  );

  logic lk_fire;
  // The head FIFO is read as the lookup enters the table: on chip its handshake (lk_fire), in HBM
  // its prefetch (pf_fire; lk_fire is then its release).
  logic head_re, pf_fire, pf_full, tab_released;
  assign head_re = FlowHbm != 0 ? pf_fire : lk_fire;
  // The head in a register: its canonical key (a 128-bit address compare and the swap) is formed
  // in the clock it goes into the side FIFO, so the storage's read does not add to that path.
  sync_fifo #(.Width(HeadBits), .Depth(HeadFifoDepth), .RegHead(1'b1)) u_head_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (key_fire),
    .wdata_i ({time_head, key_status, key_tdata}),
    .re_i    (head_re),
    .rdata_o (head_q),
    .empty_o (head_empty),
    .full_o  (head_full),
    .count_o (unused_head_count)
  );

  // ---------------------------------------------------------------- dist_hash -> flow_table lookup
  // Every frame is looked up (a defaulted frame's key has no IP_VALID and misses), TAG = DECISION.
  // Credits: a lookup is admitted only while lookups in the table plus results queued for steer
  // are fewer than LookupCredits, so m_result_TREADY is always 1 and the table's global enable
  // (which also runs its op engine) never waits on the steer stage.
  logic [$clog2(LookupCredits):0] credit_q;
  logic lk_room, lk_ready, steer_fire, p_load;
  logic [CKeyBits-1:0] head_ckey;
  logic head_ckey_valid;

  // Ageing: every AGE_FRAMES-th frame (counted at lookup) is followed by an AGE op with its
  // timestamp, issued by the steer stage after the frame's own op. The next frame's lookup waits
  // for the AGE's handshake (age_block_q), so it and every later frame see the sweep in the table,
  // exactly as the sequential model applies it between the two frames.
  logic [31:0] age_cnt_q;
  logic        lk_age, age_block_q, age_shake, lk_pre_w, lk_pre_q;
  logic        sy_block_q;  // a sync window is open: no lookup (see "HyperSync in")
  assign lk_age = (age_frames != 32'd0) && ({1'b0, age_cnt_q} + 33'd1 >= {1'b0, age_frames});
  // The frame is among the last pre_w_q (min(1024, AGE_FRAMES/2)) or pre_q_q (min(256,
  // AGE_FRAMES/4): longer than the longest walk, 16 steps of at most 13 clocks) frames before the
  // next AGE op: the steer stage keeps the op engine nearly idle there while INSERTs are failing
  // (age_quiet below), so that the AGE does not queue behind failing walks.
  logic [31:0] pre_w_q, pre_q_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pre_w_q <= '0;
      pre_q_q <= '0;
    end else begin
      pre_w_q <= age_frames[31:1] > 31'd1024 ? 32'd1024 : {1'b0, age_frames[31:1]};
      pre_q_q <= age_frames[31:2] > 30'd256 ? 32'd256 : {2'b0, age_frames[31:2]};
    end
  end
  assign lk_pre_w = (age_frames != 32'd0) && ({1'b0, age_cnt_q} + {1'b0, pre_w_q} >= {1'b0, age_frames});
  assign lk_pre_q = (age_frames != 32'd0) && ({1'b0, age_cnt_q} + {1'b0, pre_q_q} >= {1'b0, age_frames});

  assign lk_room    = credit_q < ($clog2(LookupCredits) + 1)'(LookupCredits) && !age_block_q && !sy_block_q;
  // On chip a lookup enters the table when the credits allow (lk_fire). In HBM it enters as soon
  // as the table takes it (pf_fire: its reads start) and the credits, the AGE and the sync window
  // hold its release instead (release_i): the release is the lookup's handshake of the on-chip
  // table, so everything below (credits, sequence numbers, the in-flight table) counts releases.
  assign dec_tready = FlowHbm != 0 ? lk_ready && !pf_full : lk_ready && lk_room;
  assign pf_fire    = FlowHbm != 0 && dec_tvalid && dec_tready;
  assign lk_fire    = FlowHbm != 0 ? tab_released : dec_tvalid && dec_tready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      age_cnt_q <= '0;
      age_block_q <= 1'b0;
    end else begin
      if (lk_fire) age_cnt_q <= (age_frames == 32'd0 || lk_age) ? 32'd0 : age_cnt_q + 32'd1;
      if (lk_fire && lk_age) age_block_q <= 1'b1;
      else if (age_shake) age_block_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) credit_q <= '0;
    else credit_q <= credit_q + ($clog2(LookupCredits) + 1)'(lk_fire) - ($clog2(LookupCredits) + 1)'(steer_fire);
  end

  flow_canon u_head_canon (
    .key_i   (head_q[0 +: KeyBits]),
    .ckey_o  (head_ckey),
    .valid_o (head_ckey_valid)
  );

  // HBM: the head and its canonical key wait here from the prefetch to the release.
  logic [CKeyBits+HeadBits-1:0] lk_src;
  if (FlowHbm != 0) begin : gen_prefetch
    logic [CKeyBits+HeadBits-1:0] pf_q;
    logic pf_empty;
    logic [FlowRobLog2+1:0] unused_pf_count;
    sync_fifo #(.Width(CKeyBits + HeadBits), .Depth(2 << FlowRobLog2)) u_pf_fifo (
      .clk_i   (clk_i),
      .rst_ni  (rst_ni),
      .we_i    (pf_fire),
      .wdata_i ({head_ckey, head_q}),
      .re_i    (lk_fire),
      .rdata_o (pf_q),
      .empty_o (pf_empty),
      .full_o  (pf_full),
      .count_o (unused_pf_count)
    );
    assign lk_src = pf_q;
    logic unused_pf;
    assign unused_pf = ^{pf_empty, unused_pf_count};
  end else begin : gen_no_prefetch
    assign lk_src  = {head_ckey, head_q};
    assign pf_full = 1'b0;
  end

  logic [SideBits-1:0] side_q;
  logic side_empty, side_full;
  logic [$clog2(LookupFifoDepth):0] unused_side_count, unused_res_count;
  sync_fifo #(.Width(SideBits), .Depth(LookupFifoDepth)) u_side_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (lk_fire),
    .wdata_i ({lk_pre_q, lk_pre_w, lk_age, lk_src}),
    .re_i    (p_load),
    .rdata_o (side_q),
    .empty_o (side_empty),
    .full_o  (side_full),
    .count_o (unused_side_count)
  );

  logic [ResBits-1:0] res_tdata, res_q;
  logic res_tvalid, res_empty, res_full;
  logic [OpBits-1:0] op_tdata;
  logic op_tvalid, op_tready;
  logic [EvBits-1:0] ev_tdata;
  logic ev_tvalid;

  logic tab_applied;  // HBM: the table's engine took an op (its handshake; on chip the s_op handshake)
  // The ports both builds of the table connect alike, written once for the two instances below.
`define CONDUCTOR_FLOW_TABLE_PORTS \
      .ap_clk                (clk_i), \
      .ap_rst_n              (rst_ni), \
      .s_lookup_TDATA        ({dec_tdata, head_q[0 +: KeyBits]}), \
      .s_lookup_TREADY       (lk_ready), \
      .m_result_TDATA        (res_tdata), \
      .m_result_TVALID       (res_tvalid), \
      .m_result_TREADY       (1'b1), \
      .s_op_TDATA            (op_head), \
      .s_op_TVALID           (op_tvalid), \
      .s_op_TREADY           (op_tready), \
      .m_event_TDATA         (ev_tdata), \
      .m_event_TVALID        (ev_tvalid), \
      .m_event_TREADY        (1'b1), \
      .sync_gen_o            (sync_gen), \
      .s_axi_control_AWADDR  (sl_awaddr[3*AW +: conductor_regs_pkg::FLOW_TABLE_ADDR_BITS]), \
      .s_axi_control_AWVALID (sl_awvalid[3]), \
      .s_axi_control_AWREADY (sl_awready[3]), \
      .s_axi_control_WDATA   (sl_wdata[3*32 +: 32]), \
      .s_axi_control_WSTRB   (sl_wstrb[3*4 +: 4]), \
      .s_axi_control_WVALID  (sl_wvalid[3]), \
      .s_axi_control_WREADY  (sl_wready[3]), \
      .s_axi_control_BRESP   (sl_bresp[3*2 +: 2]), \
      .s_axi_control_BVALID  (sl_bvalid[3]), \
      .s_axi_control_BREADY  (sl_bready[3]), \
      .s_axi_control_ARADDR  (sl_araddr[3*AW +: conductor_regs_pkg::FLOW_TABLE_ADDR_BITS]), \
      .s_axi_control_ARVALID (sl_arvalid[3]), \
      .s_axi_control_ARREADY (sl_arready[3]), \
      .s_axi_control_RDATA   (sl_rdata[3*32 +: 32]), \
      .s_axi_control_RRESP   (sl_rresp[3*2 +: 2]), \
      .s_axi_control_RVALID  (sl_rvalid[3]), \
      .s_axi_control_RREADY  (sl_rready[3])
  if (FlowHbm != 0) begin : gen_hbm_table
    flow_table_hbm #(
      .BucketLog2Max (FlowBucketLog2Max),
      .RobLog2       (FlowRobLog2),
      .ChLog2        (FlowChLog2),
      .CacheLog2     (FlowCacheLog2),
      .AddrBits      (FlowAddrBits)
    ) u_flow_table (
      `CONDUCTOR_FLOW_TABLE_PORTS,
      .s_lookup_TVALID       (dec_tvalid && !pf_full),
      .release_i             (lk_room),
      .released_o            (tab_released),
      .op_applied_o          (tab_applied),
      .cache_error_o         (flow_cache_error_o),
      .force_free_o          (flow_force_free_o),
      .m_axi_arvalid         (m_axi_flow_arvalid),
      .m_axi_arready         (m_axi_flow_arready),
      .m_axi_araddr          (m_axi_flow_araddr),
      .m_axi_arid            (m_axi_flow_arid),
      .m_axi_arlen           (m_axi_flow_arlen),
      .m_axi_rvalid          (m_axi_flow_rvalid),
      .m_axi_rready          (m_axi_flow_rready),
      .m_axi_rdata           (m_axi_flow_rdata),
      .m_axi_rid             (m_axi_flow_rid),
      .m_axi_rlast           (m_axi_flow_rlast),
      .m_axi_awvalid         (m_axi_flow_awvalid),
      .m_axi_awready         (m_axi_flow_awready),
      .m_axi_awaddr          (m_axi_flow_awaddr),
      .m_axi_awid            (m_axi_flow_awid),
      .m_axi_awlen           (m_axi_flow_awlen),
      .m_axi_wvalid          (m_axi_flow_wvalid),
      .m_axi_wready          (m_axi_flow_wready),
      .m_axi_wdata           (m_axi_flow_wdata),
      .m_axi_wstrb           (m_axi_flow_wstrb),
      .m_axi_wlast           (m_axi_flow_wlast),
      .m_axi_bvalid          (m_axi_flow_bvalid),
      .m_axi_bready          (m_axi_flow_bready),
      .m_axi_bid             (m_axi_flow_bid)
    );
  end else begin : gen_onchip_table
    flow_table #(.BucketLog2Max(FlowBucketLog2Max)) u_flow_table (
      `CONDUCTOR_FLOW_TABLE_PORTS,
      .s_lookup_TVALID       (dec_tvalid && lk_room)
    );
    assign tab_released       = 1'b0;
    assign tab_applied        = 1'b0;
    assign flow_cache_error_o = 1'b0;
    assign flow_force_free_o  = 1'b0;
    assign m_axi_flow_arvalid = '0;
    assign m_axi_flow_araddr  = '0;
    assign m_axi_flow_arid    = '0;
    assign m_axi_flow_arlen   = '0;
    assign m_axi_flow_rready  = '0;
    assign m_axi_flow_awvalid = '0;
    assign m_axi_flow_awaddr  = '0;
    assign m_axi_flow_awid    = '0;
    assign m_axi_flow_awlen   = '0;
    assign m_axi_flow_wvalid  = '0;
    assign m_axi_flow_wdata   = '0;
    assign m_axi_flow_wstrb   = '0;
    assign m_axi_flow_wlast   = '0;
    assign m_axi_flow_bready  = '0;
    logic unused_axi;
    assign unused_axi = ^{m_axi_flow_arready, m_axi_flow_rvalid, m_axi_flow_rdata, m_axi_flow_rid, m_axi_flow_rlast,
                          m_axi_flow_awready, m_axi_flow_wready, m_axi_flow_bvalid, m_axi_flow_bid};
  end
`undef CONDUCTOR_FLOW_TABLE_PORTS

  // The register reads of the rule on the lookup result, made as the result arrives (steer_reads)
  // and queued with it: a MEMBER_UP, SITE_UP or BACKUP write applies to frames whose lookup result
  // arrives after it (the host writes them between frames; docs/architecture.md).
  logic [PreBits-1:0] res_pre_w, res_pre_q;
  logic [127:0]       member_up;
  logic [1:0]         site_up;
  logic [2047:0]      backup_flat;
  steer_reads u_reads_res (
    .dec_i       (res_tdata[conductor_regs_pkg::FLOW_RESULT_TAG_LSB +: 64]),
    .value_i     (res_tdata[conductor_regs_pkg::FLOW_RESULT_VALUE_LSB +: 64]),
    .member_up_i (member_up), .site_up_i (site_up), .backup_i (backup_flat),
    .pre_o       (res_pre_w)
  );
  sync_fifo #(.Width(PreBits + ResBits), .Depth(LookupFifoDepth)) u_result_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (res_tvalid),
    .wdata_i ({res_pre_w, res_tdata}),
    .re_i    (p_load),
    .rdata_o ({res_pre_q, res_q}),
    .empty_o (res_empty),
    .full_o  (res_full),
    .count_o (unused_res_count)
  );

  // ---------------------------------------------------------------- sequence numbers
  // lk_seq_q: lookups accepted so far (the next lookup's number); steer_seq_q: frames steered so
  // far (the number of the frame at the steer stage: frames reach it in lookup order).
  logic [31:0] lk_seq_q, steer_seq_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lk_seq_q <= '0;
      steer_seq_q <= '0;
    end else begin
      if (lk_fire) lk_seq_q <= lk_seq_q + 32'd1;  // the handshake as the enable, not an addend
      if (steer_fire) steer_seq_q <= steer_seq_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------- the steer pipeline
  // Two register stages between the result FIFO and the meta FIFO, so that no path from a FIFO,
  // the in-flight table or the filter to a decision is deeper than one compare or one selection
  // (docs/architecture.md, "The steer pipeline"):
  //   P (pre-steer): the head frame's key is compared with every in-flight entry and the entries it
  //                  matches are kept (p_cand: valid, not superseded, live for this frame); the
  //                  correction rule is evaluated on its lookup result (u_decide_res) and on
  //                  "miss" (u_decide_new); the recently-failed filter is read.
  //   S (steer):     the frame picks one of those decisions by what the in-flight table holds
  //                  for its key, issues its op and writes its STEER_META.
  // The one op that can enter the in-flight table between a frame's P clock and its S clock is
  // its predecessor's, issued on the edge that moves the frame into S: fwd_q marks it, s_eq1_q
  // says whether its key is the frame's, last_w1h_q is its slot.
  // A frame whose key has a live in-flight op that is present and not a pending INSERT needs the
  // rule on that op's value: it takes the slow path, two clocks in S (u_decide_ring on the value
  // and the ring entry's register reads,
  // registered), which happens only while such an op (an UPDATE, or an INSERT whose event is
  // back) is in flight.
  logic                 p_valid_q, s_valid_q, p_go;
  logic [SideBits-1:0]  p_side_q, s_side_q;
  logic [ResBits-1:0]   p_res_q, s_res_q;
  logic [PreBits-1:0]   p_pre_q, slow_pre_q;
  logic [15:0]          s_bkb_q;  // the BACKUP of the frame's bucket member (steer_reads)
  logic [31:0]          pl_seq_q;  // frames loaded into P so far (the next one's number)
  logic [CKeyBits-1:0]  p_ckey, s_ckey;
  logic [KeyBits-1:0]   s_key;
  logic [3:0]           p_status, s_status;
  logic [31:0]          p_time, s_time;
  logic [63:0]          p_dec, s_dec;
  logic                 s_age, s_pre_w, s_pre_q;
  logic [InflightEntries-1:0] p_cand, s_cand_q, last_w1h_q, if_match;
  logic                 p_eq_s, s_eq1_q, fwd_q, fwd_eq;
  logic                 drop_default;
  logic [63:0]  op_value, new_value, ring_val;
  logic         found, pend_key, ring_present, slow, has_op, is_insert;
  logic         steer_valid, op_drop, op_issue, held, takes_default, age_quiet, full_cur_q, full_prev_q;
  logic [3:0]   opcode;
  logic [1:0]   action;
  logic meta_full, meta_empty;
  logic [conductor_regs_pkg::STEER_META_BITS-1:0] meta_d, meta_head;
  logic op_full, op_empty;

  assign p_ckey   = p_side_q[KeyBits + 36 +: CKeyBits];
  assign p_status = p_side_q[KeyBits +: 4];
  assign p_time   = p_side_q[KeyBits + 4 +: 32];
  assign p_dec    = p_res_q[conductor_regs_pkg::FLOW_RESULT_TAG_LSB +: 64];
  assign s_key    = s_side_q[0 +: KeyBits];
  assign s_status = s_side_q[KeyBits +: 4];
  assign s_time   = s_side_q[KeyBits + 4 +: 32];
  assign s_ckey   = s_side_q[KeyBits + 36 +: CKeyBits];
  assign s_age    = s_side_q[KeyBits + 36 + CKeyBits];
  assign s_pre_w  = s_side_q[KeyBits + 36 + CKeyBits + 1];
  assign s_pre_q  = s_side_q[KeyBits + 36 + CKeyBits + 2];
  assign s_dec    = s_res_q[conductor_regs_pkg::FLOW_RESULT_TAG_LSB +: 64];
  assign member_up    = {member_up3, member_up2, member_up1, member_up0};
  assign site_up      = site_up_reg[1:0];
  assign drop_default = parser_ctrl[conductor_regs_pkg::PARSER_CTRL_DEFAULT_ACTION_LSB];

  assign p_go   = p_valid_q && (!s_valid_q || steer_fire);
  assign p_load = !res_empty && (!p_valid_q || p_go);
  assign p_eq_s = p_ckey == s_ckey;

  // ---------------------------------------------------------------- decisions (P and slow path)
  for (genvar m = 0; m < 128; m++) begin : gen_backup_flat
    assign backup_flat[m * 16 +: 16] = backup_q[m];
  end

  // The slow path's register reads on the in-flight value: made for each ring entry the clock
  // after its op is issued (if_pre_q, from last_val_q); the frame right after the issuer takes
  // them from last_val_q directly (u_reads_last). The bucket member's backup is the frame's own.
  localparam int unsigned RingPreBits = PreBits - 16;  // without the bucket member's BACKUP
  logic [PreBits-1:0]     last_pre, slow_pre_d;
  logic [RingPreBits-1:0] ring_pre;
  logic [63:0]            last_val_q;
  logic [IfBits-1:0]      last_slot_q;
  logic                   last_new_q;  // an op was issued on the last edge
  logic                   last_ins_q;  // ... and it was an INSERT
  logic [RingPreBits-1:0] if_pre_q [InflightEntries];
  steer_reads u_reads_last (
    .dec_i (s_dec), .value_i (last_val_q),
    .member_up_i (member_up), .site_up_i (site_up), .backup_i (backup_flat),
    .pre_o (last_pre)
  );

  // One decision: STEER_META (without OP_DROPPED), action, op.
  localparam int unsigned DecBits = conductor_regs_pkg::STEER_META_BITS + 2 + 1 + 1 + 4 + 64;
  logic [DecBits-1:0] pa_dec, pb_dec, pc_dec, sa_q, sb_q, sc_q, sel_dec;
  logic [63:0] slow_val_q;

  steer_decide u_decide_res (
    .status_i (p_status), .dec_i (p_dec),
    .hit_i (p_res_q[conductor_regs_pkg::FLOW_RESULT_HIT_LSB]),
    .value_i (p_res_q[conductor_regs_pkg::FLOW_RESULT_VALUE_LSB +: 64]), .pre_i (p_pre_q),
    .default_dest_i (default_dest), .drop_default_i (drop_default),
    .meta_o (pa_dec[0 +: 64]), .action_o (pa_dec[64 +: 2]), .has_op_o (pa_dec[66]),
    .is_insert_o (pa_dec[67]), .opcode_o (pa_dec[68 +: 4]), .op_value_o (pa_dec[72 +: 64])
  );
  steer_decide u_decide_new (
    .status_i (p_status), .dec_i (p_dec), .hit_i (1'b0), .value_i (64'd0), .pre_i (p_pre_q),
    .default_dest_i (default_dest), .drop_default_i (drop_default),
    .meta_o (pb_dec[0 +: 64]), .action_o (pb_dec[64 +: 2]), .has_op_o (pb_dec[66]),
    .is_insert_o (pb_dec[67]), .opcode_o (pb_dec[68 +: 4]), .op_value_o (pb_dec[72 +: 64])
  );
  steer_decide u_decide_ring (
    .status_i (s_status), .dec_i (s_dec), .hit_i (1'b1), .value_i (slow_val_q), .pre_i (slow_pre_q),
    .default_dest_i (default_dest), .drop_default_i (drop_default),
    .meta_o (pc_dec[0 +: 64]), .action_o (pc_dec[64 +: 2]), .has_op_o (pc_dec[66]),
    .is_insert_o (pc_dec[67]), .opcode_o (pc_dec[68 +: 4]), .op_value_o (pc_dec[72 +: 64])
  );

  // ---------------------------------------------------------------- in-flight table
  // One entry per op issued, in issue order (a ring): the canonical key, the value the op leaves
  // (present = 0 after a FULL insert), and when the op became visible. Entry k applies to a frame
  // unless its op was handshaken before that frame's lookup (vis_seq <= the frame's number): those
  // frames already saw it in the table. See docs/architecture.md.
  // Superseded: an op marks the entry its frame matched superseded, so a key has at most one valid,
  // unsuperseded, live entry, its youngest, and a frame's match is one-hot (no priority search).
  // An older entry of a key is never live when its youngest is not (handshakes are in order), and
  // an entry live for a frame stays live for it (an op handshaken later is not visible to it).
  logic [CKeyBits-1:0] if_ckey_q [InflightEntries];
  logic [63:0]         if_value_q [InflightEntries];
  logic [HfSigBits-1:0] if_bkt_q [InflightEntries];  // the key's buckets (the filter's signature)
  logic [31:0]         if_vis_q [InflightEntries];
  logic [InflightEntries-1:0] if_present_q, if_insert_q, if_shaken_q, if_resolved_q, if_valid_q, if_sup_q;
  logic [InflightEntries-1:0] if_failed_q;  // the slot's op came back FULL (not yet in the filter)
  logic [IfBits:0]     if_wr_q, if_rd_q, if_shk_q, if_res_q;
  logic [IfBits:0]     if_count;
  logic                if_full, if_free, op_shake;
  logic [31:0]         rd_diff;
  logic [InflightEntries-1:0] p_seen_n, p_seen_q;  // entries P's frame already saw in the table

  // AGE and sync ops take no entry: op_shake and ev_ring count only the ring's ops and their events.
  logic ev_age, ev_sy, ev_ring, head_age, head_sy;
  assign if_count = if_wr_q - if_rd_q;
  assign if_full  = if_count == (IfBits + 1)'(InflightEntries);
  // The table's op handshake: on chip the s_op handshake of the op FIFO's head; in HBM the engine
  // taking the op its gate holds (op_applied_o), whose kind was kept as it left the FIFO.
  logic tab_shake, shk_age, shk_sy;
  if (FlowHbm != 0) begin : gen_shake_hbm
    logic [1:0] kind_q;  // {AGE, sync} of the op in the table's gate
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) kind_q <= '0;
      else if (op_tvalid && op_tready) kind_q <= {head_age, head_sy};
    end
    assign tab_shake = tab_applied;
    assign shk_age   = kind_q[1];
    assign shk_sy    = kind_q[0];
  end else begin : gen_shake_onchip
    assign tab_shake = op_tvalid && op_tready;
    assign shk_age   = head_age;
    assign shk_sy    = head_sy;
    logic unused_applied;
    assign unused_applied = tab_applied;
  end
  assign op_shake = tab_shake && !shk_age && !shk_sy;
  assign age_shake = tab_shake && shk_age;
  assign ev_age   = ev_tdata[conductor_regs_pkg::FLOW_EVENT_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_AGE;
  assign ev_sy    = ev_tdata[conductor_regs_pkg::FLOW_EVENT_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT ||
                    ev_tdata[conductor_regs_pkg::FLOW_EVENT_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_DELETE;
  assign ev_ring  = ev_tvalid && !ev_age && !ev_sy;
  logic ev_full, ev_expired;
  assign ev_full = ev_tdata[conductor_regs_pkg::FLOW_EVENT_STATUS_LSB +: 4] == conductor_regs_pkg::FLOW_EVENT_STATUS_FULL;
  assign ev_expired = ev_tdata[conductor_regs_pkg::FLOW_EVENT_STATUS_LSB +: 4] == conductor_regs_pkg::FLOW_EVENT_STATUS_EXPIRED;

  for (genvar k = 0; k < InflightEntries; k++) begin : gen_inflight
    logic [31:0] diff;      // only its sign is used
    // Entry k is seen by the frame entering P when its op was handshaken before the frame's
    // lookup (pl_seq_q - vis >= 0 as a signed number). Registered with the frame: while the frame
    // waits in P, an entry can only be re-issued (then it is live again) or handshaken after the
    // frame's lookup (still live), so the flag needs no other update than the clear on issue.
    assign diff = pl_seq_q - if_vis_q[k];
    assign p_seen_n[k] = if_shaken_q[k] && !diff[31];
    // P's candidates: same key, valid, not superseded, live for P's frame.
    assign p_cand[k]   = (if_ckey_q[k] == p_ckey) && if_valid_q[k] && !if_sup_q[k] && !p_seen_q[k];
    assign if_match[k] = fwd_eq ? last_w1h_q[k] : s_cand_q[k];
    logic unused_diff;
    assign unused_diff = ^diff[30:0];
  end
  // The oldest entry is freed when its event is back and the frame at steer (and so every later
  // one) already saw its op in the table.
  assign rd_diff = steer_seq_q - if_vis_q[if_rd_q[IfBits-1:0]];
  assign if_free = if_valid_q[if_rd_q[IfBits-1:0]] && if_shaken_q[if_rd_q[IfBits-1:0]] &&
                   if_resolved_q[if_rd_q[IfBits-1:0]] && !rd_diff[31];

  // ---------------------------------------------------------------- recently-failed filter
  // A bucket pair whose INSERT came back FULL is not offered again for LEARN_HOLD ticks: INSERTs
  // into it are held (no op, OP_DROPPED, LEARN_HELD), the frame follows its bucket, and the
  // engine's time goes to connections that can be learned. 64 entries, direct-mapped by the key's
  // buckets, signature = both buckets, plus the failed op's TIME.
  // Exact without clocks, and nothing waits: op n's failure is taken when op n+16 (ring ops:
  // INSERT and UPDATE) is issued into op n's ring slot by frame X (op n is resolved by then: the
  // slot was free) and is written into the filter while frame X+1 is in S, so frames from X+2 on
  // see it: a point in the frame sequence the model counts. Written only over an empty entry or
  // one older than LEARN_HOLD at op n's TIME (docs/architecture.md, "A full table costs nothing").
  logic [HfEntries-1:0] hf_valid_q;
  logic [HfSigBits-1:0] hf_sig_q [HfEntries];
  logic [31:0]          hf_time_q [HfEntries];
  logic [HfSigBits-1:0] p_sig, s_sig, fw_sig_q, fw_sig_n;
  logic [HfIdxBits-1:0] p_hidx_q, p_hidx_n, fw_hidx_q, fw_hidx_n;
  logic [31:0]          fw_time_q, fw_etime_q;
  logic                 fw_pend_q, fw_ok, fw_apply, fw_evalid_q, fw_fwd, fw_load, p_hfm, s_hfm_q;
  // Index: bucket 1 XOR bucket 2 with the halves of its low bits swapped, so that a small runtime
  // table (few bucket bits) still spreads over the entries (arguments: the buckets' low bits).
  function automatic logic [HfIdxBits-1:0] hf_index(input logic [HfIdxBits-1:0] b1,
                                                    input logic [HfIdxBits-1:0] b2);
    hf_index = b1 ^ {b2[0 +: HfIdxBits/2], b2[HfIdxBits/2 +: HfIdxBits - HfIdxBits/2]};
  endfunction
  assign p_sig   = {p_res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET2_LSB +: HfSigBits / 2],
                    p_res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET1_LSB +: HfSigBits / 2]};
  assign s_sig   = {s_res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET2_LSB +: HfSigBits / 2],
                    s_res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET1_LSB +: HfSigBits / 2]};
  assign p_hidx_n = hf_index(res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET1_LSB +: HfIdxBits],
                              res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET2_LSB +: HfIdxBits]);
  // The pending failure is written while S holds a frame (the one after its issuer). Its index and
  // the filter entry there (valid, TIME) are registered when fw_sig_q is loaded, taking this
  // clock's write when it goes to the same entry; while fw_sig_q is held nothing is written.
  // So no path runs from fw_sig_q through the filter's read into its write (or into p_hfm).
  assign fw_load   = !(fw_pend_q && !s_valid_q);
  assign fw_sig_n  = if_bkt_q[if_wr_q[IfBits-1:0]];
  assign fw_hidx_n = hf_index(fw_sig_n[0 +: HfIdxBits], fw_sig_n[HfSigBits/2 +: HfIdxBits]);
  assign fw_fwd    = fw_apply && fw_hidx_q == fw_hidx_n;
  assign fw_ok     = !fw_evalid_q || (fw_time_q - fw_etime_q) >= learn_hold;
  assign fw_apply  = fw_pend_q && s_valid_q && fw_ok;
  // P's frame sees the pending failure when it is written on the edge that moves it into S.
  always_comb begin
    if (fw_apply && fw_hidx_q == p_hidx_q) begin
      p_hfm = fw_sig_q == p_sig && (p_time - fw_time_q) < learn_hold;
    end else begin
      p_hfm = hf_valid_q[p_hidx_q] && hf_sig_q[p_hidx_q] == p_sig && (p_time - hf_time_q[p_hidx_q]) < learn_hold;
    end
  end
  always_ff @(posedge clk_i) begin
    if (fw_apply) begin
      hf_sig_q[fw_hidx_q]  <= fw_sig_q;
      hf_time_q[fw_hidx_q] <= fw_time_q;
    end
    // Held while a failure waits; otherwise the slot the next op takes (used if it failed).
    if (fw_load) begin
      fw_sig_q   <= fw_sig_n;
      fw_hidx_q  <= fw_hidx_n;
      fw_time_q  <= if_value_q[if_wr_q[IfBits-1:0]][63:32];
      fw_etime_q <= fw_fwd ? fw_time_q : hf_time_q[fw_hidx_n];
    end
  end

  // ---------------------------------------------------------------- pipeline registers
  always_ff @(posedge clk_i) begin
    if (p_load) begin
      p_hidx_q <= p_hidx_n;  // P's filter index, from the lookup result as it enters P
      p_side_q <= side_q;
      p_res_q  <= res_q;
      p_pre_q  <= res_pre_q;
    end
    if (p_go) begin
      s_side_q <= p_side_q;
      s_res_q  <= p_res_q;
      s_bkb_q  <= p_pre_q[PreBits-1 -: 16];
      s_cand_q <= p_cand;
      s_eq1_q  <= p_eq_s;
      s_hfm_q  <= p_hfm;
      sa_q     <= pa_dec;
      sb_q     <= pb_dec;
    end
    slow_val_q <= ring_val;
    slow_pre_q <= slow_pre_d;
    sc_q       <= pc_dec;
  end

  logic [1:0] s_wait_q;  // clocks the frame has been in S (saturating)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
      s_valid_q <= 1'b0;
      fwd_q     <= 1'b0;
      pl_seq_q  <= '0;
      s_wait_q  <= '0;
      hf_valid_q <= '0;
      fw_evalid_q <= 1'b0;
      fw_pend_q <= 1'b0;
    end else begin
      if (p_load) pl_seq_q <= pl_seq_q + 32'd1;
      if (p_load) p_valid_q <= 1'b1;
      else if (p_go) p_valid_q <= 1'b0;
      if (p_go) begin
        s_valid_q <= 1'b1;
        fwd_q     <= op_issue;
        s_wait_q  <= '0;
      end else begin
        if (steer_fire) s_valid_q <= 1'b0;
        if (s_wait_q != 2'd3) s_wait_q <= s_wait_q + 2'd1;
      end
      // Each entry's flag by a compare with its constant index (a write through a variable
      // index becomes a shift of the whole vector in Yosys).
      for (int e = 0; e < HfEntries; e++) begin
        if (fw_apply && fw_hidx_q == HfIdxBits'(e)) hf_valid_q[e] <= 1'b1;
      end
      if (fw_load) fw_evalid_q <= fw_fwd || hf_valid_q[fw_hidx_n];
      if (op_issue && if_failed_q[if_wr_q[IfBits-1:0]]) fw_pend_q <= 1'b1;
      else if (s_valid_q) fw_pend_q <= 1'b0;
    end
  end

  // ---------------------------------------------------------------- steer stage

  // The frame's live in-flight op (its youngest; if_match is one-hot) overrides the lookup result.
  // Written out per case, so that nothing waits for the forwarding select: the predecessor's op
  // (fwd_eq) is present, its INSERT pending and its value last_val_q (its event cannot be back a
  // clock after its issue); otherwise P's candidates (s_cand_q) with the ring's flags.
  logic c_found, c_present, c_pend;
  assign fwd_eq = fwd_q && s_eq1_q;
  always_comb begin
    ring_val = '0;
    ring_pre = '0;
    for (int k = 0; k < InflightEntries; k++) begin
      if (s_cand_q[k]) ring_val = ring_val | if_value_q[k];
      if (s_cand_q[k]) ring_pre = ring_pre | if_pre_q[k];
    end
    if (fwd_eq) ring_val = last_val_q;
    slow_pre_d = fwd_eq ? last_pre : {s_bkb_q, ring_pre};
  end
  assign c_found      = |s_cand_q;
  assign c_present    = |(s_cand_q & if_present_q);
  assign c_pend       = |(s_cand_q & if_insert_q & ~if_resolved_q);
  assign found        = fwd_eq || c_found;
  assign ring_present = fwd_eq || c_present;
  // An INSERT of this key whose event has not come back: FULL or not is unknown. The frame does
  // not wait for it: it is steered as a new connection by its bucket, issues no op and reports
  // the op as not issued (OP_DROPPED, counted as a dropped or held INSERT); the model takes
  // this from the frame's ACTION and OP_DROPPED (CoreModel::process, `pending`).
  assign pend_key = fwd_eq ? last_ins_q : c_pend;
  // The rule on the in-flight value: the slow path (u_decide_ring, ready after two clocks in S).
  assign slow     = found && ring_present && !pend_key;
  // No live op of the key: the lookup result; a pending or failed INSERT: the rule on "miss".
  assign sel_dec  = slow ? sc_q : found ? sb_q : sa_q;
  assign meta_d    = sel_dec[0 +: 64];
  assign action    = sel_dec[64 +: 2];
  assign has_op    = sel_dec[66];
  assign is_insert = sel_dec[67];
  assign opcode    = sel_dec[68 +: 4];
  assign op_value  = sel_dec[72 +: 64];
  assign takes_default = meta_d[conductor_regs_pkg::STEER_META_DEFAULTED_LSB];
  // The value the op leaves in the table (LAST_SEEN := TIME).
  assign new_value = {s_time, op_value[31:0]};

  // The op carries the buckets the frame's lookup reported (FLOW_OP.HINT): the engine skips its
  // hash and takes one op per 2 clocks.
  always_comb begin
    op_tdata = {(OpBits - conductor_regs_pkg::FLOW_OP_HINT_LSB)'(0), opcode, 16'd0, s_time, op_value, s_key};
    op_tdata[conductor_regs_pkg::FLOW_OP_HINT_LSB] = 1'b1;
    op_tdata[conductor_regs_pkg::FLOW_OP_BUCKET1_LSB +: conductor_regs_pkg::FLOW_OP_BUCKET1_WIDTH] =
        s_res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET1_LSB +: conductor_regs_pkg::FLOW_RESULT_BUCKET1_WIDTH];
    op_tdata[conductor_regs_pkg::FLOW_OP_BUCKET2_LSB +: conductor_regs_pkg::FLOW_OP_BUCKET2_WIDTH] =
        s_res_q[conductor_regs_pkg::FLOW_RESULT_BUCKET2_LSB +: conductor_regs_pkg::FLOW_RESULT_BUCKET2_WIDTH];
  end

  // The AGE after a frame with the age mark goes into the op FIFO after the frame's op (the next
  // frame cannot reach steer before the AGE's handshake, see age_block_q).
  logic        age_pend_q, age_wr;
  logic [31:0] age_time_q;
  logic [OpBits-1:0] age_tdata, op_wdata;
  assign age_wr    = age_pend_q && !op_full;
  assign age_tdata = {(OpBits - conductor_regs_pkg::FLOW_OP_HINT_LSB)'(0), conductor_regs_pkg::FLOW_OP_OPCODE_AGE,
                       16'd0, age_time_q, 64'd0, KeyBits'(0)};
  assign op_wdata  = age_pend_q ? age_tdata : sy_wr ? sy_op_tdata : op_tdata;

  // The data path never waits for the op engine: an op that finds the op FIFO or the in-flight
  // ring full is dropped (STEER_META.OP_DROPPED, OPS_DROPPED, LEARN_DROPPED) and the frame goes on,
  // steered exactly as if the op had been issued. A later frame of the connection finds the table
  // unchanged and tries again. The model takes the drop from OP_DROPPED (CoreModel::process).
  assign held        = s_hfm_q && (is_insert || pend_key);
  // Before an AGE op, while INSERTs are failing (a FULL event in this AGE period or the last): at
  // most one op in the engine in the last min(1024, AGE_FRAMES/2) frames (an op is issued only into
  // an empty op FIFO: an op leaves it at its handshake, so the engine has nothing else to do), none
  // in the last min(256, AGE_FRAMES/4). Read from the FIFO's own flops, not from the engine's
  // TREADY (that was a path from the engine's decide logic into op_issue). The AGE then
  // finds the engine idle instead of behind up to five walks of up to 200 clocks, and the lookups
  // it holds (age_block_q) wait 20 clocks. The ops not issued are drops like any other
  // (OP_DROPPED, replayed by the model). The HBM build applies it also while ops back up (the op
  // FIFO was full in this AGE period or the last): an op there may wait for a fill of its buckets
  // (~150 clocks), and an AGE queued behind it would hold the lookups that long.
  assign age_quiet   = ((FlowHbm != 0 && (busy_cur_q || busy_prev_q)) || full_cur_q || full_prev_q) &&
                       (s_pre_q || (s_pre_w && !op_empty));
  assign steer_valid = s_valid_q && !age_pend_q && !(slow && s_wait_q < 2'd2);
  assign steer_fire  = steer_valid && !meta_full;
  assign op_drop     = !held && (pend_key || (has_op && (op_full || if_full || age_quiet)));
  // op_issue (= steer_fire && has_op && !held && !op_drop) and OP_DROPPED (= op_drop || held)
  // written out per case of the in-flight match, each case from registers, so that they do not
  // wait for the selected decision: the fast decision on the lookup result (sa_q), on "miss"
  // (sb_q: a failed INSERT in flight), the slow path's (sc_q); a pending INSERT issues nothing.
  logic room, xa, xb, xc, da, db, dc, c_slow, iss_case, drop_case;
  assign room   = !op_full && !if_full && !age_quiet;
  assign xa     = sa_q[66] && !(s_hfm_q && sa_q[67]);
  assign xb     = sb_q[66] && !(s_hfm_q && sb_q[67]);
  assign xc     = sc_q[66] && !(s_hfm_q && sc_q[67]) && s_wait_q >= 2'd2;
  assign da     = (s_hfm_q && sa_q[67]) || (sa_q[66] && !room);
  assign db     = (s_hfm_q && sb_q[67]) || (sb_q[66] && !room);
  assign dc     = (s_hfm_q && sc_q[67]) || (sc_q[66] && !room);
  assign c_slow = c_present && !c_pend;
  assign iss_case  = fwd_eq ? !last_ins_q && xc : c_slow ? xc : c_found ? !c_pend && xb : xa;
  assign drop_case = fwd_eq ? last_ins_q || dc  : c_slow ? dc : c_found ? c_pend || db : da;
  assign op_issue  = s_valid_q && !age_pend_q && !meta_full && room && iss_case;

  // FULL events in this AGE period and in the last one; the op FIFO full (HBM: busy_*).
  logic busy_cur_q, busy_prev_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_cur_q  <= 1'b0;
      busy_prev_q <= 1'b0;
    end else if (age_wr) begin
      busy_prev_q <= busy_cur_q || op_full;
      busy_cur_q  <= 1'b0;
    end else if (op_full) begin
      busy_cur_q  <= 1'b1;
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      full_cur_q  <= 1'b0;
      full_prev_q <= 1'b0;
    end else if (age_wr) begin
      full_prev_q <= full_cur_q || (ev_ring && ev_full);
      full_cur_q  <= 1'b0;
    end else if (ev_ring && ev_full) begin
      full_cur_q  <= 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      age_pend_q <= 1'b0;
      age_time_q <= '0;
    end else if (steer_fire && s_age) begin
      age_pend_q <= 1'b1;
      age_time_q <= s_time;
    end else if (age_wr) begin
      age_pend_q <= 1'b0;
    end
  end

  // ---------------------------------------------------------------- HyperSync in (sync windows)
  // The sync_decoder's ops (UPSERT, DELETE) enter the flow table between two frames, exactly as the
  // sequential model applies them (CoreModel::apply_sync_op between frame n-1 and frame n):
  //   open:  an op waits and (no frame waits at the lookup, or SyncGap clocks since the last
  //          window): sy_block_q holds the lookups;
  //   write: once every frame looked up has left the steer stage and its op (and AGE) is in the op
  //          FIFO (credit_q = 0, no AGE pending), up to SyncBurst ops go into the op FIFO behind
  //          them, in the decoder's order;
  //   close: when the decoder has no op ready or SyncBurst were written, and every sync op has been
  //          handshaken by the engine (an op handshaken before a lookup is visible to it).
  // A window on an idle data path costs nothing; under traffic it is a drain (the steer pipeline's
  // depth) plus the ops, then at least SyncGap clocks of lookups. The ops' events (opcode UPSERT or
  // DELETE) are not the ring's; the sync feed makes no record of an UPSERT (docs/hypersync.md §13.3).
  localparam int unsigned SyncBurst = 16;
  localparam int unsigned SyncGap = 64;
  logic [OpBits-1:0] sy_op_tdata;
  logic        sy_op_tvalid, sy_op_tready, sy_open;
  logic        sy_wr;
  logic [4:0]  sy_burst_q;            // ops written in this window
  logic [$clog2(OpFifoDepth):0] sy_out_q;  // sync ops in the op FIFO, not yet handshaken
  logic [6:0]  sy_gap_q;              // clocks until a window may open while frames wait
  assign sy_open      = !sy_block_q && sy_op_tvalid && (!dec_tvalid || sy_gap_q == 7'd0);
  assign sy_wr        = sy_block_q && sy_op_tvalid && sy_burst_q != 5'(SyncBurst) &&
                        credit_q == '0 && !age_pend_q && !op_full;
  assign sy_op_tready = sy_wr;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sy_block_q <= 1'b0;
      sy_burst_q <= '0;
      sy_out_q   <= '0;
      sy_gap_q   <= '0;
    end else begin
      sy_out_q <= sy_out_q + ($clog2(OpFifoDepth) + 1)'(sy_wr) -
                  ($clog2(OpFifoDepth) + 1)'(tab_shake && shk_sy);
      if (sy_open) begin
        sy_block_q <= 1'b1;
        sy_burst_q <= '0;
      end else if (sy_block_q && !sy_wr && (!sy_op_tvalid || sy_burst_q == 5'(SyncBurst)) &&
                   sy_burst_q != 5'd0 && sy_out_q == '0) begin
        sy_block_q <= 1'b0;
        sy_gap_q   <= 7'(SyncGap - 1);
      end else begin
        if (sy_wr) sy_burst_q <= sy_burst_q + 5'd1;
        if (sy_gap_q != 7'd0) sy_gap_q <= sy_gap_q - 7'd1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lookup_o  <= 1'b0;
      sync_op_o <= 1'b0;
    end else begin
      lookup_o  <= lk_fire;
      sync_op_o <= sy_wr;
    end
  end

  logic [$clog2(OpFifoDepth):0] unused_op_count;
  logic [OpBits-1:0] op_head;
  // The head in a register: the engine forms the canonical key and its read guard from it in one
  // clock (flow_engine, Idle), so the storage's read does not add to that path.
  sync_fifo #(.Width(OpBits), .Depth(OpFifoDepth), .RegHead(1'b1)) u_op_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (op_issue || age_wr || sy_wr),
    .wdata_i (op_wdata),
    .re_i    (op_tready),
    .rdata_o (op_head),
    .empty_o (op_empty),
    .full_o  (op_full),
    .count_o (unused_op_count)
  );
  assign op_tvalid = !op_empty;
  assign head_age  = op_head[conductor_regs_pkg::FLOW_OP_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_AGE;
  // The steer stage issues only INSERT and UPDATE; UPSERT and DELETE are the sync_decoder's.
  assign head_sy   = op_head[conductor_regs_pkg::FLOW_OP_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT ||
                     op_head[conductor_regs_pkg::FLOW_OP_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_DELETE;


  // In-flight ring: allocate on issue, mark the handshake and the event, free the oldest when it
  // is visible to the frame at steer and its event is back.
  always_ff @(posedge clk_i) begin
    if (op_issue) begin
      if_ckey_q[if_wr_q[IfBits-1:0]]  <= s_ckey;
      if_value_q[if_wr_q[IfBits-1:0]] <= new_value;
      if_bkt_q[if_wr_q[IfBits-1:0]]   <= s_sig;
    end
    if (op_shake) if_vis_q[if_shk_q[IfBits-1:0]] <= lk_seq_q;
    if (op_issue) begin
      last_val_q  <= new_value;
      last_slot_q <= if_wr_q[IfBits-1:0];
      last_ins_q  <= is_insert;
    end
    if (last_new_q) if_pre_q[last_slot_q] <= last_pre[RingPreBits-1:0];
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) last_new_q <= 1'b0;
    else last_new_q <= op_issue;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      if_wr_q <= '0; if_rd_q <= '0; if_shk_q <= '0; if_res_q <= '0;
      if_present_q <= '0; if_insert_q <= '0; if_shaken_q <= '0; if_resolved_q <= '0; if_failed_q <= '0;
      if_valid_q <= '0; if_sup_q <= '0; last_w1h_q <= '0; p_seen_q <= '0;
    end else begin
      // Each entry's flags by a compare of each pointer with its constant index (not a write
      // through a variable index, which Yosys turns into shifts); later assignments win, as before.
      if (op_issue) if_sup_q <= if_sup_q | if_match;  // the entry the frame matched is superseded
      for (int k = 0; k < InflightEntries; k++) begin
        if (if_free && if_rd_q[IfBits-1:0] == IfBits'(k)) if_valid_q[k] <= 1'b0;
        if (op_issue && if_wr_q[IfBits-1:0] == IfBits'(k)) begin
          if_sup_q[k]      <= 1'b0;
          if_valid_q[k]    <= 1'b1;
          if_present_q[k]  <= 1'b1;
          if_insert_q[k]   <= is_insert;
          if_shaken_q[k]   <= 1'b0;
          if_resolved_q[k] <= 1'b0;
          if_failed_q[k]   <= 1'b0;
        end
        if (op_shake && if_shk_q[IfBits-1:0] == IfBits'(k)) if_shaken_q[k] <= 1'b1;
        if (op_issue && if_wr_q[IfBits-1:0] == IfBits'(k)) p_seen_q[k] <= 1'b0;
        else if (p_load) p_seen_q[k] <= p_seen_n[k];
        if (ev_ring && if_res_q[IfBits-1:0] == IfBits'(k)) begin
          if_resolved_q[k] <= 1'b1;
          if (ev_full) begin
            if_present_q[k] <= 1'b0;
            if_failed_q[k]  <= 1'b1;
          end
        end
      end
      if (op_issue) begin
        last_w1h_q <= InflightEntries'(1) << if_wr_q[IfBits-1:0];
        if_wr_q <= if_wr_q + 1'b1;
      end
      if (op_shake) if_shk_q <= if_shk_q + 1'b1;
      if (ev_ring) if_res_q <= if_res_q + 1'b1;
      if (if_free) if_rd_q <= if_rd_q + 1'b1;
    end
  end

  sync_fifo #(.Width(conductor_regs_pkg::STEER_META_BITS), .Depth(MetaFifoDepth)) u_meta_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (steer_fire),
    .wdata_i (meta_d | (conductor_regs_pkg::STEER_META_BITS'(drop_case) << conductor_regs_pkg::STEER_META_OP_DROPPED_LSB)),
    .re_i    (out_fire && frame_head[FrameBits-1]),
    .rdata_o (meta_head),
    .empty_o (meta_empty),
    .full_o  (meta_full),
    .count_o (unused_meta_count)
  );

  // ---------------------------------------------------------------- counters
  // Each counter adds 1 under its condition (the flip-flops' enable), not its condition as a
  // number: the condition then ends at the enable instead of entering the carry chain, with the
  // clear's select after it.
  logic clear, sclear;
  assign clear = counter_clear[0];
  assign sclear = steer_clear[0];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_rx_q <= '0; cnt_ok_q <= '0; cnt_nonip_q <= '0; cnt_trunc_q <= '0;
      cnt_bad_q <= '0; cnt_ext_q <= '0; cnt_def_q <= '0; cnt_drop_q <= '0;
    end else if (clear) begin
      cnt_rx_q <= '0; cnt_ok_q <= '0; cnt_nonip_q <= '0; cnt_trunc_q <= '0;
      cnt_bad_q <= '0; cnt_ext_q <= '0; cnt_def_q <= '0; cnt_drop_q <= '0;
    end else if (steer_fire) begin
      cnt_rx_q <= cnt_rx_q + 32'd1;
      if (s_status == conductor_regs_pkg::STEER_META_STATUS_OK) cnt_ok_q    <= cnt_ok_q + 32'd1;
      if (s_status == conductor_regs_pkg::STEER_META_STATUS_NON_IP) cnt_nonip_q <= cnt_nonip_q + 32'd1;
      if (s_status == conductor_regs_pkg::STEER_META_STATUS_TRUNCATED) cnt_trunc_q <= cnt_trunc_q + 32'd1;
      if (s_status == conductor_regs_pkg::STEER_META_STATUS_BAD_HEADER) cnt_bad_q   <= cnt_bad_q + 32'd1;
      if (s_status == conductor_regs_pkg::STEER_META_STATUS_EXT_LIMIT) cnt_ext_q   <= cnt_ext_q + 32'd1;
      if (takes_default)    cnt_def_q   <= cnt_def_q + 32'd1;
      if (!meta_d[conductor_regs_pkg::STEER_META_DELIVER_LSB]) cnt_drop_q <= cnt_drop_q + 32'd1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_new_q <= '0; cnt_hit_q <= '0; cnt_corr_q <= '0; cnt_fail_q <= '0; cnt_full_q <= '0; cnt_ops_q <= '0;
      if_max_q <= '0; cnt_age_q <= '0; cnt_exp_q <= '0; cnt_opdrop_q <= '0; cnt_learndrop_q <= '0;
      cnt_held_q <= '0; cnt_sy_applied_q <= '0; cnt_sy_windows_q <= '0;
    end else if (sclear) begin
      cnt_new_q <= '0; cnt_hit_q <= '0; cnt_corr_q <= '0; cnt_fail_q <= '0; cnt_full_q <= '0; cnt_ops_q <= '0;
      if_max_q <= '0; cnt_age_q <= '0; cnt_exp_q <= '0; cnt_opdrop_q <= '0; cnt_learndrop_q <= '0;
      cnt_held_q <= '0; cnt_sy_applied_q <= '0; cnt_sy_windows_q <= '0;
    end else begin
      if (sy_wr) cnt_sy_applied_q <= cnt_sy_applied_q + 32'd1;
      if (sy_open) cnt_sy_windows_q <= cnt_sy_windows_q + 32'd1;
      if (32'(if_count) > if_max_q) if_max_q <= 32'(if_count);
      if (steer_fire) begin
        if (action == conductor_regs_pkg::STEER_META_ACTION_NEW) cnt_new_q  <= cnt_new_q + 32'd1;
        if (action == conductor_regs_pkg::STEER_META_ACTION_HIT) cnt_hit_q  <= cnt_hit_q + 32'd1;
        if (action == conductor_regs_pkg::STEER_META_ACTION_CORRECTED) cnt_corr_q <= cnt_corr_q + 32'd1;
        if (action == conductor_regs_pkg::STEER_META_ACTION_FAILOVER) cnt_fail_q <= cnt_fail_q + 32'd1;
        if (has_op && !held && !op_drop)       cnt_ops_q       <= cnt_ops_q + 32'd1;
        if (op_drop)                           cnt_opdrop_q    <= cnt_opdrop_q + 32'd1;
        if (op_drop && (is_insert || pend_key)) cnt_learndrop_q <= cnt_learndrop_q + 32'd1;
        if (held)                              cnt_held_q      <= cnt_held_q + 32'd1;
      end
      if (ev_ring && ev_full) cnt_full_q <= cnt_full_q + 32'd1;
      if (age_wr) cnt_age_q <= cnt_age_q + 32'd1;
      // An AGE op's events are its expired entries (status EXPIRED) and, under the flow table's
      // SYNC_MATURE, its matured ones (MATURED), one each.
      if (ev_tvalid && ev_age && ev_expired) cnt_exp_q <= cnt_exp_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------- HyperSync
  logic [447:0] rec_tdata;
  logic         rec_tvalid, rec_tready;
  sync_feed u_sync_feed (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .sync_i         (sync_reg),
    .gen_i          (sync_gen),
    .clear_i        (steer_clear[0]),
    .ev_tdata_i     (ev_tdata),
    .ev_tvalid_i    (ev_tvalid),
    .m_rec_tdata_o  (rec_tdata),
    .m_rec_tvalid_o (rec_tvalid),
    .m_rec_tready_i (rec_tready),
    .records_o      (sync_records),
    .dropped_o      (sync_dropped)
  );

  sync_encoder u_sync_encoder (
    .ap_clk                (clk_i),
    .ap_rst_n              (rst_ni),
    .s_rec_TDATA           (rec_tdata),
    .s_rec_TVALID          (rec_tvalid),
    .s_rec_TREADY          (rec_tready),
    .m_axis_TDATA          (m_sync_tdata),
    .m_axis_TKEEP          (m_sync_tkeep),
    .m_axis_TLAST          (m_sync_tlast),
    .m_axis_TVALID         (m_sync_tvalid),
    .m_axis_TREADY         (m_sync_tready),
    .s_axi_control_AWADDR  (sl_awaddr[5*AW +: conductor_regs_pkg::SYNC_ENCODER_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[5]),
    .s_axi_control_AWREADY (sl_awready[5]),
    .s_axi_control_WDATA   (sl_wdata[5*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[5*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[5]),
    .s_axi_control_WREADY  (sl_wready[5]),
    .s_axi_control_BRESP   (sl_bresp[5*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[5]),
    .s_axi_control_BREADY  (sl_bready[5]),
    .s_axi_control_ARADDR  (sl_araddr[5*AW +: conductor_regs_pkg::SYNC_ENCODER_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[5]),
    .s_axi_control_ARREADY (sl_arready[5]),
    .s_axi_control_RDATA   (sl_rdata[5*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[5*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[5]),
    .s_axi_control_RREADY  (sl_rready[5])
  );

  sync_decoder u_sync_decoder (
    .ap_clk                (clk_i),
    .ap_rst_n              (rst_ni),
    .s_axis_TDATA          (s_sync_tdata),
    .s_axis_TKEEP          (s_sync_tkeep),
    .s_axis_TLAST          (s_sync_tlast),
    .s_axis_TVALID         (s_sync_tvalid),
    .s_axis_TREADY         (s_sync_tready),
    .m_op_TDATA            (sy_op_tdata),
    .m_op_TVALID           (sy_op_tvalid),
    .m_op_TREADY           (sy_op_tready),
    .s_axi_control_AWADDR  (sl_awaddr[6*AW +: conductor_regs_pkg::SYNC_DECODER_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[6]),
    .s_axi_control_AWREADY (sl_awready[6]),
    .s_axi_control_WDATA   (sl_wdata[6*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[6*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[6]),
    .s_axi_control_WREADY  (sl_wready[6]),
    .s_axi_control_BRESP   (sl_bresp[6*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[6]),
    .s_axi_control_BREADY  (sl_bready[6]),
    .s_axi_control_ARADDR  (sl_araddr[6*AW +: conductor_regs_pkg::SYNC_DECODER_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[6]),
    .s_axi_control_ARREADY (sl_arready[6]),
    .s_axi_control_RDATA   (sl_rdata[6*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[6*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[6]),
    .s_axi_control_RREADY  (sl_rready[6])
  );

  // ---------------------------------------------------------------- output
  assign m_axis_tvalid = !frame_empty && !meta_empty;
  assign out_fire      = m_axis_tvalid && m_axis_tready;
  assign m_axis_tdata  = frame_head[511:0];
  assign m_axis_tkeep  = frame_head[575:512];
  assign m_axis_tlast  = frame_head[FrameBits-1];
  assign m_axis_tuser  = meta_head;

  // The FIFOs beside the pipeline cannot run empty or full where it matters: a time is written for
  // every frame before its key, a head entry with every key, a side entry with every lookup, and
  // credits bound the side and result FIFOs; the benches check the outputs that would show it.
  logic unused_ok;
  // The crossbar hands every slave the full address; each block decodes only its own low bits.
  assign unused_ok = ^{head_empty, time_empty, time_full, side_empty, side_full, res_full, head_ckey_valid,
                       scratch_unused, counter_clear[31:1], steer_clear[31:1], unused_frame_count,
                       unused_time_count, unused_head_count, unused_meta_count, unused_side_count,
                       unused_res_count, unused_op_count, sl_awaddr, sl_araddr, ev_tdata,
                       site_up_reg[31:2], backup_wdata[31:16], backup_wstrb[3:2],
                       rd_diff[30:0], s_res_q[conductor_regs_pkg::FLOW_RESULT_HIT_LSB],
                       s_res_q[conductor_regs_pkg::FLOW_RESULT_VALUE_LSB +: 64]};
endmodule

`default_nettype wire
