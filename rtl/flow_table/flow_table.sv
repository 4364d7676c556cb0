// Flow table kernel: FLOW_LOOKUP in, FLOW_RESULT out, one lookup per clock; FLOW_OP in, FLOW_EVENT
// out, executed by flow_engine on the second port of the memories. Semantics, visibility rule and
// memory cost: docs/flow_table.md; golden model: hls/flow_table (FlowTableCore).
//
// Port contract: what Vitis HLS generates for hls/flow_table/flow_table.cpp (flow_table_top) with
// ap_ctrl_none, axis on s_lookup/m_result/s_op/m_event and s_axilite bundle=control (block
// flow_table of rtl/csr/conductor.regs).
//
// Lookup pipeline (one global enable: every stage, the engine and both memories advance when the
// result register is free or drained):
//   handshake in clock t: FLOW_LOOKUP -> lk_q
//   t+1 canonical key -> ck1_q      t+2..t+4 flow_hash (CRC, fmix, fmix)
//   t+5 bucket addresses: both sub-tables read on port A, the stash's 17 key chunks compared
//       (ReadStage = 5; its values registered with them)
//   t+6 the 8 slots' key chunks compared (the memories' data), the stash's matches and value
//   t+7 slot matches, value select -> result register; m_result_TVALID from t+8 on; the slots
//       (or stash entries) that matched are marked active (flow_activity_ram port A, the engine's
//       stash bits): the in-line bookkeeping the AGE sweep reads, no op needed
// No clock holds both a key compare and a value select (6 LUT levels at most, docs/flow_table.md).
// LatencyCycles = 7: clock edges from the handshake edge to the edge that raises TVALID (the
// convention of dist_hash). An op accepted on s_op in clock H has its one visible write in clock
// H + ReadStage - 1, so lookups accepted in clock H or later see it and earlier ones do not.
`default_nettype none

module flow_table
#(
  // log2 of the buckets per sub-table; capacity 2 * 2^BucketLog2Max * 4 + StashSize entries.
  // 15 is the on-chip default (262160 entries, 336 URAM on an UltraScale+ part).
  parameter int unsigned BucketLog2Max = 15,
  // Fully associative stash entries (power of two, 2..32).
  parameter int unsigned StashSize = 16,
  // Largest cuckoo walk (CTRL.WALK_STEPS is clamped to it), 1..63.
  parameter int unsigned WalkMax = 16
) (
  input  wire logic                              ap_clk,
  input  wire logic                              ap_rst_n,
  // Lookups (FLOW_LOOKUP).
  input  wire logic [conductor_regs_pkg::FLOW_LOOKUP_BITS-1:0] s_lookup_TDATA,
  input  wire logic                              s_lookup_TVALID,
  output      logic                              s_lookup_TREADY,
  // Results (FLOW_RESULT), in lookup order.
  output      logic [conductor_regs_pkg::FLOW_RESULT_BITS-1:0] m_result_TDATA,
  output      logic                              m_result_TVALID,
  input  wire logic                              m_result_TREADY,
  // Operations (FLOW_OP).
  input  wire logic [conductor_regs_pkg::FLOW_OP_BITS-1:0]     s_op_TDATA,
  input  wire logic                              s_op_TVALID,
  output      logic                              s_op_TREADY,
  // Events (FLOW_EVENT), in op order.
  output      logic [conductor_regs_pkg::FLOW_EVENT_BITS-1:0]  m_event_TDATA,
  output      logic                              m_event_TVALID,
  input  wire logic                              m_event_TREADY,
  // SYNC_MATURE.GEN, for an event consumer that tells synced entries (FLOW_SYNC) from unsynced ones.
  output      logic                              sync_gen_o,
  // Registers: block flow_table of rtl/csr/conductor.regs.
  input  wire logic [conductor_regs_pkg::FLOW_TABLE_ADDR_BITS-1:0] s_axi_control_AWADDR,
  input  wire logic                              s_axi_control_AWVALID,
  output      logic                              s_axi_control_AWREADY,
  input  wire logic [31:0]                       s_axi_control_WDATA,
  input  wire logic [3:0]                        s_axi_control_WSTRB,
  input  wire logic                              s_axi_control_WVALID,
  output      logic                              s_axi_control_WREADY,
  output      logic [1:0]                        s_axi_control_BRESP,
  output      logic                              s_axi_control_BVALID,
  input  wire logic                              s_axi_control_BREADY,
  input  wire logic [conductor_regs_pkg::FLOW_TABLE_ADDR_BITS-1:0] s_axi_control_ARADDR,
  input  wire logic                              s_axi_control_ARVALID,
  output      logic                              s_axi_control_ARREADY,
  output      logic [31:0]                       s_axi_control_RDATA,
  output      logic [1:0]                        s_axi_control_RRESP,
  output      logic                              s_axi_control_RVALID,
  input  wire logic                              s_axi_control_RREADY
);
  localparam int unsigned LatencyCycles = 7;  // lookup handshake edge -> m_result_TVALID edge
  localparam int unsigned ReadStage     = 5;  // lookup handshake -> table and stash read
  localparam int unsigned BL       = BucketLog2Max;
  localparam int unsigned Slots    = 4;
  localparam int unsigned KeyBits  = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;  // 305
  localparam int unsigned SlotBits = 370;
  localparam int unsigned BktBits  = Slots * SlotBits;

  if (BucketLog2Max < 1 || BucketLog2Max > 25) begin : gen_bad_log2
    $error("BucketLog2Max must be within 1..25 (FLOW_RESULT.BUCKET1/2 are 25 bits)");
  end

  // ---------------------------------------------------------------- registers
  // The CSR block and the active size and walk length clamped to the build (flow_table_regs).
  logic [31:0]   timeout_new, timeout_est, timeout_closing, sync_mature, seed1, seed2;
  logic [31:0]   occupancy, stash_used, now, age_cursor, first_full, lookups_q, hits_q;
  logic [31:0]   inserts, insert_full, insert_exists, updates, touches, deletes, not_found;
  logic [31:0]   expiries, age_steps, invalid_ops, moves, matured;
  logic [0:0]    counter_clear;
  logic [4:0]    log2_eff;
  logic [5:0]    walk_eff;
  logic [BL-1:0] mask;
  flow_table_regs #(.BucketLog2Max(BL), .StashSize(StashSize), .WalkMax(WalkMax), .Slots(Slots))
    u_regs (.*);

  logic unused_regs;
  assign unused_regs = ^{sync_mature[31:9], sync_mature[7:4]};

  // ---------------------------------------------------------------- pipeline control
  logic                     en, init_done;
  logic [LatencyCycles-1:0] vld_q;  // vld_q[s]: stage s (0 = lk_q .. 5 = ck5/rdata) holds a lookup
  logic                     out_valid_q;
  assign en              = !out_valid_q || m_result_TREADY;
  assign s_lookup_TREADY = en && init_done;
  assign m_result_TVALID = out_valid_q;

  // ---------------------------------------------------------------- t: request register
  logic [conductor_regs_pkg::FLOW_LOOKUP_BITS-1:0] lk_q;
  always_ff @(posedge ap_clk) begin
    if (en) lk_q <= s_lookup_TDATA;
  end

  // ---------------------------------------------------------------- t+1: canonical key
  logic [KeyBits-1:0] ck_d, ck1_q, ck2_q, ck3_q, ck4_q, ck5_q;
  logic               kv_d;
  logic [6:1]         kv_q;
  logic [63:0]        tag1_q, tag2_q, tag3_q, tag4_q, tag5_q, tag6_q;
  flow_canon u_canon (
    .key_i   (lk_q[conductor_regs_pkg::FLOW_LOOKUP_KEY_LSB +: conductor_regs_pkg::FLOW_KEY_BITS]),
    .ckey_o  (ck_d),
    .valid_o (kv_d)
  );
  always_ff @(posedge ap_clk) begin
    if (en) begin
      ck1_q  <= ck_d;
      ck2_q  <= ck1_q;
      ck3_q  <= ck2_q;
      ck4_q  <= ck3_q;
      ck5_q  <= ck4_q;
      kv_q   <= {kv_q[5:1], kv_d};
      tag1_q <= lk_q[conductor_regs_pkg::FLOW_LOOKUP_TAG_LSB +: 64];
      tag2_q <= tag1_q;
      tag3_q <= tag2_q;
      tag4_q <= tag3_q;
      tag5_q <= tag4_q;
      tag6_q <= tag5_q;
    end
  end

  // ---------------------------------------------------------------- t+2..t+4: hash
  logic [31:0] h1, h2;
  flow_hash #(.KeyBits(KeyBits)) u_hash (
    .clk_i   (ap_clk),
    .en_i    (en),
    .key_i   (ck1_q),
    .seed1_i (seed1),
    .seed2_i (seed2),
    .h1_o    (h1),
    .h2_o    (h2)
  );

  // ---------------------------------------------------------------- t+5: memories and stash
  logic [BL-1:0]          a1, a2;
  logic [BktBits-1:0]     rd1_a, rd2_a;
  logic [1:0]             e_re, e_we;
  logic [2*BL-1:0]        e_addr;
  logic [7:0]             e_slot_we;
  logic [BktBits-1:0]     e_wbkt;
  logic [2*BktBits-1:0]   e_rdata;
  assign a1 = BL'(h1 & 32'(mask));
  assign a2 = BL'(h2 & 32'(mask));

  flow_bucket_ram #(.BucketLog2Max(BL), .SlotBits(SlotBits), .Slots(Slots)) u_t1 (
    .clk_i       (ap_clk),
    .en_a_i      (en),
    .addr_a_i    (a1),
    .rdata_a_o   (rd1_a),
    .re_b_i      (e_re[0]),
    .we_b_i      (e_we[0]),
    .addr_b_i    (e_addr[0 +: BL]),
    .slot_we_b_i (e_slot_we[3:0]),
    .wbkt_b_i    (e_wbkt),
    .rdata_b_o   (e_rdata[0 +: BktBits])
  );
  flow_bucket_ram #(.BucketLog2Max(BL), .SlotBits(SlotBits), .Slots(Slots)) u_t2 (
    .clk_i       (ap_clk),
    .en_a_i      (en),
    .addr_a_i    (a2),
    .rdata_a_o   (rd2_a),
    .re_b_i      (e_re[1]),
    .we_b_i      (e_we[1]),
    .addr_b_i    (e_addr[BL +: BL]),
    .slot_we_b_i (e_slot_we[7:4]),
    .wbkt_b_i    (e_wbkt),
    .rdata_b_o   (e_rdata[BktBits +: BktBits])
  );

  // t+5..t+7: the stash and the 8 slots compared, the value selected (flow_match).
  logic                                            hit;
  logic [3:0]                                      m1a, m2a;  // slots that matched
  logic [StashSize-1:0]                            sm_q;      // stash entries that matched
  logic [BL-1:0]                                   a1_qq, a2_qq;
  logic [StashSize*SlotBits-1:0]                   stash;
  logic [conductor_regs_pkg::FLOW_RESULT_BITS-1:0] res_d, res_q;
  flow_match #(.BucketLog2Max(BL), .StashSize(StashSize)) u_match (
    .clk_i    (ap_clk),
    .en_i     (en),
    .stash_i  (stash),
    .ck_r_i   (ck4_q),
    .kv_r_i   (kv_q[4]),
    .a1_r_i   (a1),
    .a2_r_i   (a2),
    .rd1_i    (rd1_a),
    .rd2_i    (rd2_a),
    .ck_r1_i  (ck5_q),
    .kv_r1_i  (kv_q[5]),
    .kv_r2_i  (kv_q[6]),
    .tag_r2_i (tag6_q),
    .res_o    (res_d),
    .hit_o    (hit),
    .m1_o     (m1a),
    .m2_o     (m2a),
    .sm_o     (sm_q),
    .a1_o     (a1_qq),
    .a2_o     (a2_qq)
  );
  always_ff @(posedge ap_clk) begin
    if (en) res_q <= res_d;
  end
  assign m_result_TDATA = res_q;

  // ---------------------------------------------------------------- valid bits, lookup counters
  logic lk_fire;
  assign lk_fire = s_lookup_TVALID && s_lookup_TREADY;
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      vld_q       <= '0;
      out_valid_q <= 1'b0;
      lookups_q   <= '0;
      hits_q      <= '0;
    end else begin
      if (en) begin
        vld_q       <= {vld_q[LatencyCycles-2:0], lk_fire};
        out_valid_q <= vld_q[LatencyCycles-1];
      end
      if (counter_clear[0]) begin
        lookups_q <= '0;
        hits_q    <= '0;
      end else begin
        if (lk_fire) lookups_q <= lookups_q + 32'd1;
        if (en && vld_q[LatencyCycles-1] && hit) hits_q <= hits_q + 32'd1;
      end
    end
  end

  // ---------------------------------------------------------------- engine, activity marks, events
  // rtl/flow_table/flow_ops.sv. A lookup in the select stage marks every slot (and stash entry) that
  // matched, in the clock the result register loads (t + 7).
  logic mark_go;
  assign mark_go = en && vld_q[LatencyCycles-1];
  flow_ops #(
    .BL         (BL),
    .StashSize  (StashSize),
    .WalkMax    (WalkMax),
    .ReadStage  (ReadStage)
  ) u_ops (
    .op_tdata      (s_op_TDATA),
    .op_tvalid     (s_op_TVALID),
    .op_tready     (s_op_TREADY),
    .eng_init_done (init_done),
    .*
  );
endmodule

`default_nettype wire
