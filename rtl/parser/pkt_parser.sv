// Packet parser: 512-bit AXI-Stream frames in, one FLOW_KEY (+ parse status) per frame out, in order.
// The contract is docs/architecture.md ("Parser", "Frames on the AXI-Stream"); the golden model is
// hls/parser/parser_model.cpp and tests/parser_cosim compares the two bit for bit.
//
// The key of a frame depends on its header window only: the first two beats (128 bytes), or fewer
// when TLAST comes first. It is computed as soon as the window is complete, so it usually leaves
// before the frame ends; later beats are accepted and ignored.
//
// Pipeline (free running; one window may enter every clock):
//   input    beat 0 is held; the beat that completes the window (beat 1, or beat 0 with TLAST) issues
//            {beat 1, beat 0}, the bytes present (0..128; 128 also for longer frames) and SG_ID
//   S1       window register
//   S2       Ethernet: up to two VLAN tags (0x8100/0x88A8), EtherType; the window shifted to L3
//   W[0]     IPv4 complete (header checks, fragments, ports); IPv6 fixed header (addresses, NH)
//   W[1..4]  one IPv6 extension header per stage (Hop-by-Hop, Routing, Fragment, Destination Opts)
//   final    fifth extension header / upper-layer ports; key composed -> key FIFO
// Where a header needs bytes that are missing, the status is truncated when the frame ended inside the
// window and ext-limit when the whole window is present (the parser never looks past byte 128).
//
// Latency: LatencyCycles = 8. A key is valid on m_key in the 8th cycle after the cycle in which the
// beat completing its window (beat 1, or the TLAST beat of a one-beat frame) was accepted on s_axis:
// beat handshake in cycle t, m_key_tvalid high in cycle t + 8 (and its handshake in t + 8 when
// m_key_tready is high). With m_key_tready held high the parser takes a beat every clock (II = 1).
//
// Back-pressure: the pipeline never stalls. A credit counter admits a beat only while the windows in
// flight plus the keys waiting in the key FIFO are fewer than KeyFifoDepth, so every key issued has a
// FIFO slot when it arrives; s_axis_tready depends on that counter only (no path from m_key_tready).
`default_nettype none

module pkt_parser #(
  // Key FIFO entries (power of two). II = 1 needs KeyFifoDepth >= LatencyCycles + 2, since a key
  // holds its credit from its issue until its m_key handshake.
  parameter int unsigned KeyFifoDepth = 16
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  // Frames: byte j of a beat is tdata[8j+7:8j]; tkeep read on the last beat only; tuser = SG_ID,
  // read on the first beat.
  input  wire logic [511:0]  s_axis_tdata,
  input  wire logic [63:0]   s_axis_tkeep,
  input  wire logic [7:0]    s_axis_tuser,
  input  wire logic          s_axis_tlast,
  input  wire logic          s_axis_tvalid,
  output      logic          s_axis_tready,
  // Keys: tdata = FLOW_KEY (rtl/csr/conductor.regs), tuser = parse status (0 ok, 1 non-ip,
  // 2 truncated, 3 bad-header, 4 ext-limit).
  output      logic [319:0]  m_key_tdata,
  output      logic [3:0]    m_key_tuser,
  output      logic          m_key_tvalid,
  input  wire logic          m_key_tready
);
  // ---------------------------------------------------------------- constants
  // Clocks from the accepted beat that completes a window to its key on m_key (see the header).
  localparam int unsigned LatencyCycles /*verilator public*/ = 8;
  localparam int unsigned NumExt = 4;        // IPv6 extension headers walked (one stage each)
  localparam int unsigned NumW = NumExt + 1; // walk record slices W[0..NumExt]
  localparam int unsigned HdrBytes = 112;    // bytes kept from L3 on: IPv4 needs <= 64, IPv6 <= 112
  localparam int unsigned AreaFirst = 40;    // IPv6 extension headers and ports start at L3 + 40 + 8k
  localparam int unsigned AreaBytes = HdrBytes - AreaFirst;  // 72: room for L3 + 40 .. L3 + 111
  localparam int unsigned AreaBits = 8 * AreaBytes;
  localparam int unsigned AreaWords = AreaBytes / 8;  // 8-byte words an extension header can start at
  localparam int unsigned CreditBits = $clog2(KeyFifoDepth) + 1;

  // FLOW_KEY layout (generated from rtl/csr/conductor.regs).
  localparam int unsigned KeyBits = conductor_regs_pkg::FLOW_KEY_BITS;
  localparam int unsigned SrcAddrLsb = conductor_regs_pkg::FLOW_KEY_SRC_ADDR_LSB;
  localparam int unsigned DstAddrLsb = conductor_regs_pkg::FLOW_KEY_DST_ADDR_LSB;
  localparam int unsigned SrcPortLsb = conductor_regs_pkg::FLOW_KEY_SRC_PORT_LSB;
  localparam int unsigned DstPortLsb = conductor_regs_pkg::FLOW_KEY_DST_PORT_LSB;
  localparam int unsigned ProtoLsb = conductor_regs_pkg::FLOW_KEY_PROTO_LSB;
  localparam int unsigned IsIpv6Lsb = conductor_regs_pkg::FLOW_KEY_IS_IPV6_LSB;
  localparam int unsigned IsFragLsb = conductor_regs_pkg::FLOW_KEY_IS_FRAG_LSB;
  localparam int unsigned L4ValidLsb = conductor_regs_pkg::FLOW_KEY_L4_VALID_LSB;
  localparam int unsigned IpValidLsb = conductor_regs_pkg::FLOW_KEY_IP_VALID_LSB;
  localparam int unsigned SgIdLsb = conductor_regs_pkg::FLOW_KEY_SG_ID_LSB;
  localparam int unsigned StoredBits = SgIdLsb + 8;  // key bits above SG_ID are reserved (zero)

  // Parse status: the STEER_META.STATUS values of conductor_regs_pkg, held in 3 bits here (the
  // largest is 4); the output widens it to the field.
  localparam logic [2:0] StatusOk = 3'(conductor_regs_pkg::STEER_META_STATUS_OK);
  localparam logic [2:0] StatusNonIp = 3'(conductor_regs_pkg::STEER_META_STATUS_NON_IP);
  localparam logic [2:0] StatusTruncated = 3'(conductor_regs_pkg::STEER_META_STATUS_TRUNCATED);
  localparam logic [2:0] StatusBadHeader = 3'(conductor_regs_pkg::STEER_META_STATUS_BAD_HEADER);
  localparam logic [2:0] StatusExtLimit = 3'(conductor_regs_pkg::STEER_META_STATUS_EXT_LIMIT);

  localparam logic [15:0] EtherTypeIpv4 = 16'h0800;
  localparam logic [15:0] EtherTypeIpv6 = 16'h86DD;
  localparam logic [15:0] TpidVlan = 16'h8100;
  localparam logic [15:0] TpidQinQ = 16'h88A8;
  localparam logic [7:0] ProtoTcp = 8'd6;
  localparam logic [7:0] ProtoUdp = 8'd17;
  localparam logic [7:0] ProtoSctp = 8'd132;
  localparam logic [7:0] NhHopByHop = 8'd0;
  localparam logic [7:0] NhRouting = 8'd43;
  localparam logic [7:0] NhFragment = 8'd44;
  localparam logic [7:0] NhDestOpts = 8'd60;

  if (KeyFifoDepth < LatencyCycles + 2 || (2 ** $clog2(KeyFifoDepth)) != KeyFifoDepth) begin : gen_bad_depth
    $error("KeyFifoDepth must be a power of two >= LatencyCycles + 2");
  end
  if (KeyBits != 320 || SgIdLsb + 8 > KeyBits || IpValidLsb >= SgIdLsb) begin : gen_bad_layout
    $error("FLOW_KEY layout in conductor_regs_pkg is not the one this parser was written for");
  end

  // ---------------------------------------------------------------- helpers
  function automatic logic is_tpid(input logic [15:0] t);
    is_tpid = t == TpidVlan || t == TpidQinQ;
  endfunction

  function automatic logic has_ports(input logic [7:0] p);
    has_ports = p == ProtoTcp || p == ProtoUdp || p == ProtoSctp;
  endfunction

  function automatic logic is_ext6(input logic [7:0] nh);
    is_ext6 = nh == NhHopByHop || nh == NhRouting || nh == NhFragment || nh == NhDestOpts;
  endfunction

  // Byte i / big-endian 16-bit word at i of the L3-aligned header bytes.
  function automatic logic [7:0] hdr_byte(input logic [8*HdrBytes-1:0] h, input int unsigned i);
    hdr_byte = h[8*i +: 8];
  endfunction
  function automatic logic [15:0] hdr_u16(input logic [8*HdrBytes-1:0] h, input int unsigned i);
    hdr_u16 = {h[8*i +: 8], h[8*(i+1) +: 8]};
  endfunction

  // The first 4 bytes (byte 0 in bits 7:0) of the 8-byte unit at L3 + 8 * off8 (off8 = 5..13),
  // from the extension area; zero elsewhere. That is all of an extension header or of the ports the
  // parser reads: Next Header, Hdr Ext Len, fragment offset and M; source and destination port.
  function automatic logic [31:0] area_word(input logic [AreaBits-1:0] a, input logic [4:0] off8);
    logic [31:0] r;
    r = '0;
    for (int k = 0; k < AreaWords; k++) begin
      if (off8 == 5'(AreaFirst / 8 + k)) r = a[64*k +: 32];
    end
    area_word = r;
  endfunction

  // The offset after an extension header at off8: off8 + its Hdr Ext Len + 1 in 8-byte units,
  // 31 (far) when that is beyond 31. Formed for each word the header can start at from that word
  // alone (area_nexts, registered with the area as it enters the walk: the area does not change
  // along it), then selected by off8 (AND-OR, next_off8), so neither the adder nor the saturation
  // is on the walk's offset path. An off8 outside the area (no word) reads a zero length: off8 + 1,
  // saturated.
  function automatic logic [AreaWords*5-1:0] area_nexts(input logic [AreaBits-1:0] a);
    logic [AreaWords*5-1:0] r;
    logic [8:0] n;
    for (int k = 0; k < AreaWords; k++) begin
      n = 9'(AreaFirst / 8 + k) + {1'b0, a[64*k + 8 +: 8]} + 9'd1;
      r[5*k +: 5] = n > 9'd31 ? 5'd31 : n[4:0];
    end
    area_nexts = r;
  endfunction

  function automatic logic [4:0] next_off8(input logic [AreaWords*5-1:0] nx, input logic [4:0] off8);
    logic [4:0] r;
    logic       in_area;
    r = '0;
    in_area = 1'b0;
    for (int k = 0; k < AreaWords; k++) begin
      r = r | ({5{off8 == 5'(AreaFirst / 8 + k)}} & nx[5*k +: 5]);
      in_area = in_area | (off8 == 5'(AreaFirst / 8 + k));
    end
    r = r | ({5{!in_area}} & (off8 == 5'd31 ? 5'd31 : off8 + 5'd1));
    next_off8 = r;
  endfunction

  // ---------------------------------------------------------------- input: frame tracking
  logic [1:0]   beat_q, beat_d;    // beat index in the frame: 0, 1, 2 = any later beat
  logic [511:0] beat0_q, beat0_d;  // first beat of the current frame
  logic [7:0]   sg0_q, sg0_d;      // its SG_ID
  logic [6:0]   keep_bytes;        // bytes in this beat if it is the last one
  logic         fire, issue;

  logic [CreditBits-1:0] credit_q, credit_d;  // windows issued whose key has not left on m_key
  logic                  key_pop;

  // Consecutive ones of TKEEP from bit 0 (a gap ends the frame), in two levels to keep the path
  // short: the trailing ones of each byte of TKEEP, then the first byte that is not all ones.
  logic [7:0]  keep_grp_full;  // TKEEP[8g+7:8g] all ones
  logic [23:0] keep_grp_ones;  // trailing ones of TKEEP[8g+7:8g] when not all ones, 3 bits each

  always_comb begin
    for (int g = 0; g < 8; g++) begin
      keep_grp_full[g] = &s_axis_tkeep[8*g +: 8];
      keep_grp_ones[3*g +: 3] = 3'd7;
      for (int i = 6; i >= 0; i--) begin
        if (!s_axis_tkeep[8*g+i]) keep_grp_ones[3*g +: 3] = 3'(i);
      end
    end
    keep_bytes = 7'd64;
    for (int g = 7; g >= 0; g--) begin
      if (!keep_grp_full[g]) keep_bytes = {1'b0, 3'(g), keep_grp_ones[3*g +: 3]};
    end
  end

  assign s_axis_tready = credit_q != CreditBits'(KeyFifoDepth);
  assign fire = s_axis_tvalid && s_axis_tready;
  assign issue = fire && ((beat_q == 2'd0 && s_axis_tlast) || beat_q == 2'd1);

  always_comb begin
    beat_d = beat_q;
    beat0_d = beat0_q;
    sg0_d = sg0_q;
    if (fire) begin
      if (s_axis_tlast) beat_d = 2'd0;
      else if (beat_q == 2'd0) beat_d = 2'd1;
      else beat_d = 2'd2;
      if (beat_q == 2'd0) begin
        beat0_d = s_axis_tdata;
        sg0_d = s_axis_tuser;
      end
    end
    credit_d = credit_q + CreditBits'(issue) - CreditBits'(key_pop);
  end

  // ---------------------------------------------------------------- S1: the window
  logic          s1_valid_q, s1_valid_d;
  logic [1023:0] s1_win_q, s1_win_d;    // byte i in bits 8i+7:8i; bytes past s1_avail are garbage
  logic [7:0]    s1_avail_q, s1_avail_d; // bytes of the window present: 0..128
  logic [7:0]    s1_sg_q, s1_sg_d;

  always_comb begin
    s1_valid_d = issue;
    // A one-beat frame leaves its (unread) second half as whatever tdata holds.
    s1_win_d = {s_axis_tdata, beat_q == 2'd0 ? s_axis_tdata : beat0_q};
    if (beat_q == 2'd0) s1_avail_d = {1'b0, keep_bytes};
    else if (s_axis_tlast) s1_avail_d = 8'd64 + {1'b0, keep_bytes};
    else s1_avail_d = 8'd128;
    s1_sg_d = beat_q == 2'd0 ? s_axis_tuser : sg0_q;
  end

  // ---------------------------------------------------------------- S2: Ethernet and VLAN tags
  logic                  s2_valid_q, s2_valid_d;
  logic                  s2_done_q, s2_done_d;      // status final (a default-action status)
  logic [2:0]            s2_status_q, s2_status_d;
  logic                  s2_ipv6_q, s2_ipv6_d;      // 1 IPv6, 0 IPv4 (when not done)
  logic [8*HdrBytes-1:0] s2_hdr_q, s2_hdr_d;        // window bytes L3 .. L3 + 111
  logic [6:0]            s2_lim_q, s2_lim_d;        // bytes present from L3 on (<= 114)
  logic                  s2_full_q, s2_full_d;      // all 128 window bytes present
  logic [7:0]            s2_sg_q, s2_sg_d;

  logic [15:0] eth_type0, eth_type1, eth_type2, eth_type;
  logic [1:0]  eth_l3_sel;  // L3 at 14, 18, 22
  logic [8*120-1:0] win_l2;  // window bytes 14.. (L3 is at 14, 18 or 22), zero-padded

  always_comb begin
    eth_type0 = {s1_win_q[8*12 +: 8], s1_win_q[8*13 +: 8]};
    eth_type1 = {s1_win_q[8*16 +: 8], s1_win_q[8*17 +: 8]};
    eth_type2 = {s1_win_q[8*20 +: 8], s1_win_q[8*21 +: 8]};
    s2_valid_d = s1_valid_q;
    s2_sg_d = s1_sg_q;
    s2_full_d = s1_avail_q == 8'd128;
    s2_done_d = 1'b1;
    s2_status_d = StatusTruncated;
    eth_type = eth_type0;
    eth_l3_sel = 2'd0;
    if (s1_avail_q < 8'd14) begin
      s2_status_d = StatusTruncated;
    end else if (!is_tpid(eth_type0)) begin
      eth_type = eth_type0;
      eth_l3_sel = 2'd0;
      s2_done_d = 1'b0;
    end else if (s1_avail_q < 8'd18) begin
      s2_status_d = StatusTruncated;
    end else if (!is_tpid(eth_type1)) begin
      eth_type = eth_type1;
      eth_l3_sel = 2'd1;
      s2_done_d = 1'b0;
    end else if (s1_avail_q < 8'd22) begin
      s2_status_d = StatusTruncated;
    end else if (!is_tpid(eth_type2)) begin
      eth_type = eth_type2;
      eth_l3_sel = 2'd2;
      s2_done_d = 1'b0;
    end else begin
      s2_status_d = StatusNonIp;  // a third tag
    end
    s2_ipv6_d = eth_type == EtherTypeIpv6;
    if (!s2_done_d && eth_type != EtherTypeIpv4 && eth_type != EtherTypeIpv6) begin
      s2_done_d = 1'b1;
      s2_status_d = StatusNonIp;
    end
    // Shift the window to L3; the padding covers L3 + 111 > 127 (never read: s2_lim guards it).
    win_l2 = {48'b0, s1_win_q[1023:8*14]};
    unique case (eth_l3_sel)
      2'd1:    s2_hdr_d = win_l2[8*4 +: 8*HdrBytes];
      2'd2:    s2_hdr_d = win_l2[8*8 +: 8*HdrBytes];
      default: s2_hdr_d = win_l2[0 +: 8*HdrBytes];
    endcase
    unique case (eth_l3_sel)
      2'd1:    s2_lim_d = 7'(s1_avail_q - 8'd18);
      2'd2:    s2_lim_d = 7'(s1_avail_q - 8'd22);
      default: s2_lim_d = 7'(s1_avail_q - 8'd14);
    endcase
  end

  // ---------------------------------------------------------------- W[0]: IPv4, IPv6 fixed header
  // The walk record: slice s of each w_* vector is stage W[s]. Fields that only travel along:
  // addresses, ports (IPv4), SG_ID, the extension area and the limits.
  logic [NumW-1:0]      w_valid_q, w_valid_d;
  logic [NumW-1:0]      w_done_q, w_done_d;     // status final; no more parsing
  logic [NumW*3-1:0]    w_status_q, w_status_d;
  logic [NumW-1:0]      w_ipv6_q, w_ipv6_d;
  logic [NumW-1:0]      w_frag_q, w_frag_d;
  logic [NumW-1:0]      w_l4_q, w_l4_d;
  logic [NumW*8-1:0]    w_proto_q, w_proto_d;
  logic [NumW*8-1:0]    w_nh_q, w_nh_d;         // IPv6: next header to parse
  logic [NumW*5-1:0]    w_off8_q, w_off8_d;     // IPv6: its offset from L3 in 8-byte units (31: far)
  logic [NumW*16-1:0]   w_sport_q, w_sport_d;
  logic [NumW*16-1:0]   w_dport_q, w_dport_d;
  logic [NumW*128-1:0]  w_src_q, w_src_d;
  logic [NumW*128-1:0]  w_dst_q, w_dst_d;
  logic [NumW*8-1:0]    w_sg_q, w_sg_d;
  logic [NumW*7-1:0]    w_lim_q, w_lim_d;
  logic [NumW-1:0]      w_full_q, w_full_d;
  logic [NumW*AreaBits-1:0] w_area_q, w_area_d;
  logic [NumW*AreaWords*5-1:0] w_nx_q, w_nx_d;  // area_nexts of the slice's area

  // IP stage results (become slice 0).
  logic         ip_done;
  logic [2:0]   ip_status;
  logic         ip_frag, ip_l4;
  logic [7:0]   ip_proto, ip_nh;
  logic [15:0]  ip_sport, ip_dport;
  logic [127:0] ip_src, ip_dst;
  logic [3:0]   v4_ihl;
  logic [6:0]   v4_hdr_len;   // 4 * IHL
  logic [31:0]  v4_ports;
  logic [13:0]  v4_frag_word;  // MF and the fragment offset

  always_comb begin
    v4_ihl = s2_hdr_q[3:0];
    v4_hdr_len = {1'b0, v4_ihl, 2'b00};
    v4_frag_word = {s2_hdr_q[8*6 +: 6], s2_hdr_q[8*7 +: 8]};
    v4_ports = '0;
    for (int i = 5; i < 16; i++) begin
      if (v4_ihl == 4'(i)) v4_ports = s2_hdr_q[8*4*i +: 32];
    end
    ip_done = 1'b1;
    ip_status = s2_status_q;
    ip_frag = 1'b0;
    ip_l4 = 1'b0;
    ip_proto = '0;
    ip_nh = hdr_byte(s2_hdr_q, 6);
    ip_sport = '0;
    ip_dport = '0;
    ip_src = '0;
    ip_dst = '0;
    for (int k = 0; k < 16; k++) begin
      ip_src[8*(15-k) +: 8] = hdr_byte(s2_hdr_q, 8 + k);
      ip_dst[8*(15-k) +: 8] = hdr_byte(s2_hdr_q, 24 + k);
    end
    if (s2_done_q) begin
      ip_done = 1'b1;  // non-ip or truncated Ethernet: keep the status
    end else if (!s2_ipv6_q) begin
      // IPv4
      ip_src = {96'b0, hdr_byte(s2_hdr_q, 12), hdr_byte(s2_hdr_q, 13), hdr_byte(s2_hdr_q, 14),
                hdr_byte(s2_hdr_q, 15)};
      ip_dst = {96'b0, hdr_byte(s2_hdr_q, 16), hdr_byte(s2_hdr_q, 17), hdr_byte(s2_hdr_q, 18),
                hdr_byte(s2_hdr_q, 19)};
      ip_proto = hdr_byte(s2_hdr_q, 9);
      ip_frag = v4_frag_word[13] || v4_frag_word[12:0] != 13'd0;
      if (s2_lim_q < 7'd20) begin
        ip_status = StatusTruncated;
      end else if (s2_hdr_q[7:4] != 4'd4 || v4_ihl < 4'd5 ||
                   hdr_u16(s2_hdr_q, 2) < {9'b0, v4_hdr_len}) begin
        ip_status = StatusBadHeader;
      end else if (s2_lim_q < v4_hdr_len) begin
        ip_status = StatusTruncated;
      end else if (!ip_frag && has_ports(ip_proto)) begin
        if (s2_lim_q < v4_hdr_len + 7'd4) begin
          ip_status = StatusTruncated;
        end else begin
          ip_status = StatusOk;
          ip_l4 = 1'b1;
          ip_sport = {v4_ports[7:0], v4_ports[15:8]};
          ip_dport = {v4_ports[23:16], v4_ports[31:24]};
        end
      end else begin
        ip_status = StatusOk;
      end
    end else begin
      // IPv6 fixed header; the extension walk and the ports follow.
      if (s2_lim_q < 7'd40) begin
        ip_status = StatusTruncated;
      end else if (s2_hdr_q[7:4] != 4'd6) begin
        ip_status = StatusBadHeader;
      end else begin
        ip_status = StatusOk;
        ip_done = 1'b0;
      end
    end
  end

  // ---------------------------------------------------------------- W[1..4]: extension headers
  logic [7:0]  ext_nh;
  logic [4:0]  ext_off8;
  logic [31:0] ext_word;
  logic [8:0]  ext_end;
  logic [4:0]  ext_next;
  logic [12:0] ext_frag_offset;

  always_comb begin
    // Slice 0 from the IP stage.
    w_valid_d[0] = s2_valid_q;
    w_done_d[0] = ip_done;
    w_status_d[2:0] = ip_status;
    w_ipv6_d[0] = s2_ipv6_q;
    w_frag_d[0] = ip_frag;
    w_l4_d[0] = ip_l4;
    w_proto_d[7:0] = ip_proto;
    w_nh_d[7:0] = ip_nh;
    w_off8_d[4:0] = 5'(AreaFirst / 8);
    w_sport_d[15:0] = ip_sport;
    w_dport_d[15:0] = ip_dport;
    w_src_d[127:0] = ip_src;
    w_dst_d[127:0] = ip_dst;
    w_sg_d[7:0] = s2_sg_q;
    w_lim_d[6:0] = s2_lim_q;
    w_full_d[0] = s2_full_q;
    w_area_d[AreaBits-1:0] = s2_hdr_q[8*AreaFirst +: AreaBits];
    w_nx_d[AreaWords*5-1:0] = area_nexts(s2_hdr_q[8*AreaFirst +: AreaBits]);
    // Slices 1..NumExt: pass along, then walk one header.
    w_valid_d[NumW-1:1] = w_valid_q[NumW-2:0];
    w_done_d[NumW-1:1] = w_done_q[NumW-2:0];
    w_status_d[NumW*3-1:3] = w_status_q[(NumW-1)*3-1:0];
    w_ipv6_d[NumW-1:1] = w_ipv6_q[NumW-2:0];
    w_frag_d[NumW-1:1] = w_frag_q[NumW-2:0];
    w_l4_d[NumW-1:1] = w_l4_q[NumW-2:0];
    w_proto_d[NumW*8-1:8] = w_proto_q[(NumW-1)*8-1:0];
    w_nh_d[NumW*8-1:8] = w_nh_q[(NumW-1)*8-1:0];
    w_off8_d[NumW*5-1:5] = w_off8_q[(NumW-1)*5-1:0];
    w_sport_d[NumW*16-1:16] = w_sport_q[(NumW-1)*16-1:0];
    w_dport_d[NumW*16-1:16] = w_dport_q[(NumW-1)*16-1:0];
    w_src_d[NumW*128-1:128] = w_src_q[(NumW-1)*128-1:0];
    w_dst_d[NumW*128-1:128] = w_dst_q[(NumW-1)*128-1:0];
    w_sg_d[NumW*8-1:8] = w_sg_q[(NumW-1)*8-1:0];
    w_lim_d[NumW*7-1:7] = w_lim_q[(NumW-1)*7-1:0];
    w_full_d[NumW-1:1] = w_full_q[NumW-2:0];
    w_area_d[NumW*AreaBits-1:AreaBits] = w_area_q[(NumW-1)*AreaBits-1:0];
    w_nx_d[NumW*AreaWords*5-1:AreaWords*5] = w_nx_q[(NumW-1)*AreaWords*5-1:0];
    ext_nh = '0;
    ext_off8 = '0;
    ext_word = '0;
    ext_end = '0;
    ext_next = '0;
    ext_frag_offset = '0;
    for (int s = 0; s < NumExt; s++) begin
      ext_nh = w_nh_q[8*s +: 8];
      ext_off8 = w_off8_q[5*s +: 5];
      ext_word = area_word(w_area_q[AreaBits*s +: AreaBits], ext_off8);
      ext_end = {1'b0, ext_off8, 3'b000} + 9'd8;
      ext_next = next_off8(w_nx_q[AreaWords*5*s +: AreaWords*5], ext_off8);
      ext_frag_offset = {ext_word[23:16], ext_word[31:27]};
      // The next header's offset, past this one when it is an extension header. Set whatever the
      // checks below decide: once the walk is done (or the slice empty) no stage reads it, and
      // leaving the checks out of this path keeps it within 6 LUT levels (constraints/README.md).
      if (is_ext6(ext_nh)) begin
        if (ext_nh == NhFragment) w_off8_d[5*(s+1) +: 5] = ext_off8 + 5'd1;  // 8 bytes
        else w_off8_d[5*(s+1) +: 5] = ext_next;
      end
      if (w_valid_q[s] && !w_done_q[s] && is_ext6(ext_nh)) begin
        if (ext_end > {2'b0, w_lim_q[7*s +: 7]}) begin
          // The header's 8 bytes are not all there.
          w_done_d[s+1] = 1'b1;
          w_status_d[3*(s+1) +: 3] = w_full_q[s] ? StatusExtLimit : StatusTruncated;
          w_proto_d[8*(s+1) +: 8] = ext_nh;
        end else if (ext_nh == NhFragment && (ext_frag_offset != 13'd0 || ext_word[24])) begin
          // A real fragment ends the chain: PROTO = its Next Header, no ports.
          w_done_d[s+1] = 1'b1;
          w_status_d[3*(s+1) +: 3] = StatusOk;
          w_frag_d[s+1] = 1'b1;
          w_proto_d[8*(s+1) +: 8] = ext_word[7:0];
        end else begin
          w_nh_d[8*(s+1) +: 8] = ext_word[7:0];
        end
      end
    end
  end

  // ---------------------------------------------------------------- final: ports, key
  localparam int unsigned L = NumW - 1;  // last slice
  logic [7:0]            fin_nh;
  logic [4:0]            fin_off8;
  logic [31:0]           fin_word;
  logic [8:0]            fin_port_end;
  logic [2:0]            fin_status;
  logic [7:0]            fin_proto;
  logic                  fin_l4;
  logic [15:0]           fin_sport, fin_dport;
  logic                  fin_ip_valid;
  logic [StoredBits-1:0] fin_key;

  always_comb begin
    fin_nh = w_nh_q[8*L +: 8];
    fin_off8 = w_off8_q[5*L +: 5];
    fin_word = area_word(w_area_q[AreaBits*L +: AreaBits], fin_off8);
    fin_port_end = {1'b0, fin_off8, 3'b000} + 9'd4;
    fin_status = w_status_q[3*L +: 3];
    fin_proto = w_proto_q[8*L +: 8];
    fin_l4 = w_l4_q[L];
    fin_sport = w_sport_q[16*L +: 16];
    fin_dport = w_dport_q[16*L +: 16];
    if (!w_done_q[L]) begin
      // IPv6 after at most four extension headers.
      fin_proto = fin_nh;
      if (is_ext6(fin_nh)) begin
        fin_status = StatusExtLimit;  // a fifth extension header
      end else if (has_ports(fin_nh)) begin
        if (fin_port_end > {2'b0, w_lim_q[7*L +: 7]}) begin
          fin_status = w_full_q[L] ? StatusExtLimit : StatusTruncated;
        end else begin
          fin_status = StatusOk;
          fin_l4 = 1'b1;
          fin_sport = {fin_word[7:0], fin_word[15:8]};
          fin_dport = {fin_word[23:16], fin_word[31:24]};
        end
      end else begin
        fin_status = StatusOk;  // AH, ESP, No Next Header, ICMPv6, ...: no ports
      end
    end
    fin_ip_valid = fin_status == StatusOk || fin_status == StatusExtLimit;
    fin_key = '0;
    if (fin_ip_valid) begin
      fin_key[SrcAddrLsb +: 128] = w_src_q[128*L +: 128];
      fin_key[DstAddrLsb +: 128] = w_dst_q[128*L +: 128];
      fin_key[SrcPortLsb +: 16] = fin_sport;
      fin_key[DstPortLsb +: 16] = fin_dport;
      fin_key[ProtoLsb +: 8] = fin_proto;
      fin_key[IsIpv6Lsb] = w_ipv6_q[L];
      fin_key[IsFragLsb] = w_frag_q[L];
      fin_key[L4ValidLsb] = fin_l4;
      fin_key[IpValidLsb] = 1'b1;
    end
    fin_key[SgIdLsb +: 8] = w_sg_q[8*L +: 8];
  end

  // ---------------------------------------------------------------- key FIFO
  logic [StoredBits+3-1:0] fifo_rdata;
  logic                    fifo_empty;
  logic                    unused_bits;
  logic                    unused_fifo_full;
  logic [CreditBits-1:0]   unused_fifo_count;

  sync_fifo #(
    .Width (StoredBits + 3),
    .Depth (KeyFifoDepth)
  ) u_key_fifo (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (w_valid_q[L]),
    .wdata_i ({fin_status, fin_key}),
    .re_i    (key_pop),
    .rdata_o (fifo_rdata),
    .empty_o (fifo_empty),
    .full_o  (unused_fifo_full),  // the credits keep it from overflowing
    .count_o (unused_fifo_count)
  );

  assign m_key_tvalid = !fifo_empty;
  assign m_key_tdata = {(KeyBits - StoredBits)'(0), fifo_rdata[StoredBits-1:0]};
  assign m_key_tuser = {1'b0, fifo_rdata[StoredBits +: 3]};
  assign key_pop = m_key_tvalid && m_key_tready;

  // Never read: the MAC addresses; the reserved bits of the Fragment header; a word's length byte
  // as ext_word (area_nexts reads it).
  assign unused_bits = ^{s1_win_q[8*12-1:0], ext_word[26:25], ext_word[15:8], unused_fifo_full, unused_fifo_count};

  // ---------------------------------------------------------------- registers
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q <= 2'd0;
      credit_q <= '0;
      s1_valid_q <= 1'b0;
      s2_valid_q <= 1'b0;
      w_valid_q <= '0;
    end else begin
      beat_q <= beat_d;
      credit_q <= credit_d;
      s1_valid_q <= s1_valid_d;
      s2_valid_q <= s2_valid_d;
      w_valid_q <= w_valid_d;
    end
  end

  // Data path: no reset (the valid bits qualify it).
  always_ff @(posedge clk_i) begin
    beat0_q <= beat0_d;
    sg0_q <= sg0_d;
    s1_win_q <= s1_win_d;
    s1_avail_q <= s1_avail_d;
    s1_sg_q <= s1_sg_d;
    s2_done_q <= s2_done_d;
    s2_status_q <= s2_status_d;
    s2_ipv6_q <= s2_ipv6_d;
    s2_hdr_q <= s2_hdr_d;
    s2_lim_q <= s2_lim_d;
    s2_full_q <= s2_full_d;
    s2_sg_q <= s2_sg_d;
    w_done_q <= w_done_d;
    w_status_q <= w_status_d;
    w_ipv6_q <= w_ipv6_d;
    w_frag_q <= w_frag_d;
    w_l4_q <= w_l4_d;
    w_proto_q <= w_proto_d;
    w_nh_q <= w_nh_d;
    w_off8_q <= w_off8_d;
    w_sport_q <= w_sport_d;
    w_dport_q <= w_dport_d;
    w_src_q <= w_src_d;
    w_dst_q <= w_dst_d;
    w_sg_q <= w_sg_d;
    w_lim_q <= w_lim_d;
    w_full_q <= w_full_d;
    w_area_q <= w_area_d;
    w_nx_q <= w_nx_d;
  end
endmodule

`default_nettype wire
