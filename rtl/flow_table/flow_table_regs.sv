// The registers of a flow table kernel (block flow_table of rtl/csr/conductor.regs), shared by the
// on-chip kernel (flow_table.sv) and the HBM build (flow_table_hbm.sv): the CSR block, GEOMETRY
// and CAPACITY of the build, and the active size and walk length clamped to it.
//
// The ports carry the kernels' own signal names (their s_axi_control port, the engine's counters,
// the settings the pipeline and engine read), so a kernel connects it with `.*` and the hookup is
// written once, here.
//
// Static settings: clamped into registers (log2_eff, walk_eff), decoded into registers again (mask
// and CAPACITY here, the engine's geometry there), so no path starts at CTRL. A CTRL write takes
// effect 2 clocks after its W handshake (CAPACITY reads the new size 3 clocks after).
`default_nettype none

module flow_table_regs
#(
  parameter int unsigned BucketLog2Max = 15,
  parameter int unsigned StashSize     = 16,
  // Largest cuckoo walk; 0 in a build without the walk (GEOMETRY.WALK_MAX and walk_eff read 0).
  parameter int unsigned WalkMax       = 16,
  parameter int unsigned Slots         = 4
) (
  input  wire logic                              ap_clk,
  input  wire logic                              ap_rst_n,
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
  input  wire logic                              s_axi_control_RREADY,
  // Settings.
  output      logic [4:0]                        log2_eff,  // CTRL.BUCKET_LOG2, clamped
  output      logic [5:0]                        walk_eff,  // CTRL.WALK_STEPS, clamped
  output      logic [BucketLog2Max-1:0]          mask,      // 2^log2_eff - 1
  output      logic [31:0]                       timeout_new,
  output      logic [31:0]                       timeout_est,
  output      logic [31:0]                       timeout_closing,
  output      logic [31:0]                       sync_mature,
  output      logic [31:0]                       seed1,
  output      logic [31:0]                       seed2,
  output      logic [0:0]                        counter_clear,  // COUNTER_CLEAR.ALL, one clock
  output      logic                              sync_gen_o,     // SYNC_MATURE.GEN
  // Status and counters.
  input  wire logic [31:0]                       occupancy,
  input  wire logic [31:0]                       stash_used,
  input  wire logic [31:0]                       now,
  input  wire logic [31:0]                       age_cursor,
  input  wire logic [31:0]                       first_full,
  input  wire logic [31:0]                       lookups_q,
  input  wire logic [31:0]                       hits_q,
  input  wire logic [31:0]                       inserts,
  input  wire logic [31:0]                       insert_full,
  input  wire logic [31:0]                       insert_exists,
  input  wire logic [31:0]                       updates,
  input  wire logic [31:0]                       touches,
  input  wire logic [31:0]                       deletes,
  input  wire logic [31:0]                       not_found,
  input  wire logic [31:0]                       expiries,
  input  wire logic [31:0]                       age_steps,
  input  wire logic [31:0]                       invalid_ops,
  input  wire logic [31:0]                       moves,
  input  wire logic [31:0]                       matured
);
  localparam int unsigned BL = BucketLog2Max;

  logic [31:0] ctrl, clear, geometry, capacity;

  flow_table_csr u_csr (
    .clk_i                  (ap_clk),
    .rst_ni                 (ap_rst_n),
    .s_axi_control_AWADDR   (s_axi_control_AWADDR),
    .s_axi_control_AWVALID  (s_axi_control_AWVALID),
    .s_axi_control_AWREADY  (s_axi_control_AWREADY),
    .s_axi_control_WDATA    (s_axi_control_WDATA),
    .s_axi_control_WSTRB    (s_axi_control_WSTRB),
    .s_axi_control_WVALID   (s_axi_control_WVALID),
    .s_axi_control_WREADY   (s_axi_control_WREADY),
    .s_axi_control_BRESP    (s_axi_control_BRESP),
    .s_axi_control_BVALID   (s_axi_control_BVALID),
    .s_axi_control_BREADY   (s_axi_control_BREADY),
    .s_axi_control_ARADDR   (s_axi_control_ARADDR),
    .s_axi_control_ARVALID  (s_axi_control_ARVALID),
    .s_axi_control_ARREADY  (s_axi_control_ARREADY),
    .s_axi_control_RDATA    (s_axi_control_RDATA),
    .s_axi_control_RRESP    (s_axi_control_RRESP),
    .s_axi_control_RVALID   (s_axi_control_RVALID),
    .s_axi_control_RREADY   (s_axi_control_RREADY),
    .geometry_i             (geometry),
    .capacity_i             (capacity),
    .occupancy_i            (occupancy),
    .stash_used_i           (stash_used),
    .ctrl_o                 (ctrl),
    .timeout_new_o          (timeout_new),
    .timeout_est_o          (timeout_est),
    .timeout_closing_o      (timeout_closing),
    .sync_mature_o          (sync_mature),
    .hash_seed1_o           (seed1),
    .hash_seed2_o           (seed2),
    .now_i                  (now),
    .age_cursor_i           (age_cursor),
    .first_full_occupancy_i (first_full),
    .lookups_i              (lookups_q),
    .hits_i                 (hits_q),
    .inserts_i              (inserts),
    .insert_full_i          (insert_full),
    .insert_exists_i        (insert_exists),
    .updates_i              (updates),
    .touches_i              (touches),
    .deletes_i              (deletes),
    .not_found_i            (not_found),
    .expiries_i             (expiries),
    .age_steps_i            (age_steps),
    .invalid_ops_i          (invalid_ops),
    .moves_i                (moves),
    .matured_i              (matured),
    .counter_clear_o        (clear)
  );
  assign counter_clear = clear[0];

  // Active size and walk length, clamped to the build.
  logic [4:0] log2_req;
  logic [5:0] walk_req;
  assign log2_req = ctrl[conductor_regs_pkg::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB +: 5];
  assign walk_req = ctrl[conductor_regs_pkg::FLOW_TABLE_CTRL_WALK_STEPS_LSB +: 6];
  always_ff @(posedge ap_clk) begin
    log2_eff <= (log2_req > 5'(BL)) ? 5'(BL) : log2_req;
    walk_eff <= (walk_req > 6'(WalkMax)) ? 6'(WalkMax) : walk_req;
    mask     <= BL'((32'd1 << log2_eff) - 32'd1);
    capacity <= (32'd8 << log2_eff) + 32'(StashSize);  // registered: no shift and add ahead of RDATA
  end
  assign geometry = (32'(BL) << conductor_regs_pkg::FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_LSB)
                  | (32'(Slots) << conductor_regs_pkg::FLOW_TABLE_GEOMETRY_SLOTS_LSB)
                  | (32'(StashSize) << conductor_regs_pkg::FLOW_TABLE_GEOMETRY_STASH_SIZE_LSB)
                  | (32'(WalkMax) << conductor_regs_pkg::FLOW_TABLE_GEOMETRY_WALK_MAX_LSB);

  assign sync_gen_o = sync_mature[conductor_regs_pkg::FLOW_TABLE_SYNC_MATURE_GEN_LSB];

  logic unused_ctrl;
  assign unused_ctrl = ^{ctrl[31:13], ctrl[7:6], clear[31:1]};
endmodule

`default_nettype wire
