// Bench top for the generated CSR blocks: the id, parser and dist_hash blocks behind axil_xbar at
// their bases from conductor.regs, as the core maps them, plus a memory model for the BUCKETS
// window (byte strobes, read data one clock after the request).
`default_nettype none

module csr_tb_top
  import conductor_regs_pkg::*;
#(
  // Value of id.BUILD_HASH (the build passes the source commit).
  parameter logic [31:0] BuildHash = 32'h0000_0000
) (
  input  wire logic        clk_i,
  input  wire logic        rst_ni,
  input  wire logic [17:0] s_axi_control_AWADDR,
  input  wire logic        s_axi_control_AWVALID,
  output      logic        s_axi_control_AWREADY,
  input  wire logic [31:0] s_axi_control_WDATA,
  input  wire logic [3:0]  s_axi_control_WSTRB,
  input  wire logic        s_axi_control_WVALID,
  output      logic        s_axi_control_WREADY,
  output      logic [1:0]  s_axi_control_BRESP,
  output      logic        s_axi_control_BVALID,
  input  wire logic        s_axi_control_BREADY,
  input  wire logic [17:0] s_axi_control_ARADDR,
  input  wire logic        s_axi_control_ARVALID,
  output      logic        s_axi_control_ARREADY,
  output      logic [31:0] s_axi_control_RDATA,
  output      logic [1:0]  s_axi_control_RRESP,
  output      logic        s_axi_control_RVALID,
  input  wire logic        s_axi_control_RREADY,
  // Hardware side of the blocks, for the bench to drive and watch.
  input  wire logic [31:0] caps_i,
  input  wire logic [31:0] counter_base_i,  // parser counter k reads counter_base_i + k
  output      logic [31:0] scratch_o,
  output      logic [31:0] parser_ctrl_o,
  output      logic [31:0] default_dest_o,
  output      logic [31:0] counter_clear_o,
  output      logic [31:0] dist_ctrl_o,
  output      logic [31:0] key0_o,
  output      logic [31:0] key9_o,
  output      logic        buckets_req_o  // the window port is used this clock
);
  localparam int unsigned NumSlaves = 3;
  localparam int unsigned AddrWidth = 18;

  logic [NumSlaves*AddrWidth-1:0] awaddr, araddr;
  logic [NumSlaves-1:0]           awvalid, awready, wvalid, wready, bvalid, bready;
  logic [NumSlaves-1:0]           arvalid, arready, rvalid, rready;
  logic [NumSlaves*32-1:0]        wdata, rdata;
  logic [NumSlaves*4-1:0]         wstrb;
  logic [NumSlaves*2-1:0]         bresp, rresp;

  axil_xbar #(
    .NumSlaves    (NumSlaves),
    .AddrWidth    (AddrWidth),
    .SlaveBase    ({18'(DIST_HASH_BASE), 18'(PARSER_BASE), 18'(ID_BASE)}),
    .SlaveAddrBits({DIST_HASH_ADDR_BITS, PARSER_ADDR_BITS, ID_ADDR_BITS})
  ) u_xbar (
    .clk_i,
    .rst_ni,
    .s_axi_control_AWADDR,
    .s_axi_control_AWVALID,
    .s_axi_control_AWREADY,
    .s_axi_control_WDATA,
    .s_axi_control_WSTRB,
    .s_axi_control_WVALID,
    .s_axi_control_WREADY,
    .s_axi_control_BRESP,
    .s_axi_control_BVALID,
    .s_axi_control_BREADY,
    .s_axi_control_ARADDR,
    .s_axi_control_ARVALID,
    .s_axi_control_ARREADY,
    .s_axi_control_RDATA,
    .s_axi_control_RRESP,
    .s_axi_control_RVALID,
    .s_axi_control_RREADY,
    .m_axil_awaddr (awaddr),
    .m_axil_awvalid(awvalid),
    .m_axil_awready(awready),
    .m_axil_wdata  (wdata),
    .m_axil_wstrb  (wstrb),
    .m_axil_wvalid (wvalid),
    .m_axil_wready (wready),
    .m_axil_bresp  (bresp),
    .m_axil_bvalid (bvalid),
    .m_axil_bready (bready),
    .m_axil_araddr (araddr),
    .m_axil_arvalid(arvalid),
    .m_axil_arready(arready),
    .m_axil_rdata  (rdata),
    .m_axil_rresp  (rresp),
    .m_axil_rvalid (rvalid),
    .m_axil_rready (rready)
  );

  // ---------------------------------------------------------------- block id (slave 0)
  id_csr u_id (
    .clk_i,
    .rst_ni,
    .s_axi_control_AWADDR (awaddr[0*AddrWidth +: ID_ADDR_BITS]),
    .s_axi_control_AWVALID(awvalid[0]),
    .s_axi_control_AWREADY(awready[0]),
    .s_axi_control_WDATA  (wdata[0*32 +: 32]),
    .s_axi_control_WSTRB  (wstrb[0*4 +: 4]),
    .s_axi_control_WVALID (wvalid[0]),
    .s_axi_control_WREADY (wready[0]),
    .s_axi_control_BRESP  (bresp[0*2 +: 2]),
    .s_axi_control_BVALID (bvalid[0]),
    .s_axi_control_BREADY (bready[0]),
    .s_axi_control_ARADDR (araddr[0*AddrWidth +: ID_ADDR_BITS]),
    .s_axi_control_ARVALID(arvalid[0]),
    .s_axi_control_ARREADY(arready[0]),
    .s_axi_control_RDATA  (rdata[0*32 +: 32]),
    .s_axi_control_RRESP  (rresp[0*2 +: 2]),
    .s_axi_control_RVALID (rvalid[0]),
    .s_axi_control_RREADY (rready[0]),
    .build_hash_i         (BuildHash),
    .caps_i,
    .scratch_o
  );

  // ---------------------------------------------------------------- block parser (slave 1)
  parser_csr u_parser (
    .clk_i,
    .rst_ni,
    .s_axi_control_AWADDR (awaddr[1*AddrWidth +: PARSER_ADDR_BITS]),
    .s_axi_control_AWVALID(awvalid[1]),
    .s_axi_control_AWREADY(awready[1]),
    .s_axi_control_WDATA  (wdata[1*32 +: 32]),
    .s_axi_control_WSTRB  (wstrb[1*4 +: 4]),
    .s_axi_control_WVALID (wvalid[1]),
    .s_axi_control_WREADY (wready[1]),
    .s_axi_control_BRESP  (bresp[1*2 +: 2]),
    .s_axi_control_BVALID (bvalid[1]),
    .s_axi_control_BREADY (bready[1]),
    .s_axi_control_ARADDR (araddr[1*AddrWidth +: PARSER_ADDR_BITS]),
    .s_axi_control_ARVALID(arvalid[1]),
    .s_axi_control_ARREADY(arready[1]),
    .s_axi_control_RDATA  (rdata[1*32 +: 32]),
    .s_axi_control_RRESP  (rresp[1*2 +: 2]),
    .s_axi_control_RVALID (rvalid[1]),
    .s_axi_control_RREADY (rready[1]),
    .ctrl_o               (parser_ctrl_o),
    .default_dest_o,
    .rx_pkts_i            (counter_base_i + 32'd0),
    .parsed_ok_i          (counter_base_i + 32'd1),
    .non_ip_i             (counter_base_i + 32'd2),
    .truncated_i          (counter_base_i + 32'd3),
    .bad_header_i         (counter_base_i + 32'd4),
    .ext_limit_i          (counter_base_i + 32'd5),
    .defaulted_i          (counter_base_i + 32'd6),
    .dropped_i            (counter_base_i + 32'd7),
    .counter_clear_o
  );

  // ---------------------------------------------------------------- block dist_hash (slave 2)
  logic [31:0] key_unused [1:8];
  logic        win_we;
  logic [DIST_HASH_BUCKETS_WORD_ADDR_BITS-1:0] win_addr;
  logic [31:0] win_wdata, win_rdata_q;
  logic [3:0]  win_wstrb;

  dist_hash_csr u_dist_hash (
    .clk_i,
    .rst_ni,
    .s_axi_control_AWADDR (awaddr[2*AddrWidth +: DIST_HASH_ADDR_BITS]),
    .s_axi_control_AWVALID(awvalid[2]),
    .s_axi_control_AWREADY(awready[2]),
    .s_axi_control_WDATA  (wdata[2*32 +: 32]),
    .s_axi_control_WSTRB  (wstrb[2*4 +: 4]),
    .s_axi_control_WVALID (wvalid[2]),
    .s_axi_control_WREADY (wready[2]),
    .s_axi_control_BRESP  (bresp[2*2 +: 2]),
    .s_axi_control_BVALID (bvalid[2]),
    .s_axi_control_BREADY (bready[2]),
    .s_axi_control_ARADDR (araddr[2*AddrWidth +: DIST_HASH_ADDR_BITS]),
    .s_axi_control_ARVALID(arvalid[2]),
    .s_axi_control_ARREADY(arready[2]),
    .s_axi_control_RDATA  (rdata[2*32 +: 32]),
    .s_axi_control_RRESP  (rresp[2*2 +: 2]),
    .s_axi_control_RVALID (rvalid[2]),
    .s_axi_control_RREADY (rready[2]),
    .ctrl_o               (dist_ctrl_o),
    .key0_o,
    .key1_o               (key_unused[1]),
    .key2_o               (key_unused[2]),
    .key3_o               (key_unused[3]),
    .key4_o               (key_unused[4]),
    .key5_o               (key_unused[5]),
    .key6_o               (key_unused[6]),
    .key7_o               (key_unused[7]),
    .key8_o               (key_unused[8]),
    .key9_o,
    .buckets_req_o,
    .buckets_we_o         (win_we),
    .buckets_addr_o       (win_addr),
    .buckets_wdata_o      (win_wdata),
    .buckets_wstrb_o      (win_wstrb),
    .buckets_rdata_i      (win_rdata_q)
  );

  // BUCKETS memory model: 32-bit words, byte strobes, registered read.
  logic [31:0] mem [DIST_HASH_BUCKETS_WORDS];
  always_ff @(posedge clk_i) begin
    if (buckets_req_o) begin
      if (win_we) begin
        for (int b = 0; b < 4; b++) begin
          if (win_wstrb[b]) mem[win_addr][8*b +: 8] <= win_wdata[8*b +: 8];
        end
      end else begin
        win_rdata_q <= mem[win_addr];
      end
    end
  end

  // The unused upper slave-address bits of the narrower blocks.
  logic unused_tb;
  assign unused_tb = ^{awaddr[0*AddrWidth+ID_ADDR_BITS +: AddrWidth-ID_ADDR_BITS],
                       araddr[0*AddrWidth+ID_ADDR_BITS +: AddrWidth-ID_ADDR_BITS],
                       awaddr[1*AddrWidth+PARSER_ADDR_BITS +: AddrWidth-PARSER_ADDR_BITS],
                       araddr[1*AddrWidth+PARSER_ADDR_BITS +: AddrWidth-PARSER_ADDR_BITS],
                       awaddr[2*AddrWidth+DIST_HASH_ADDR_BITS +: AddrWidth-DIST_HASH_ADDR_BITS],
                       araddr[2*AddrWidth+DIST_HASH_ADDR_BITS +: AddrWidth-DIST_HASH_ADDR_BITS],
                       key_unused[1], key_unused[2], key_unused[3], key_unused[4],
                       key_unused[5], key_unused[6], key_unused[7], key_unused[8]};

endmodule
