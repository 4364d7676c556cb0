// Portable Conductor core: frames in, the same frames out with their steering decision in TUSER.
//
//   s_axis ─┬─► frame FIFO ─────────────────────────────────────────┐
//           └─► pkt_parser ─FLOW_KEY─► dist_hash ─DECISION─► steer ─► meta FIFO ─► m_axis
//                     └─ status FIFO (parse status beside the key) ─┘
//
// Every frame leaves unchanged and in order, never dropped: DELIVER = 0 marks the ones to drop.
// STEER_META is on m_axis_tuser for every beat of the frame (docs/architecture.md).
// Registers: blocks id, parser and dist_hash of rtl/csr/conductor.regs behind one AXI-Lite port.
`default_nettype none

module conductor_core
#(
  parameter logic [31:0] BuildHash = 32'h0,   // source commit, read back from id.BUILD_HASH
  parameter int unsigned BucketLog2Max = 16,  // bucket-table capacity, log2 entries
  parameter int unsigned FrameFifoBeats = 32  // frame FIFO depth; >= parser + hash latency + 2
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  // Frames in; s_axis_tuser = security-group id, read on the first beat.
  input  wire logic [511:0]  s_axis_tdata,
  input  wire logic [63:0]   s_axis_tkeep,
  input  wire logic [7:0]    s_axis_tuser,
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
  // Registers (18-bit byte addresses).
  input  wire logic [17:0]   s_axi_control_AWADDR,
  input  wire logic          s_axi_control_AWVALID,
  output      logic          s_axi_control_AWREADY,
  input  wire logic [31:0]   s_axi_control_WDATA,
  input  wire logic [3:0]    s_axi_control_WSTRB,
  input  wire logic          s_axi_control_WVALID,
  output      logic          s_axi_control_WREADY,
  output      logic [1:0]    s_axi_control_BRESP,
  output      logic          s_axi_control_BVALID,
  input  wire logic          s_axi_control_BREADY,
  input  wire logic [17:0]   s_axi_control_ARADDR,
  input  wire logic          s_axi_control_ARVALID,
  output      logic          s_axi_control_ARREADY,
  output      logic [31:0]   s_axi_control_RDATA,
  output      logic [1:0]    s_axi_control_RRESP,
  output      logic          s_axi_control_RVALID,
  input  wire logic          s_axi_control_RREADY
);
  localparam int unsigned MetaFifoDepth = FrameFifoBeats;  // at most one meta per buffered frame
  localparam int unsigned StatusFifoDepth = 8;             // > dist_hash in-flight items (6)
  localparam int unsigned FrameBits = 512 + 64 + 1;

  // ================================================================ register blocks
  localparam int unsigned NumSlaves = 3;
  // Per-slave buses, flattened (slave i in bits i*width +: width) as Yosys 0.23 reads them.
  logic [NumSlaves*18-1:0] sl_awaddr, sl_araddr;
  logic [NumSlaves-1:0]    sl_awvalid, sl_awready, sl_wvalid, sl_wready, sl_bvalid, sl_bready;
  logic [NumSlaves-1:0]    sl_arvalid, sl_arready, sl_rvalid, sl_rready;
  logic [NumSlaves*32-1:0] sl_wdata, sl_rdata;
  logic [NumSlaves*4-1:0]  sl_wstrb;
  logic [NumSlaves*2-1:0]  sl_bresp, sl_rresp;

  axil_xbar #(
    .AddrWidth (18),
    .NumSlaves (NumSlaves),
    .SlaveBase ({18'(conductor_regs_pkg::DIST_HASH_BASE), 18'(conductor_regs_pkg::PARSER_BASE), 18'(conductor_regs_pkg::ID_BASE)}),
    .SlaveAddrBits ({32'(conductor_regs_pkg::DIST_HASH_ADDR_BITS), 32'(conductor_regs_pkg::PARSER_ADDR_BITS), 32'(conductor_regs_pkg::ID_ADDR_BITS)})
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
    .s_axi_control_AWADDR  (sl_awaddr[0*18 +: conductor_regs_pkg::ID_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[0]),
    .s_axi_control_AWREADY (sl_awready[0]),
    .s_axi_control_WDATA   (sl_wdata[0*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[0*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[0]),
    .s_axi_control_WREADY  (sl_wready[0]),
    .s_axi_control_BRESP   (sl_bresp[0*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[0]),
    .s_axi_control_BREADY  (sl_bready[0]),
    .s_axi_control_ARADDR  (sl_araddr[0*18 +: conductor_regs_pkg::ID_ADDR_BITS]),
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
    .s_axi_control_AWADDR  (sl_awaddr[1*18 +: conductor_regs_pkg::PARSER_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[1]),
    .s_axi_control_AWREADY (sl_awready[1]),
    .s_axi_control_WDATA   (sl_wdata[1*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[1*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[1]),
    .s_axi_control_WREADY  (sl_wready[1]),
    .s_axi_control_BRESP   (sl_bresp[1*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[1]),
    .s_axi_control_BREADY  (sl_bready[1]),
    .s_axi_control_ARADDR  (sl_araddr[1*18 +: conductor_regs_pkg::PARSER_ADDR_BITS]),
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

  // ================================================================ data path
  // ---------------------------------------------------------------- input fork
  logic frame_full, frame_empty, parser_ready, in_fire;
  logic [$clog2(FrameFifoBeats):0] unused_frame_count;
  logic [$clog2(StatusFifoDepth):0] unused_status_count;
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

  // ---------------------------------------------------------------- parser -> dist_hash
  logic [conductor_regs_pkg::FLOW_KEY_BITS-1:0] key_tdata;
  logic [3:0]               key_status;
  logic                     key_tvalid, key_tready, hash_ready;
  logic                     status_full, status_empty;
  logic [3:0]               status_head;

  pkt_parser u_parser (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .s_axis_tdata  (s_axis_tdata),
    .s_axis_tkeep  (s_axis_tkeep),
    .s_axis_tuser  (s_axis_tuser),
    .s_axis_tlast  (s_axis_tlast),
    .s_axis_tvalid (s_axis_tvalid && !frame_full),
    .s_axis_tready (parser_ready),
    .m_key_tdata   (key_tdata),
    .m_key_tuser   (key_status),
    .m_key_tvalid  (key_tvalid),
    .m_key_tready  (key_tready)
  );

  // A key enters dist_hash only with room for its status beside it.
  assign key_tready = hash_ready && !status_full;

  logic [conductor_regs_pkg::DECISION_BITS-1:0] dec_tdata;
  logic                     dec_tvalid, dec_tready;

  dist_hash #(.BucketLog2Max(BucketLog2Max)) u_dist_hash (
    .ap_clk                (clk_i),
    .ap_rst_n              (rst_ni),
    .s_key_TDATA           (key_tdata),
    .s_key_TVALID          (key_tvalid && !status_full),
    .s_key_TREADY          (hash_ready),
    .m_dec_TDATA           (dec_tdata),
    .m_dec_TVALID          (dec_tvalid),
    .m_dec_TREADY          (dec_tready),
    .s_axi_control_AWADDR  (sl_awaddr[2*18 +: conductor_regs_pkg::DIST_HASH_ADDR_BITS]),
    .s_axi_control_AWVALID (sl_awvalid[2]),
    .s_axi_control_AWREADY (sl_awready[2]),
    .s_axi_control_WDATA   (sl_wdata[2*32 +: 32]),
    .s_axi_control_WSTRB   (sl_wstrb[2*4 +: 4]),
    .s_axi_control_WVALID  (sl_wvalid[2]),
    .s_axi_control_WREADY  (sl_wready[2]),
    .s_axi_control_BRESP   (sl_bresp[2*2 +: 2]),
    .s_axi_control_BVALID  (sl_bvalid[2]),
    .s_axi_control_BREADY  (sl_bready[2]),
    .s_axi_control_ARADDR  (sl_araddr[2*18 +: conductor_regs_pkg::DIST_HASH_ADDR_BITS]),
    .s_axi_control_ARVALID (sl_arvalid[2]),
    .s_axi_control_ARREADY (sl_arready[2]),
    .s_axi_control_RDATA   (sl_rdata[2*32 +: 32]),
    .s_axi_control_RRESP   (sl_rresp[2*2 +: 2]),
    .s_axi_control_RVALID  (sl_rvalid[2]),
    .s_axi_control_RREADY  (sl_rready[2])
  );

  sync_fifo #(.Width(4), .Depth(StatusFifoDepth)) u_status_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (key_tvalid && key_tready),
    .wdata_i (key_status),
    .re_i    (dec_tvalid && dec_tready),
    .rdata_o (status_head),
    .empty_o (status_empty),
    .full_o  (status_full),
    .count_o (unused_status_count)
  );

  // ---------------------------------------------------------------- steer
  logic meta_full, meta_empty, steer_fire;
  logic [conductor_regs_pkg::STEER_META_BITS-1:0] meta_d, meta_head;
  logic takes_default, drop_default;

  assign dec_tready = !meta_full;
  assign steer_fire = dec_tvalid && dec_tready;

  always_comb begin
    // Statuses 1..3 (non-ip, truncated, bad-header) take the default action.
    takes_default = (status_head == 4'd1) || (status_head == 4'd2) || (status_head == 4'd3);
    drop_default  = parser_ctrl[conductor_regs_pkg::PARSER_CTRL_DEFAULT_ACTION_LSB];
    meta_d = '0;
    meta_d[conductor_regs_pkg::STEER_META_STATUS_LSB +: 4] = status_head;
    if (takes_default) begin
      meta_d[conductor_regs_pkg::STEER_META_MEMBER_LSB +: 6] = default_dest[conductor_regs_pkg::PARSER_DEFAULT_DEST_MEMBER_LSB +: 6];
      meta_d[conductor_regs_pkg::STEER_META_SITE_LSB]        = default_dest[conductor_regs_pkg::PARSER_DEFAULT_DEST_SITE_LSB];
      meta_d[conductor_regs_pkg::STEER_META_DELIVER_LSB]     = !drop_default;
      meta_d[conductor_regs_pkg::STEER_META_DEFAULTED_LSB]   = 1'b1;
    end else begin
      meta_d[conductor_regs_pkg::STEER_META_HASH_LSB +: 32]   = dec_tdata[conductor_regs_pkg::DECISION_HASH_LSB +: 32];
      meta_d[conductor_regs_pkg::STEER_META_BUCKET_LSB +: 16] = dec_tdata[conductor_regs_pkg::DECISION_BUCKET_LSB +: 16];
      meta_d[conductor_regs_pkg::STEER_META_MEMBER_LSB +: 6]  = dec_tdata[conductor_regs_pkg::DECISION_MEMBER_LSB +: 6];
      meta_d[conductor_regs_pkg::STEER_META_SITE_LSB]         = dec_tdata[conductor_regs_pkg::DECISION_SITE_LSB];
      meta_d[conductor_regs_pkg::STEER_META_DELIVER_LSB]      = dec_tdata[conductor_regs_pkg::DECISION_VALID_LSB];
    end
  end

  sync_fifo #(.Width(conductor_regs_pkg::STEER_META_BITS), .Depth(MetaFifoDepth)) u_meta_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (steer_fire),
    .wdata_i (meta_d),
    .re_i    (out_fire && frame_head[FrameBits-1]),
    .rdata_o (meta_head),
    .empty_o (meta_empty),
    .full_o  (meta_full),
    .count_o (unused_meta_count)
  );

  // ---------------------------------------------------------------- counters
  logic clear;
  assign clear = counter_clear[0];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_rx_q <= '0; cnt_ok_q <= '0; cnt_nonip_q <= '0; cnt_trunc_q <= '0;
      cnt_bad_q <= '0; cnt_ext_q <= '0; cnt_def_q <= '0; cnt_drop_q <= '0;
    end else if (clear) begin
      cnt_rx_q <= '0; cnt_ok_q <= '0; cnt_nonip_q <= '0; cnt_trunc_q <= '0;
      cnt_bad_q <= '0; cnt_ext_q <= '0; cnt_def_q <= '0; cnt_drop_q <= '0;
    end else if (steer_fire) begin
      cnt_rx_q    <= cnt_rx_q + 32'd1;
      cnt_ok_q    <= cnt_ok_q    + 32'(status_head == 4'd0);
      cnt_nonip_q <= cnt_nonip_q + 32'(status_head == 4'd1);
      cnt_trunc_q <= cnt_trunc_q + 32'(status_head == 4'd2);
      cnt_bad_q   <= cnt_bad_q   + 32'(status_head == 4'd3);
      cnt_ext_q   <= cnt_ext_q   + 32'(status_head == 4'd4);
      cnt_def_q   <= cnt_def_q   + 32'(takes_default);
      cnt_drop_q  <= cnt_drop_q  + 32'(!meta_d[conductor_regs_pkg::STEER_META_DELIVER_LSB]);
    end
  end

  // ---------------------------------------------------------------- output
  assign m_axis_tvalid = !frame_empty && !meta_empty;
  assign out_fire      = m_axis_tvalid && m_axis_tready;
  assign m_axis_tdata  = frame_head[511:0];
  assign m_axis_tkeep  = frame_head[575:512];
  assign m_axis_tlast  = frame_head[FrameBits-1];
  assign m_axis_tuser  = meta_head;

  // status_empty with dec_tvalid would mean a decision without its status: cannot happen, as a
  // status is written whenever a key enters dist_hash.
  logic unused_ok;
  // The crossbar hands every slave the full address; each block decodes only its own low bits.
  assign unused_ok = ^{status_empty, scratch_unused, counter_clear[31:1], unused_frame_count,
                       unused_status_count, unused_meta_count, sl_awaddr, sl_araddr};
endmodule

`default_nettype wire
