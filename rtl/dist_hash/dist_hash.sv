// Distribution hash kernel: FLOW_KEY in, DECISION out, one key per clock.
//
// Port contract: what Vitis HLS generates for hls/dist_hash/dist_hash.cpp (dist_hash_top) with
// ap_ctrl_none, axis on s_key/m_dec and s_axilite bundle=control, so a board build may swap this
// module for the HLS output and the same bench verifies it. Semantics: docs/architecture.md.
//
// Pipeline (one global enable: every stage advances when the output register is free or drained):
//   S0 key register -> S1 hash-input bytes (port rule; in the symmetric modes the canonical order
//   of rtl/flow_table/flow_canon.sv) -> S2 Toeplitz partial XORs -> S3 hash, bucket
//   -> S4 bucket-table read -> S5 DECISION register.
// Latency: LatencyCycles clocks from the input handshake to m_dec_TVALID.
`default_nettype none

module dist_hash
#(
  // log2 of the bucket-table capacity (entries); the table is 2^BucketLog2Max bytes.
  parameter int unsigned BucketLog2Max = 16
) (
  input  wire logic                              ap_clk,
  input  wire logic                              ap_rst_n,
  // Flow keys (FLOW_KEY).
  input  wire logic [conductor_regs_pkg::FLOW_KEY_BITS-1:0]          s_key_TDATA,
  input  wire logic                              s_key_TVALID,
  output      logic                              s_key_TREADY,
  // Decisions (DECISION).
  output      logic [conductor_regs_pkg::DECISION_BITS-1:0]          m_dec_TDATA,
  output      logic                              m_dec_TVALID,
  input  wire logic                              m_dec_TREADY,
  // Registers: block dist_hash of rtl/csr/conductor.regs.
  input  wire logic [conductor_regs_pkg::DIST_HASH_ADDR_BITS-1:0]       s_axi_control_AWADDR,
  input  wire logic                              s_axi_control_AWVALID,
  output      logic                              s_axi_control_AWREADY,
  input  wire logic [31:0]                       s_axi_control_WDATA,
  input  wire logic [3:0]                        s_axi_control_WSTRB,
  input  wire logic                              s_axi_control_WVALID,
  output      logic                              s_axi_control_WREADY,
  output      logic [1:0]                        s_axi_control_BRESP,
  output      logic                              s_axi_control_BVALID,
  input  wire logic                              s_axi_control_BREADY,
  input  wire logic [conductor_regs_pkg::DIST_HASH_ADDR_BITS-1:0]       s_axi_control_ARADDR,
  input  wire logic                              s_axi_control_ARVALID,
  output      logic                              s_axi_control_ARREADY,
  output      logic [31:0]                       s_axi_control_RDATA,
  output      logic [1:0]                        s_axi_control_RRESP,
  output      logic                              s_axi_control_RVALID,
  input  wire logic                              s_axi_control_RREADY
);
  localparam int unsigned LatencyCycles = 5;
  localparam int unsigned InBits = 288;       // 36 bytes: IPv6 addresses and ports
  localparam int unsigned KeyBits = 320;      // 40-byte Toeplitz key
  localparam int unsigned Groups = 4;         // S2 splits the XOR tree in this many partials
  localparam int unsigned GroupBits = InBits / Groups;
  localparam int unsigned TableWords = (2 ** BucketLog2Max) / 4;
  localparam int unsigned WordAddrBits = BucketLog2Max - 2;

  // Elaboration checks.
  if (BucketLog2Max < 2 || BucketLog2Max > 16) begin : gen_bad_log2
    $error("BucketLog2Max must be within 2..16");
  end
  if (InBits % Groups != 0) begin : gen_bad_groups
    $error("Groups must divide the hash input");
  end

  // ---------------------------------------------------------------- registers
  logic [31:0] ctrl;
  logic [KeyBits-1:0] key_vec;  // key bit i (bit 7 of key byte 0 is i = 0) is key_vec[KeyBits-1-i]
  logic        win_req, win_we;
  logic [conductor_regs_pkg::DIST_HASH_BUCKETS_WORD_ADDR_BITS-1:0] win_addr;
  logic [31:0] win_wdata, win_rdata_q;
  logic [3:0]  win_wstrb;

  dist_hash_csr u_csr (
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
    .ctrl_o                 (ctrl),
    .key0_o                 (key_vec[KeyBits-1-32*0 -: 32]),
    .key1_o                 (key_vec[KeyBits-1-32*1 -: 32]),
    .key2_o                 (key_vec[KeyBits-1-32*2 -: 32]),
    .key3_o                 (key_vec[KeyBits-1-32*3 -: 32]),
    .key4_o                 (key_vec[KeyBits-1-32*4 -: 32]),
    .key5_o                 (key_vec[KeyBits-1-32*5 -: 32]),
    .key6_o                 (key_vec[KeyBits-1-32*6 -: 32]),
    .key7_o                 (key_vec[KeyBits-1-32*7 -: 32]),
    .key8_o                 (key_vec[KeyBits-1-32*8 -: 32]),
    .key9_o                 (key_vec[KeyBits-1-32*9 -: 32]),
    .buckets_req_o          (win_req),
    .buckets_we_o           (win_we),
    .buckets_addr_o         (win_addr),
    .buckets_wdata_o        (win_wdata),
    .buckets_wstrb_o        (win_wstrb),
    .buckets_rdata_i        (win_rdata_q)
  );

  logic [1:0] mode;
  logic [4:0] log2_req;
  logic [4:0] log2_eff;
  logic [15:0] bucket_mask;
  assign mode = ctrl[conductor_regs_pkg::DIST_HASH_CTRL_MODE_LSB +: conductor_regs_pkg::DIST_HASH_CTRL_MODE_WIDTH];
  assign log2_req = ctrl[conductor_regs_pkg::DIST_HASH_CTRL_BUCKET_LOG2_LSB +: conductor_regs_pkg::DIST_HASH_CTRL_BUCKET_LOG2_WIDTH];
  assign log2_eff = (log2_req > 5'(BucketLog2Max)) ? 5'(BucketLog2Max) : log2_req;
  assign bucket_mask = 16'((32'd1 << log2_eff) - 32'd1);

  // Bits of CTRL outside its fields, and the last key bit (no input bit reaches it), are unused.
  logic unused_bits;
  assign unused_bits = ^{ctrl[31:13], ctrl[7:2], key_vec[0]};


  // ---------------------------------------------------------------- pipeline control
  logic en;
  logic [LatencyCycles-1:0] valid_q;  // valid_q[s] = stage s holds an item (S0..S4); S5 = out
  logic out_valid_q;
  assign en = !out_valid_q || m_dec_TREADY;
  assign s_key_TREADY = en;
  assign m_dec_TVALID = out_valid_q;

  // ---------------------------------------------------------------- S0: key register
  logic [conductor_regs_pkg::FLOW_KEY_BITS-1:0] key_q;
  always_ff @(posedge ap_clk) begin
    if (en) key_q <= s_key_TDATA;
  end

  // ---------------------------------------------------------------- S1: hash input bytes
  logic [127:0] k_src, k_dst;
  logic [15:0]  k_sport, k_dport;
  logic [7:0]   k_proto;
  logic         k_v6, k_frag, k_l4, k_ip;
  assign k_src   = key_q[conductor_regs_pkg::FLOW_KEY_SRC_ADDR_LSB +: 128];
  assign k_dst   = key_q[conductor_regs_pkg::FLOW_KEY_DST_ADDR_LSB +: 128];
  assign k_sport = key_q[conductor_regs_pkg::FLOW_KEY_SRC_PORT_LSB +: 16];
  assign k_dport = key_q[conductor_regs_pkg::FLOW_KEY_DST_PORT_LSB +: 16];
  assign k_proto = key_q[conductor_regs_pkg::FLOW_KEY_PROTO_LSB +: 8];
  assign k_v6    = key_q[conductor_regs_pkg::FLOW_KEY_IS_IPV6_LSB];
  assign k_frag  = key_q[conductor_regs_pkg::FLOW_KEY_IS_FRAG_LSB];
  assign k_l4    = key_q[conductor_regs_pkg::FLOW_KEY_L4_VALID_LSB];
  assign k_ip    = key_q[conductor_regs_pkg::FLOW_KEY_IP_VALID_LSB];

  // The symmetric modes hash the canonical key: flow_canon orders the endpoints exactly as the flow
  // table keys a connection (lower address first, the lower port on equal addresses; ports only for
  // TCP, UDP and SCTP with L4_VALID and not IS_FRAG), so the rule exists once in the RTL. Symmetric
  // L4 takes its addresses and ports; symmetric IP pair its addresses (on equal addresses the order
  // is moot) and no ports; Microsoft RSS keeps the packet's direction, with ports for TCP and UDP.
  localparam int unsigned CKeyBits = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;
  logic [CKeyBits-1:0] ckey;
  logic                ckey_valid;
  flow_canon u_canon (
    .key_i   (key_q),
    .ckey_o  (ckey),
    .valid_o (ckey_valid)
  );

  logic [127:0] c_a, c_b;
  logic [15:0]  c_aport, c_bport;
  assign c_a     = ckey[conductor_regs_pkg::FLOW_ENTRY_A_ADDR_LSB +: 128];
  assign c_b     = ckey[conductor_regs_pkg::FLOW_ENTRY_B_ADDR_LSB +: 128];
  assign c_aport = ckey[conductor_regs_pkg::FLOW_ENTRY_A_PORT_LSB +: 16];
  assign c_bport = ckey[conductor_regs_pkg::FLOW_ENTRY_B_PORT_LSB +: 16];

  // Canonical-key fields the hash input does not use (protocol, family, security group: S1 reads
  // them from the key), and its valid (IP_VALID, read from the key as k_ip).
  logic unused_canon;
  assign unused_canon = ^{ckey[CKeyBits-1:conductor_regs_pkg::FLOW_ENTRY_B_PORT_LSB+16], ckey_valid};

  logic rss_ports;
  logic [127:0] a_src, a_dst;
  logic [15:0]  p_src, p_dst;
  logic [InBits-1:0] hin_d, hin_q;  // byte 0 of the hash input in bits InBits-1 -: 8

  always_comb begin
    rss_ports = k_l4 && !k_frag && (k_proto == 8'd6 || k_proto == 8'd17);
    unique case (mode)
      conductor_regs_pkg::DIST_HASH_CTRL_MODE_SYM_L4: begin
        a_src = c_a;
        a_dst = c_b;
        p_src = c_aport;
        p_dst = c_bport;
      end
      conductor_regs_pkg::DIST_HASH_CTRL_MODE_SYM_IP: begin
        a_src = c_a;
        a_dst = c_b;
        p_src = 16'd0;
        p_dst = 16'd0;
      end
      default: begin  // DIST_HASH_CTRL_MODE_RSS (and RESERVED, which behaves alike)
        a_src = k_src;
        a_dst = k_dst;
        p_src = rss_ports ? k_sport : 16'd0;
        p_dst = rss_ports ? k_dport : 16'd0;
      end
    endcase
    hin_d = '0;
    if (k_ip) begin
      if (k_v6) hin_d = {a_src, a_dst, p_src, p_dst};
      else      hin_d = {a_src[31:0], a_dst[31:0], p_src, p_dst, 192'd0};
    end
  end

  logic [7:0] sg_q1, sg_q2, sg_q3, sg_q4;
  always_ff @(posedge ap_clk) begin
    if (en) begin
      hin_q <= hin_d;
      sg_q1 <= key_q[conductor_regs_pkg::FLOW_KEY_SG_ID_LSB +: 8];
    end
  end

  // ---------------------------------------------------------------- S2: Toeplitz partials
  // Toeplitz as 32 parities: hash bit 31-b is the XOR over input bits i of (in[i] AND key bit
  // i+b). Group g takes input bits g*GroupBits .. (g+1)*GroupBits-1; its partial hash sits at
  // part_d[g*32 +: 32]. Every select is constant, which keeps the simulation model fast.
  logic [Groups*32-1:0] part_d, part_q;
  for (genvar g = 0; g < Groups; g++) begin : gen_group
    for (genvar b = 0; b < 32; b++) begin : gen_bit
      assign part_d[g*32 + 31 - b] = ^(hin_q[InBits-1-g*GroupBits -: GroupBits] &
                                       key_vec[KeyBits-1-b-g*GroupBits -: GroupBits]);
    end
  end

  always_ff @(posedge ap_clk) begin
    if (en) begin
      part_q <= part_d;
      sg_q2  <= sg_q1;
    end
  end

  // ---------------------------------------------------------------- S3: hash and bucket
  logic [31:0] hash_d, hash_q3, hash_q4;
  logic [15:0] bucket_q3, bucket_q4;
  always_comb begin
    hash_d = 32'd0;
    for (int g = 0; g < Groups; g++) hash_d = hash_d ^ part_q[g*32 +: 32];
  end

  always_ff @(posedge ap_clk) begin
    if (en) begin
      hash_q3   <= hash_d;
      bucket_q3 <= hash_d[15:0] & bucket_mask;
      sg_q3     <= sg_q2;
    end
  end

  // ---------------------------------------------------------------- S4: bucket-table read
  // True dual port: port A is read by the pipeline, port B belongs to the CSR window.
  logic [31:0] table_q [TableWords];
  logic [31:0] entry_word_q4;
  logic [WordAddrBits-1:0] rd_addr;
  assign rd_addr = bucket_q3[BucketLog2Max-1:2];

  always_ff @(posedge ap_clk) begin
    if (en) begin
      entry_word_q4 <= table_q[rd_addr];
      hash_q4       <= hash_q3;
      bucket_q4     <= bucket_q3;
      sg_q4         <= sg_q3;
    end
  end

  logic [WordAddrBits-1:0] win_word;
  logic                    win_in_range;
  assign win_word = win_addr[WordAddrBits-1:0];
  if (conductor_regs_pkg::DIST_HASH_BUCKETS_WORD_ADDR_BITS > WordAddrBits) begin : gen_range_check
    assign win_in_range = (win_addr[conductor_regs_pkg::DIST_HASH_BUCKETS_WORD_ADDR_BITS-1:WordAddrBits] == '0);
  end else begin : gen_full_range
    assign win_in_range = 1'b1;
  end

  always_ff @(posedge ap_clk) begin
    if (win_req && win_we && win_in_range) begin
      for (int b = 0; b < 4; b++) begin
        if (win_wstrb[b]) table_q[win_word][8*b +: 8] <= win_wdata[8*b +: 8];
      end
    end
  end
  always_ff @(posedge ap_clk) begin
    if (win_req && !win_we) win_rdata_q <= win_in_range ? table_q[win_word] : 32'd0;
  end

  // ---------------------------------------------------------------- S5: DECISION
  logic [7:0] entry;
  logic [conductor_regs_pkg::DECISION_BITS-1:0] dec_d, dec_q;
  always_comb begin
    entry = entry_word_q4[8*bucket_q4[1:0] +: 8];
    dec_d = '0;
    dec_d[conductor_regs_pkg::DECISION_HASH_LSB   +: 32] = hash_q4;
    dec_d[conductor_regs_pkg::DECISION_BUCKET_LSB +: 16] = bucket_q4;
    dec_d[conductor_regs_pkg::DECISION_MEMBER_LSB +: 6]  = entry[conductor_regs_pkg::BUCKET_ENTRY_MEMBER_LSB +: 6];
    dec_d[conductor_regs_pkg::DECISION_SITE_LSB]         = entry[conductor_regs_pkg::BUCKET_ENTRY_SITE_LSB];
    dec_d[conductor_regs_pkg::DECISION_VALID_LSB]        = entry[conductor_regs_pkg::BUCKET_ENTRY_VALID_LSB];
    dec_d[conductor_regs_pkg::DECISION_SG_ID_LSB +: 8]   = sg_q4;
  end

  always_ff @(posedge ap_clk) begin
    if (en) dec_q <= dec_d;
  end
  assign m_dec_TDATA = dec_q;

  // ---------------------------------------------------------------- valid bits (reset)
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      valid_q     <= '0;
      out_valid_q <= 1'b0;
    end else if (en) begin
      valid_q     <= {valid_q[LatencyCycles-2:0], s_key_TVALID};
      out_valid_q <= valid_q[LatencyCycles-1];
    end
  end
endmodule

`default_nettype wire
