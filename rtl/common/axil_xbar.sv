// AXI-Lite address decoder: one master, NumSlaves slaves, one transaction per direction at a time.
//
// Slave i answers the byte addresses [base_i, base_i + 2^bits_i), where base_i is the AddrWidth-wide
// slice i of SlaveBase and bits_i the 32-bit slice i of SlaveAddrBits (slave 0 in the low slice, as
// {.., base_1, base_0}). The slave sees the local address (base removed) on its AddrWidth-bit
// address slice; it uses the low bits_i bits. An address that hits no slave answers SLVERR
// (RDATA 0) without reaching a slave.
//
// Master side: the Vitis HLS names of an s_axilite bundle "control" (s_axi_control_*). Slave side:
// packed vectors, slave i in bits [W*i +: W] of each m_axil_* port (Yosys 0.23 reads no 2-D ports).
//
// Timing: AW and W are taken in either order into slots; the clock after both are held the address
// is decoded, then AWVALID/WVALID go to the selected slave, its B response is registered and handed
// back. Reads likewise. Every VALID and READY this module drives comes from a flop. Reads and writes
// proceed independently of each other.
`default_nettype none

module axil_xbar #(
  // Number of slaves (at least 1).
  parameter int unsigned NumSlaves = 1,
  // Byte-address bits of the master port.
  parameter int unsigned AddrWidth = 18,
  // Base byte address of each slave, AddrWidth bits per slave; aligned to the slave's size.
  parameter logic [NumSlaves*AddrWidth-1:0] SlaveBase = '0,
  // log2 of each slave's size in bytes, 32 bits per slave (2..AddrWidth).
  parameter logic [NumSlaves*32-1:0] SlaveAddrBits = {NumSlaves{32'd12}}
) (
  input  wire logic                           clk_i,
  input  wire logic                           rst_ni,
  // Master side.
  input  wire logic [AddrWidth-1:0]           s_axi_control_AWADDR,
  input  wire logic                           s_axi_control_AWVALID,
  output      logic                           s_axi_control_AWREADY,
  input  wire logic [31:0]                    s_axi_control_WDATA,
  input  wire logic [3:0]                     s_axi_control_WSTRB,
  input  wire logic                           s_axi_control_WVALID,
  output      logic                           s_axi_control_WREADY,
  output      logic [1:0]                     s_axi_control_BRESP,
  output      logic                           s_axi_control_BVALID,
  input  wire logic                           s_axi_control_BREADY,
  input  wire logic [AddrWidth-1:0]           s_axi_control_ARADDR,
  input  wire logic                           s_axi_control_ARVALID,
  output      logic                           s_axi_control_ARREADY,
  output      logic [31:0]                    s_axi_control_RDATA,
  output      logic [1:0]                     s_axi_control_RRESP,
  output      logic                           s_axi_control_RVALID,
  input  wire logic                           s_axi_control_RREADY,
  // Slave side, slave i in slice i.
  output      logic [NumSlaves*AddrWidth-1:0] m_axil_awaddr,
  output      logic [NumSlaves-1:0]           m_axil_awvalid,
  input  wire logic [NumSlaves-1:0]           m_axil_awready,
  output      logic [NumSlaves*32-1:0]        m_axil_wdata,
  output      logic [NumSlaves*4-1:0]         m_axil_wstrb,
  output      logic [NumSlaves-1:0]           m_axil_wvalid,
  input  wire logic [NumSlaves-1:0]           m_axil_wready,
  input  wire logic [NumSlaves*2-1:0]         m_axil_bresp,
  input  wire logic [NumSlaves-1:0]           m_axil_bvalid,
  output      logic [NumSlaves-1:0]           m_axil_bready,
  output      logic [NumSlaves*AddrWidth-1:0] m_axil_araddr,
  output      logic [NumSlaves-1:0]           m_axil_arvalid,
  input  wire logic [NumSlaves-1:0]           m_axil_arready,
  input  wire logic [NumSlaves*32-1:0]        m_axil_rdata,
  input  wire logic [NumSlaves*2-1:0]         m_axil_rresp,
  input  wire logic [NumSlaves-1:0]           m_axil_rvalid,
  output      logic [NumSlaves-1:0]           m_axil_rready
);
  localparam logic [1:0] RespSlverr = 2'b10;

  // ---------------------------------------------------------------- elaboration checks
  if (NumSlaves < 1) begin : gen_bad_num
    $error("axil_xbar: NumSlaves must be at least 1");
  end
  if (AddrWidth < 2 || AddrWidth > 32) begin : gen_bad_width
    $error("axil_xbar: AddrWidth must be within 2..32");
  end
  for (genvar i = 0; i < NumSlaves; i++) begin : gen_check
    localparam logic [31:0] Base = 32'(SlaveBase[AddrWidth*i +: AddrWidth]);
    localparam int unsigned Bits = SlaveAddrBits[32*i +: 32];
    if (Bits < 2 || Bits > AddrWidth) begin : gen_bad_bits
      $error("axil_xbar: slave %0d address bits %0d outside 2..AddrWidth", i, Bits);
    end
    if (Bits < 32 && (33'(Base) % (33'd1 << Bits)) != 0) begin : gen_unaligned
      $error("axil_xbar: slave %0d base 0x%0h not aligned to its size", i, Base);
    end
    if (AddrWidth < 32 && (33'(Base) + (33'd1 << Bits)) > (33'd1 << AddrWidth)) begin : gen_outside
      $error("axil_xbar: slave %0d does not fit in %0d address bits", i, AddrWidth);
    end
    for (genvar j = 0; j < i; j++) begin : gen_overlap
      localparam logic [31:0] OBase = 32'(SlaveBase[AddrWidth*j +: AddrWidth]);
      localparam int unsigned OBits = SlaveAddrBits[32*j +: 32];
      if (33'(Base) < 33'(OBase) + (33'd1 << OBits) && 33'(OBase) < 33'(Base) + (33'd1 << Bits))
      begin : gen_err
        $error("axil_xbar: slaves %0d and %0d overlap", j, i);
      end
    end
  end

  // ---------------------------------------------------------------- address decode
  logic [AddrWidth-1:0] aw_addr_q, ar_addr_q;
  logic [NumSlaves-1:0] aw_hit, ar_hit;

  for (genvar i = 0; i < NumSlaves; i++) begin : gen_decode
    localparam int unsigned Bits = SlaveAddrBits[32*i +: 32];
    localparam logic [AddrWidth-1:0] Base = SlaveBase[AddrWidth*i +: AddrWidth];
    localparam logic [AddrWidth-1:0] LocalMask = AddrWidth'((33'd1 << Bits) - 33'd1);
    assign aw_hit[i] = (aw_addr_q & ~LocalMask) == Base;
    assign ar_hit[i] = (ar_addr_q & ~LocalMask) == Base;
    assign m_axil_awaddr[AddrWidth*i +: AddrWidth] = aw_addr_q & LocalMask;
    assign m_axil_araddr[AddrWidth*i +: AddrWidth] = ar_addr_q & LocalMask;
  end

  // ---------------------------------------------------------------- write path
  typedef enum logic [1:0] {
    WrIdle,  // waiting for address and data
    WrSend,  // AW/W offered to the selected slave, waiting for its B
    WrResp   // B offered to the master
  } wr_state_e;

  wr_state_e            wr_state_d, wr_state_q;
  logic                 aw_full_d, aw_full_q;
  logic [AddrWidth-1:0] aw_addr_d;
  logic                 w_full_d, w_full_q;
  logic [31:0]          w_data_d, w_data_q;
  logic [3:0]           w_strb_d, w_strb_q;
  logic [NumSlaves-1:0] wr_sel_d, wr_sel_q;      // one-hot selected slave
  logic                 m_aw_pend_d, m_aw_pend_q;  // AW not yet taken by the slave
  logic                 m_w_pend_d, m_w_pend_q;    // W not yet taken by the slave
  logic                 b_valid_d, b_valid_q;
  logic [1:0]           b_resp_d, b_resp_q;
  logic                 sel_bvalid;
  logic [1:0]           sel_bresp;

  assign s_axi_control_AWREADY = !aw_full_q;
  assign s_axi_control_WREADY  = !w_full_q;
  assign s_axi_control_BVALID  = b_valid_q;
  assign s_axi_control_BRESP   = b_resp_q;

  for (genvar i = 0; i < NumSlaves; i++) begin : gen_wr_slave
    assign m_axil_wdata[32*i +: 32]  = w_data_q;
    assign m_axil_wstrb[4*i +: 4]    = w_strb_q;
    assign m_axil_awvalid[i] = wr_sel_q[i] && m_aw_pend_q;
    assign m_axil_wvalid[i]  = wr_sel_q[i] && m_w_pend_q;
    assign m_axil_bready[i]  = wr_sel_q[i] && (wr_state_q == WrSend);
  end

  always_comb begin
    sel_bvalid = 1'b0;
    sel_bresp  = '0;
    for (int i = 0; i < NumSlaves; i++) begin
      if (wr_sel_q[i]) begin
        sel_bvalid = m_axil_bvalid[i];
        sel_bresp  = m_axil_bresp[2*i +: 2];
      end
    end
  end

  always_comb begin
    wr_state_d  = wr_state_q;
    aw_full_d   = aw_full_q;
    aw_addr_d   = aw_addr_q;
    w_full_d    = w_full_q;
    w_data_d    = w_data_q;
    w_strb_d    = w_strb_q;
    wr_sel_d    = wr_sel_q;
    m_aw_pend_d = m_aw_pend_q;
    m_w_pend_d  = m_w_pend_q;
    b_valid_d   = b_valid_q;
    b_resp_d    = b_resp_q;

    if (s_axi_control_AWVALID && s_axi_control_AWREADY) begin
      aw_full_d = 1'b1;
      aw_addr_d = s_axi_control_AWADDR;
    end
    if (s_axi_control_WVALID && s_axi_control_WREADY) begin
      w_full_d = 1'b1;
      w_data_d = s_axi_control_WDATA;
      w_strb_d = s_axi_control_WSTRB;
    end

    unique case (wr_state_q)
      WrIdle: begin
        if (aw_full_q && w_full_q) begin
          if (aw_hit != '0) begin
            wr_sel_d    = aw_hit;
            m_aw_pend_d = 1'b1;
            m_w_pend_d  = 1'b1;
            wr_state_d  = WrSend;
          end else begin
            b_valid_d  = 1'b1;
            b_resp_d   = RespSlverr;
            wr_state_d = WrResp;
          end
        end
      end
      WrSend: begin
        if ((m_axil_awvalid & m_axil_awready) != '0) m_aw_pend_d = 1'b0;
        if ((m_axil_wvalid & m_axil_wready) != '0) m_w_pend_d = 1'b0;
        if (sel_bvalid) begin
          b_valid_d  = 1'b1;
          b_resp_d   = sel_bresp;
          wr_sel_d   = '0;
          wr_state_d = WrResp;
        end
      end
      WrResp: begin
        if (s_axi_control_BREADY) begin
          b_valid_d  = 1'b0;
          aw_full_d  = 1'b0;
          w_full_d   = 1'b0;
          wr_state_d = WrIdle;
        end
      end
      default: wr_state_d = WrIdle;
    endcase
  end

  // ---------------------------------------------------------------- read path
  typedef enum logic [1:0] {
    RdIdle,  // waiting for an address
    RdSend,  // AR offered to the selected slave, waiting for its R
    RdResp   // R offered to the master
  } rd_state_e;

  rd_state_e            rd_state_d, rd_state_q;
  logic                 ar_full_d, ar_full_q;
  logic [AddrWidth-1:0] ar_addr_d;
  logic [NumSlaves-1:0] rd_sel_d, rd_sel_q;
  logic                 m_ar_pend_d, m_ar_pend_q;
  logic                 r_valid_d, r_valid_q;
  logic [31:0]          r_data_d, r_data_q;
  logic [1:0]           r_resp_d, r_resp_q;
  logic                 sel_rvalid;
  logic [31:0]          sel_rdata;
  logic [1:0]           sel_rresp;

  assign s_axi_control_ARREADY = !ar_full_q;
  assign s_axi_control_RVALID  = r_valid_q;
  assign s_axi_control_RDATA   = r_data_q;
  assign s_axi_control_RRESP   = r_resp_q;

  for (genvar i = 0; i < NumSlaves; i++) begin : gen_rd_slave
    assign m_axil_arvalid[i] = rd_sel_q[i] && m_ar_pend_q;
    assign m_axil_rready[i]  = rd_sel_q[i] && (rd_state_q == RdSend);
  end

  always_comb begin
    sel_rvalid = 1'b0;
    sel_rdata  = '0;
    sel_rresp  = '0;
    for (int i = 0; i < NumSlaves; i++) begin
      if (rd_sel_q[i]) begin
        sel_rvalid = m_axil_rvalid[i];
        sel_rdata  = m_axil_rdata[32*i +: 32];
        sel_rresp  = m_axil_rresp[2*i +: 2];
      end
    end
  end

  always_comb begin
    rd_state_d  = rd_state_q;
    ar_full_d   = ar_full_q;
    ar_addr_d   = ar_addr_q;
    rd_sel_d    = rd_sel_q;
    m_ar_pend_d = m_ar_pend_q;
    r_valid_d   = r_valid_q;
    r_data_d    = r_data_q;
    r_resp_d    = r_resp_q;

    if (s_axi_control_ARVALID && s_axi_control_ARREADY) begin
      ar_full_d = 1'b1;
      ar_addr_d = s_axi_control_ARADDR;
    end

    unique case (rd_state_q)
      RdIdle: begin
        if (ar_full_q) begin
          if (ar_hit != '0) begin
            rd_sel_d    = ar_hit;
            m_ar_pend_d = 1'b1;
            rd_state_d  = RdSend;
          end else begin
            r_valid_d  = 1'b1;
            r_data_d   = '0;
            r_resp_d   = RespSlverr;
            rd_state_d = RdResp;
          end
        end
      end
      RdSend: begin
        if ((m_axil_arvalid & m_axil_arready) != '0) m_ar_pend_d = 1'b0;
        if (sel_rvalid) begin
          r_valid_d  = 1'b1;
          r_data_d   = sel_rdata;
          r_resp_d   = sel_rresp;
          rd_sel_d   = '0;
          rd_state_d = RdResp;
        end
      end
      RdResp: begin
        if (s_axi_control_RREADY) begin
          r_valid_d  = 1'b0;
          ar_full_d  = 1'b0;
          rd_state_d = RdIdle;
        end
      end
      default: rd_state_d = RdIdle;
    endcase
  end

  // ---------------------------------------------------------------- flops
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_state_q  <= WrIdle;
      aw_full_q   <= 1'b0;
      aw_addr_q   <= '0;
      w_full_q    <= 1'b0;
      w_data_q    <= '0;
      w_strb_q    <= '0;
      wr_sel_q    <= '0;
      m_aw_pend_q <= 1'b0;
      m_w_pend_q  <= 1'b0;
      b_valid_q   <= 1'b0;
      b_resp_q    <= '0;
      rd_state_q  <= RdIdle;
      ar_full_q   <= 1'b0;
      ar_addr_q   <= '0;
      rd_sel_q    <= '0;
      m_ar_pend_q <= 1'b0;
      r_valid_q   <= 1'b0;
      r_data_q    <= '0;
      r_resp_q    <= '0;
    end else begin
      wr_state_q  <= wr_state_d;
      aw_full_q   <= aw_full_d;
      aw_addr_q   <= aw_addr_d;
      w_full_q    <= w_full_d;
      w_data_q    <= w_data_d;
      w_strb_q    <= w_strb_d;
      wr_sel_q    <= wr_sel_d;
      m_aw_pend_q <= m_aw_pend_d;
      m_w_pend_q  <= m_w_pend_d;
      b_valid_q   <= b_valid_d;
      b_resp_q    <= b_resp_d;
      rd_state_q  <= rd_state_d;
      ar_full_q   <= ar_full_d;
      ar_addr_q   <= ar_addr_d;
      rd_sel_q    <= rd_sel_d;
      m_ar_pend_q <= m_ar_pend_d;
      r_valid_q   <= r_valid_d;
      r_data_q    <= r_data_d;
      r_resp_q    <= r_resp_d;
    end
  end

endmodule
