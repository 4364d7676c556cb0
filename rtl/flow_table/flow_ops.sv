// The op side of a flow table kernel, shared by rtl/flow_table/flow_table.sv and
// rtl/flow_table/flow_table_hbm.sv: the op engine (flow_engine), the two activity memories that the
// lookups mark and the engine's AGE sweeps, and the event FIFO. The kernel keeps the bucket store
// (block RAM on chip, the bucket cache in HBM) behind the engine's bucket port (e_*).
//
// Ports carry the kernels' signal names, so a kernel connects this with `.*` and names only the
// ports whose signals differ (the op stream, the init flag).
`default_nettype none

module flow_ops
#(
  parameter int unsigned BL         = 9,     // BucketLog2Max of the kernel
  parameter int unsigned StashSize  = 16,
  parameter int unsigned WalkMax    = 16,    // the engine's largest WALK_STEPS
  parameter int unsigned ReadStage  = 5,     // a lookup's read clock after its handshake
  parameter bit          ClearTable = 1'b1,  // the engine clears the bucket memory after reset
  parameter int unsigned EvDepth    = 8,
  localparam int unsigned Slots     = 4,
  localparam int unsigned SlotBits  = 370,
  localparam int unsigned BktBits   = Slots * SlotBits
) (
  input  wire logic                       ap_clk,
  input  wire logic                       ap_rst_n,
  input  wire logic                       en,          // the kernel's global enable
  // settings (rtl/flow_table/flow_table_regs.sv)
  input  wire logic [4:0]                 log2_eff,
  input  wire logic [5:0]                 walk_eff,
  input  wire logic [31:0]                timeout_new,
  input  wire logic [31:0]                timeout_est,
  input  wire logic [31:0]                timeout_closing,
  input  wire logic [31:0]                sync_mature,
  input  wire logic [31:0]                seed1,
  input  wire logic [31:0]                seed2,
  input  wire logic [0:0]                 counter_clear,
  // ops into the engine
  input  wire logic [conductor_regs_pkg::FLOW_OP_BITS-1:0] op_tdata,
  input  wire logic                       op_tvalid,
  output      logic                       op_tready,
  // the engine's bucket port: reads (data the next clock) and slot-masked writes
  output      logic [1:0]                 e_re,
  output      logic [1:0]                 e_we,
  output      logic [2*BL-1:0]            e_addr,
  output      logic [2*Slots-1:0]         e_slot_we,
  output      logic [BktBits-1:0]         e_wbkt,
  input  wire logic [2*BktBits-1:0]       e_rdata,
  // a lookup's matches, in the clock its result register loads (mark_go)
  input  wire logic                       mark_go,
  input  wire logic [Slots-1:0]           m1a,
  input  wire logic [Slots-1:0]           m2a,
  input  wire logic [BL-1:0]              a1_qq,
  input  wire logic [BL-1:0]              a2_qq,
  input  wire logic [StashSize-1:0]       sm_q,
  output      logic [StashSize*SlotBits-1:0] stash,
  output      logic                       eng_init_done,
  // counters and status (registers of block flow_table)
  output      logic [31:0]                occupancy,
  output      logic [31:0]                stash_used,
  output      logic [31:0]                now,
  output      logic [31:0]                age_cursor,
  output      logic [31:0]                first_full,
  output      logic [31:0]                inserts,
  output      logic [31:0]                insert_full,
  output      logic [31:0]                insert_exists,
  output      logic [31:0]                updates,
  output      logic [31:0]                touches,
  output      logic [31:0]                deletes,
  output      logic [31:0]                not_found,
  output      logic [31:0]                expiries,
  output      logic [31:0]                age_steps,
  output      logic [31:0]                invalid_ops,
  output      logic [31:0]                moves,
  output      logic [31:0]                matured,
  // events (FLOW_EVENT), in op order
  output      logic [conductor_regs_pkg::FLOW_EVENT_BITS-1:0] m_event_TDATA,
  output      logic                       m_event_TVALID,
  input  wire logic                       m_event_TREADY
);
  // ---------------------------------------------------------------- activity marks
  // A lookup marks every slot (and stash entry) that matched: one write per sub-table on port A of
  // its activity memory, in the clock the result register loads.
  logic [1:0]      mark_we;
  logic [1:0]      a_re, a_we;
  logic [2*BL-1:0] a_addr;
  logic [7:0]      a_wmask, a_wdata, a_rdata;
  assign mark_we = {mark_go && m2a != 4'd0, mark_go && m1a != 4'd0};

  flow_activity_ram #(.BucketLog2Max(BL), .Slots(Slots)) u_act1 (
    .clk_i     (ap_clk),
    .we_a_i    (mark_we[0]),
    .addr_a_i  (a1_qq),
    .set_a_i   (m1a),
    .re_b_i    (a_re[0]),
    .we_b_i    (a_we[0]),
    .addr_b_i  (a_addr[0 +: BL]),
    .wmask_b_i (a_wmask[3:0]),
    .wdata_b_i (a_wdata[3:0]),
    .rdata_b_o (a_rdata[3:0])
  );
  flow_activity_ram #(.BucketLog2Max(BL), .Slots(Slots)) u_act2 (
    .clk_i     (ap_clk),
    .we_a_i    (mark_we[1]),
    .addr_a_i  (a2_qq),
    .set_a_i   (m2a),
    .re_b_i    (a_re[1]),
    .we_b_i    (a_we[1]),
    .addr_b_i  (a_addr[BL +: BL]),
    .wmask_b_i (a_wmask[7:4]),
    .wdata_b_i (a_wdata[7:4]),
    .rdata_b_o (a_rdata[7:4])
  );

  // ---------------------------------------------------------------- engine, events
  logic                                           ev_we, ev_room, ev_empty, ev_full;
  logic [conductor_regs_pkg::FLOW_EVENT_BITS-1:0] ev_data;
  logic [$clog2(EvDepth):0]                       ev_count;

  flow_engine #(
    .BucketLog2Max (BL),
    .StashSize     (StashSize),
    .WalkMax       (WalkMax),
    .ReadStage     (ReadStage),
    .ClearTable    (ClearTable)
  ) u_engine (
    .clk_i                  (ap_clk),
    .rst_ni                 (ap_rst_n),
    .en_i                   (en),
    .bucket_log2_i          (log2_eff),
    .walk_steps_i           (walk_eff),
    .timeout_new_i          (timeout_new),
    .timeout_est_i          (timeout_est),
    .timeout_closing_i      (timeout_closing),
    .mature_sweeps_i        (sync_mature[conductor_regs_pkg::FLOW_TABLE_SYNC_MATURE_SWEEPS_LSB +: 4]),
    .mature_gen_i           (sync_mature[conductor_regs_pkg::FLOW_TABLE_SYNC_MATURE_GEN_LSB]),
    .keepalive_i            (sync_mature[conductor_regs_pkg::FLOW_TABLE_SYNC_MATURE_KEEPALIVE_LSB]),
    .seed1_i                (seed1),
    .seed2_i                (seed2),
    .counter_clear_i        (counter_clear[0]),
    .s_op_tdata_i           (op_tdata),
    .s_op_tvalid_i          (op_tvalid),
    .s_op_tready_o          (op_tready),
    .ev_we_o                (ev_we),
    .ev_data_o              (ev_data),
    .ev_room_i              (ev_room),
    .ram_re_o               (e_re),
    .ram_we_o               (e_we),
    .ram_addr_o             (e_addr),
    .ram_slot_we_o          (e_slot_we),
    .ram_wbkt_o             (e_wbkt),
    .ram_rdata_i            (e_rdata),
    .act_re_o               (a_re),
    .act_we_o               (a_we),
    .act_addr_o             (a_addr),
    .act_wmask_o            (a_wmask),
    .act_wdata_o            (a_wdata),
    .act_rdata_i            (a_rdata),
    .mark_we_i              (mark_we),
    .mark_addr_i            ({a2_qq, a1_qq}),
    .mark_set_i             ({m2a, m1a}),
    .mark_stash_i           (mark_go ? sm_q : '0),
    .stash_o                (stash),
    .init_done_o            (eng_init_done),
    .occupancy_o            (occupancy),
    .stash_used_o           (stash_used),
    .now_o                  (now),
    .age_cursor_o           (age_cursor),
    .first_full_occupancy_o (first_full),
    .inserts_o              (inserts),
    .insert_full_o          (insert_full),
    .insert_exists_o        (insert_exists),
    .updates_o              (updates),
    .touches_o              (touches),
    .deletes_o              (deletes),
    .not_found_o            (not_found),
    .expiries_o             (expiries),
    .age_steps_o            (age_steps),
    .invalid_ops_o          (invalid_ops),
    .moves_o                (moves),
    .matured_o              (matured)
  );

  // Room for Slots more events: registered from this clock's count with room for one more, as the
  // engine pushes at most one event per clock, so no handshake waits for the FIFO's subtraction.
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) ev_room <= 1'b0;
    else           ev_room <= ev_count <= ($clog2(EvDepth) + 1)'(EvDepth - Slots - 1);
  end

  sync_fifo #(.Width(conductor_regs_pkg::FLOW_EVENT_BITS), .Depth(EvDepth)) u_events (
    .clk_i   (ap_clk),
    .rst_ni  (ap_rst_n),
    .we_i    (ev_we),
    .wdata_i (ev_data),
    .re_i    (m_event_TREADY),
    .rdata_o (m_event_TDATA),
    .empty_o (ev_empty),
    .full_o  (ev_full),
    .count_o (ev_count)
  );
  assign m_event_TVALID = !ev_empty;

  logic unused_fifo;
  assign unused_fifo = ev_full;
endmodule

`default_nettype wire
