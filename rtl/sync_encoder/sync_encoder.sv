// HyperSync encoder (docs/sync_encoder.md, wire format docs/hypersync.md): SYNC_RECORD words in,
// complete Ethernet/IPv4/UDP(8116) sync frames out on a 512-bit AXI-Stream.
//
// Ports are those of the HLS top hls/sync_encoder/sync_encoder.cpp.
//
// Pipeline (two frame buffers, used strictly in turn):
//   fill   A record accepted at clock t is stamped with t and goes through three registered
//          stages (S1 classify, S2 frame decision, S3 pack; at most 6 LUT levels each, one record
//          per clock): S1 classifies it (drop: invalid op, no destination slot, or younger than
//          its delayed-notification threshold); S2 decides, from registered state and flags,
//          whether it joins the open frame; S3 shifts it into the open frame at byte
//          62 + records-bytes: a 64-byte accumulator collects it and every completed beat is
//          written to the frame buffer. The open frame closes when a record does not fit the MTU,
//          names another destination, or its stamp t has t - t0 >= FLUSH_CYCLES (t0: the stamp
//          of the frame's first record); on its own once t0 + FLUSH_CYCLES has passed and no
//          record is on its way; or the clock after a record left less room than the smallest
//          record (16 bytes). At close (S2) the sequence number is assigned and the 20-byte sync
//          header is fixed; a clock later (S3) the last beat is written and the MAC may start.
//          The records' ones'-complement sum is accumulated as they arrive (it is order-free).
//          Decisions use stamps, not the clock a record reaches S2, so the frames are those of
//          the handshake clocks (the model's timing contract) however long a record waits.
//          s_rec_TREADY is a register (S1 has a skid register): low while the skid holds a
//          record, that is when a record in S2 needs a new frame and the other buffer is busy.
//   MAC    SipHash-2-4 over header + records, one SipRound per clock (RoundsPerClock): 2 clocks per
//          8-byte word, 4 to finalise, read from the buffer through a two-beat window; then one clock adds the
//          tag and the header into the UDP checksum and forms the IPv4 header checksum.
//   send   the buffer's beats with the Ethernet/IPv4/UDP/sync header put over beat 0 and the tag
//          after the records, bytes past the frame zero, TKEEP on the last beat; a 3-entry output
//          FIFO gives one beat per clock.
// Records per clock: 1 while a frame fills; sustained, the MAC bounds it at one frame per
// 2 * (floor((20 + R) / 8) + 1) + 8 clocks for R record bytes (374 for 60 IPv4 deltas: 0.16
// records per clock). A lone record's first beat leaves FLUSH_CYCLES + 2 * (floor((20 + R) / 8) + 1)
// + 13 clocks after its handshake (docs/sync_encoder.md). With RoundsPerClock = 2 the MAC takes
// floor((20 + R) / 8) + 1 + 2 clocks instead of 2 * (floor((20 + R) / 8) + 1) + 4.
`default_nettype none

module sync_encoder #(
  // Largest effective MTU in bytes (MTU is clamped to it); the default build's is SYNC_ENCODER_MAX_MTU.
  parameter int unsigned MaxMtu = 32'(conductor_regs_pkg::SYNC_ENCODER_MAX_MTU),
  parameter int unsigned RoundsPerClock = 1    // SipRounds per clock: 1, or 2 (twice the MAC rate, a
                                               // path twice as deep)
) (
  input  wire logic         ap_clk,
  input  wire logic         ap_rst_n,
  // SYNC_RECORD stream
  input  wire logic [447:0] s_rec_TDATA,
  input  wire logic         s_rec_TVALID,
  output      logic         s_rec_TREADY,
  // frames
  output      logic [511:0] m_axis_TDATA,
  output      logic [63:0]  m_axis_TKEEP,
  output      logic         m_axis_TLAST,
  output      logic         m_axis_TVALID,
  input  wire logic         m_axis_TREADY,
  // AXI-Lite: block sync_encoder of rtl/csr/conductor.regs
  input  wire logic [11:0]  s_axi_control_AWADDR,
  input  wire logic         s_axi_control_AWVALID,
  output      logic         s_axi_control_AWREADY,
  input  wire logic [31:0]  s_axi_control_WDATA,
  input  wire logic [3:0]   s_axi_control_WSTRB,
  input  wire logic         s_axi_control_WVALID,
  output      logic         s_axi_control_WREADY,
  output      logic [1:0]   s_axi_control_BRESP,
  output      logic         s_axi_control_BVALID,
  input  wire logic         s_axi_control_BREADY,
  input  wire logic [11:0]  s_axi_control_ARADDR,
  input  wire logic         s_axi_control_ARVALID,
  output      logic         s_axi_control_ARREADY,
  output      logic [31:0]  s_axi_control_RDATA,
  output      logic [1:0]   s_axi_control_RRESP,
  output      logic         s_axi_control_RVALID,
  input  wire logic         s_axi_control_RREADY
);
  // Limits and wire constants: const statements of rtl/csr/conductor.regs (conductor_regs_pkg).
  localparam int unsigned MinMtu = 32'(conductor_regs_pkg::SYNC_ENCODER_MIN_MTU);
  localparam int unsigned FrameBeats = (14 + MaxMtu + 63) / 64;
  localparam int unsigned BufBeats = FrameBeats + 2;  // the MAC's read-ahead may pass the end
  localparam int unsigned BeatAw = $clog2(BufBeats);
  localparam int unsigned Dests = 32'(conductor_regs_pkg::SYNC_ENCODER_DESTS);
  localparam int unsigned Classes = 32'(conductor_regs_pkg::SYNC_ENCODER_DELAY_CLASSES);
  localparam logic [63:0] SipC0 = 64'h736f6d6570736575;
  localparam logic [63:0] SipC1 = 64'h646f72616e646f6d;
  localparam logic [63:0] SipC2 = 64'h6c7967656e657261;
  localparam logic [63:0] SipC3 = 64'h7465646279746573;

  // Buffer states.
  localparam logic [1:0] BufFree = 2'd0;  // empty
  localparam logic [1:0] BufFill = 2'd1;  // the open frame
  localparam logic [1:0] BufMacq = 2'd2;  // closed: waiting for or under the MAC
  localparam logic [1:0] BufSend = 2'd3;  // MAC'd: waiting for or being sent

  // Parameter check at elaboration.
  if (MaxMtu < MinMtu || MaxMtu > 65535) begin : gen_bad_mtu
    $error("sync_encoder: MaxMtu must be in [128, 65535]");
  end
  if (RoundsPerClock != 1 && RoundsPerClock != 2) begin : gen_bad_rounds
    $error("sync_encoder: RoundsPerClock must be 1 or 2");
  end
  // The input decode below slices SYNC_RECORD and its FLOW_ENTRY key at these positions.
  if (conductor_regs_pkg::SYNC_RECORD_BITS != 448 || conductor_regs_pkg::SYNC_RECORD_VALUE_LSB != 305 ||
      conductor_regs_pkg::SYNC_RECORD_OP_LSB != 369 || conductor_regs_pkg::SYNC_RECORD_DEST_LSB != 376 ||
      conductor_regs_pkg::SYNC_RECORD_CREATED_LSB != 384 || conductor_regs_pkg::SYNC_RECORD_NOW_LSB != 416 ||
      conductor_regs_pkg::FLOW_ENTRY_A_PORT_LSB != 256 || conductor_regs_pkg::FLOW_ENTRY_PROTO_LSB != 288 ||
      conductor_regs_pkg::FLOW_ENTRY_IS_IPV6_LSB != 296 ||
      conductor_regs_pkg::FLOW_ENTRY_SG_ID_LSB != 297) begin : gen_bad_layout
    $error("SYNC_RECORD layout in conductor_regs_pkg is not the one this encoder was written for");
  end

  // ---------------------------------------------------------------------------------------------
  // Registers
  logic [31:0] ctrl, cluster, source, epoch, mtu, flush_cycles, key0, key1, key2, key3;
  logic [31:0] src_mac_lo, src_mac_hi, src_ip, udp_ports, ip_opts, delay_default;
  logic [31:0] dest_member [Dests];
  logic [31:0] dest_mac_lo [Dests];
  logic [31:0] dest_mac_hi [Dests];
  logic [31:0] dest_ip [Dests];
  logic [31:0] delay_port [Classes];
  logic [31:0] delay_ticks [Classes];
  logic [31:0] counter_clear;
  logic [31:0] frames_q, frame_bytes_q, records_q, record_bytes_q, young_q, young_bytes_q;
  logic [31:0] no_route_q, invalid_q, close_timer_q, close_full_q, close_dest_q;
  logic [31:0] seq_q [Dests];

  sync_encoder_csr u_csr (
    .clk_i                 (ap_clk),
    .rst_ni                (ap_rst_n),
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
    .geometry_i            ({4'd0, 4'(RoundsPerClock), 4'(Classes), 4'(Dests), 16'(MaxMtu)}),
    .ctrl_o                (ctrl),
    .cluster_o             (cluster),
    .source_o              (source),
    .epoch_o               (epoch),
    .mtu_o                 (mtu),
    .flush_cycles_o        (flush_cycles),
    .key0_o                (key0),
    .key1_o                (key1),
    .key2_o                (key2),
    .key3_o                (key3),
    .src_mac_lo_o          (src_mac_lo),
    .src_mac_hi_o          (src_mac_hi),
    .src_ip_o              (src_ip),
    .udp_ports_o           (udp_ports),
    .ip_opts_o             (ip_opts),
    .dest0_member_o        (dest_member[0]),
    .dest0_mac_lo_o        (dest_mac_lo[0]),
    .dest0_mac_hi_o        (dest_mac_hi[0]),
    .dest0_ip_o            (dest_ip[0]),
    .dest1_member_o        (dest_member[1]),
    .dest1_mac_lo_o        (dest_mac_lo[1]),
    .dest1_mac_hi_o        (dest_mac_hi[1]),
    .dest1_ip_o            (dest_ip[1]),
    .dest2_member_o        (dest_member[2]),
    .dest2_mac_lo_o        (dest_mac_lo[2]),
    .dest2_mac_hi_o        (dest_mac_hi[2]),
    .dest2_ip_o            (dest_ip[2]),
    .dest3_member_o        (dest_member[3]),
    .dest3_mac_lo_o        (dest_mac_lo[3]),
    .dest3_mac_hi_o        (dest_mac_hi[3]),
    .dest3_ip_o            (dest_ip[3]),
    .delay_default_o       (delay_default),
    .delay_port0_o         (delay_port[0]),
    .delay_port1_o         (delay_port[1]),
    .delay_port2_o         (delay_port[2]),
    .delay_port3_o         (delay_port[3]),
    .delay_ticks0_o        (delay_ticks[0]),
    .delay_ticks1_o        (delay_ticks[1]),
    .delay_ticks2_o        (delay_ticks[2]),
    .delay_ticks3_o        (delay_ticks[3]),
    .frames_i              (frames_q),
    .frame_bytes_i         (frame_bytes_q),
    .records_i             (records_q),
    .record_bytes_i        (record_bytes_q),
    .young_i               (young_q),
    .young_bytes_i         (young_bytes_q),
    .no_route_i            (no_route_q),
    .invalid_i             (invalid_q),
    .close_timer_i         (close_timer_q),
    .close_full_i          (close_full_q),
    .close_dest_i          (close_dest_q),
    .seq0_i                (seq_q[0]),
    .seq1_i                (seq_q[1]),
    .seq2_i                (seq_q[2]),
    .seq3_i                (seq_q[3]),
    .counter_clear_o       (counter_clear)
  );

  // Register bits outside their fields, the SYNC_RECORD pad bits, and the header bytes beat 0 takes
  // from the buffer instead (62, 63) are unused.
  logic unused_bits;
  assign unused_bits = ^{ctrl[31:2], cluster[31:16], source[31:7], mtu[31:16], src_mac_hi[31:16],
                         ip_opts[31:14], counter_clear[31:2], r1_q[375:371]};

  // Effective MTU, records-bytes limit, flush time; registered, in two steps (a register write
  // takes effect two clocks later: change MTU and FLUSH_CYCLES only while no frame is open).
  logic [15:0] mtu_eff_d, mtu_eff_q;
  // Records bytes per frame: max_rb = MTU - IPv4 20 - UDP 8 - header 20 - tag 8 = MTU - 56; a record
  // of L bytes fits while records-bytes <= max_rb - L.
  logic [15:0] rb_lim_d [4];  // max_rb - L for the record lengths L of class 0..3 (16, 24, 40, 48)
  logic [15:0] rb_lim_q [4];
  logic [31:0] flush_d, flush_q, flush_m1_d, flush_m1_q;
  always_comb begin
    mtu_eff_d = mtu[15:0];
    if (mtu[15:0] < 16'(MinMtu)) mtu_eff_d = 16'(MinMtu);
    else if (mtu[15:0] > 16'(MaxMtu)) mtu_eff_d = 16'(MaxMtu);
    rb_lim_d[0] = mtu_eff_q - 16'd72;
    rb_lim_d[1] = mtu_eff_q - 16'd80;
    rb_lim_d[2] = mtu_eff_q - 16'd96;
    rb_lim_d[3] = mtu_eff_q - 16'd104;
    flush_d = (flush_cycles == 32'd0) ? 32'd1 : flush_cycles;
    flush_m1_d = flush_d - 32'd1;
  end
  always_ff @(posedge ap_clk) begin
    mtu_eff_q <= mtu_eff_d;
    for (int c = 0; c < 4; c++) rb_lim_q[c] <= rb_lim_d[c];
    flush_q <= flush_d;
    flush_m1_q <= flush_m1_d;
  end

  // ---------------------------------------------------------------------------------------------
  // Record pipeline. A record is stamped with its handshake clock (now_q) and then flows through
  //   S1  the record register (and a skid register behind it, so that s_rec_TREADY is a flop):
  //       decode and classify (drop? slot, threshold, length, wire bytes)
  //   S2  the frame decision against the open frame: joins, opens the next frame (closing the
  //       open one), or waits for a free buffer; sequence number and sync header at a close
  //   S3  the record's bytes shifted to byte 62 + records-bytes into the 64-byte accumulator, a
  //       completed beat written to the frame buffer; at a close, the accumulator written and the
  //       buffer handed to the MAC
  // The decision in S2 compares the record's stamp, not the clock it reaches S2, with the frame's
  // first stamp t0 (stamp - t0 < FLUSH_CYCLES), so the frames are those of the timing contract in
  // hls/sync_encoder/sync_encoder.hpp for the handshake clocks, whatever the pipeline waits.
  logic [31:0]  now_q;                       // free-running clock count: the stamps
  logic         rdy_q;                       // s_rec_TREADY
  logic         p1v_q, psv_q;                // S1 and its skid register hold a record
  logic [447:0] r1_q, rs_q;
  logic [31:0]  st1_q, sts_q;                // their stamps

  // Decode and classify the record in S1 (SYNC_RECORD; key in FLOW_ENTRY layout)
  logic [127:0] in_a_addr, in_b_addr;
  logic [15:0]  in_a_port, in_b_port;
  logic [7:0]   in_proto, in_sg, in_dest;
  logic         in_v6;
  logic [63:0]  in_value;
  logic [1:0]   in_op;
  logic [31:0]  in_created, in_now, in_age;
  logic [1:0]   in_cls;       // length class: 0 IPv4 delete (16), 1 IPv4 (24), 2 IPv6 delete (40), 3 IPv6 (48)
  logic [6:0]   in_len;       // wire bytes, 0 for an invalid op
  logic [383:0] in_bytes;     // the record, byte i in bits 8i+7:8i, zero past in_len
  logic [1:0]   in_slot;
  logic         in_routed, in_young, in_invalid, in_drop;

  assign in_a_addr  = r1_q[127:0];
  assign in_b_addr  = r1_q[255:128];
  assign in_a_port  = r1_q[271:256];
  assign in_b_port  = r1_q[287:272];
  assign in_proto   = r1_q[295:288];
  assign in_v6      = r1_q[296];
  assign in_sg      = r1_q[304:297];
  assign in_value   = r1_q[368:305];
  assign in_op      = r1_q[370:369];
  assign in_dest    = r1_q[383:376];
  assign in_created = r1_q[415:384];
  assign in_now     = r1_q[447:416];

  always_comb begin
    in_invalid = (in_op == 2'd0);
    in_cls = {in_v6, in_op != 2'd3};
    if (in_invalid) in_len = 7'd0;
    else if (in_op == 2'd3) in_len = in_v6 ? 7'd40 : 7'd16;
    else in_len = in_v6 ? 7'd48 : 7'd24;

    in_bytes = '0;
    in_bytes[7:0] = {3'b000, in_v6, 2'b00, in_op};
    in_bytes[15:8] = {1'b0, in_len};
    if (in_v6) begin
      for (int i = 0; i < 16; i++) begin
        in_bytes[8*(2+i) +: 8]  = in_a_addr[8*(15-i) +: 8];
        in_bytes[8*(18+i) +: 8] = in_b_addr[8*(15-i) +: 8];
      end
      in_bytes[8*34 +: 8] = in_a_port[15:8];
      in_bytes[8*35 +: 8] = in_a_port[7:0];
      in_bytes[8*36 +: 8] = in_b_port[15:8];
      in_bytes[8*37 +: 8] = in_b_port[7:0];
      in_bytes[8*38 +: 8] = in_proto;
      in_bytes[8*39 +: 8] = in_sg;
      if (in_op != 2'd3)
        for (int i = 0; i < 8; i++) in_bytes[8*(40+i) +: 8] = in_value[8*(7-i) +: 8];
    end else begin
      for (int i = 0; i < 4; i++) begin
        in_bytes[8*(2+i) +: 8] = in_a_addr[8*(3-i) +: 8];
        in_bytes[8*(6+i) +: 8] = in_b_addr[8*(3-i) +: 8];
      end
      in_bytes[8*10 +: 8] = in_a_port[15:8];
      in_bytes[8*11 +: 8] = in_a_port[7:0];
      in_bytes[8*12 +: 8] = in_b_port[15:8];
      in_bytes[8*13 +: 8] = in_b_port[7:0];
      in_bytes[8*14 +: 8] = in_proto;
      in_bytes[8*15 +: 8] = in_sg;
      if (in_op != 2'd3)
        for (int i = 0; i < 8; i++) in_bytes[8*(16+i) +: 8] = in_value[8*(7-i) +: 8];
    end

    // Destination slot: the lowest valid slot naming the member byte.
    in_routed = 1'b0;
    in_slot = 2'd0;
    for (int i = Dests - 1; i >= 0; i--) begin
      if (dest_member[i][8] && dest_member[i][7:0] == in_dest) begin
        in_routed = 1'b1;
        in_slot = 2'(i);
      end
    end

    // Delayed notifications: the lowest matching port class, else the default (the age is
    // compared with every threshold at once, the class picks the result).
    in_age = in_now - in_created;
    in_young = in_age < delay_default;
    for (int i = Classes - 1; i >= 0; i--) begin
      if (delay_port[i][24] && (delay_port[i][23:16] == 8'd0 || delay_port[i][23:16] == in_proto) &&
          (delay_port[i][15:0] == in_a_port || delay_port[i][15:0] == in_b_port))
        in_young = in_age < delay_ticks[i];
    end
    in_drop = in_invalid || !in_routed || in_young;
  end

  // S2: the classified record
  logic         p2v_q;
  logic [31:0]  st2_q;
  logic [1:0]   cls2_q, slot2_q;
  logic [6:0]   len2_q;
  logic         drop2_q, invalid2_q, noroute2_q, young2_q;
  logic         exp2_q;                      // st2 - t0 >= FLUSH_CYCLES (t0 of the frame it meets)
  logic [383:0] bytes2_q;

  // ---------------------------------------------------------------------------------------------
  // Buffers and the open frame
  logic [1:0]   buf_state_d [2];
  logic [1:0]   buf_state_q [2];
  logic         fill_ptr_d, fill_ptr_q;      // buffer of the open frame, or of the next one
  logic         open_d, open_q;              // a frame is open (S2's view; the buffer is BufFill)
  logic [15:0]  rb_d, rb_q;                  // records bytes of the open frame
  logic [3:0]   fit_d, fit_q;                // fit_q[c]: a record of class c fits (rb_q <= rb_lim_q[c])
  logic [15:0]  cnt_d, cnt_q;                // records of the open frame
  logic [1:0]   slot_d, slot_q;              // its destination slot
  logic [31:0]  t0_d, t0_q;                  // the stamp of its first record
  logic         started_q;                   // it opened at the last clock (tq_q is stale)
  logic         tq_q;                        // at the last clock: now_q + 1 - t0_q >= FLUSH_CYCLES
  logic [31:0]  rsum_d, rsum_q;              // its records' 16-bit word sum (S3)
  logic [511:0] acc_d, acc_q;                // the beat being filled (S3)
  logic [BeatAw-1:0] acc_beat_d, acc_beat_q; // its index

  // Per-buffer frame metadata, written at close.
  logic [159:0] hdr_q [2];                   // sync header, byte i in bits 8i+7:8i
  logic [15:0]  mrb_q [2];                   // records bytes
  logic [31:0]  msum_q [2];                  // records' word sum
  logic [1:0]   mslot_q [2];                 // destination slot
  logic [63:0]  tag_q [2];                   // SipHash-2-4 tag (written by the MAC)
  logic [15:0]  udp_csum_q [2];
  logic [15:0]  ip_csum_q [2];

  // S2 decision.
  logic full, expired, timer_idle, fit2, needs_new, new_buf, new_free, s2_free, take, start_new;
  logic close_now, move1, ld1, rec_fire, exp_a, exp_b;
  logic [15:0] rb_after;
  always_comb begin
    full = open_q && !fit_q[0];  // not even the smallest record fits any more
    // The frame's time is up: for the record in S2 (its stamp), or with no record on the way (the
    // clock; tq_q is a clock old, and stale just after a frame opened).
    timer_idle = !p2v_q && !p1v_q && tq_q && !started_q;
    expired = open_q && ((p2v_q && exp2_q) || timer_idle);
    fit2 = fit_q[cls2_q];
    needs_new = !open_q || exp2_q || slot2_q != slot_q || !fit2;
    new_buf = open_q ? !fill_ptr_q : fill_ptr_q;
    new_free = (buf_state_q[new_buf] == BufFree);
    take = p2v_q && !drop2_q && (!needs_new || new_free);
    start_new = take && needs_new;
    // A record that needs the next frame closes the open one at once, a free buffer or not.
    close_now = open_q && (full || expired || (p2v_q && !drop2_q && needs_new));
    s2_free = !p2v_q || drop2_q || !needs_new || new_free;
    move1 = p1v_q && s2_free;
    ld1 = !p1v_q || move1;
    rec_fire = s_rec_TVALID && rdy_q;
    rb_after = rb_q + 16'(len2_q);
    exp_a = (st1_q - t0_q) >= flush_q;   // S1's record against the open frame
    exp_b = (st1_q - st2_q) >= flush_q;  // against the frame S2's record opens
  end
  assign s_rec_TREADY = rdy_q;

  // Header fixed at close (the sequence number is taken here).
  logic [31:0]  seq_next;
  logic [159:0] hdr_new;
  always_comb begin
    seq_next = seq_q[slot_q] + 32'd1;
    hdr_new = {rb_q[7:0], rb_q[15:8], cnt_q[7:0], cnt_q[15:8],
               seq_next[7:0], seq_next[15:8], seq_next[23:16], seq_next[31:24],
               epoch[7:0], epoch[15:8], epoch[23:16], epoch[31:24],
               dest_member[slot_q][7:0], {1'b0, source[6:0]}, cluster[7:0], cluster[15:8],
               {ctrl[1:0], 6'd0}, {conductor_regs_pkg::SYNC_VERSION_MAJOR, conductor_regs_pkg::SYNC_VERSION_MINOR},
               conductor_regs_pkg::SYNC_MAGIC[7:0], conductor_regs_pkg::SYNC_MAGIC[15:8]};
  end

  always_comb begin
    fill_ptr_d = close_now ? !fill_ptr_q : fill_ptr_q;
    open_d = start_new || (open_q && !close_now);
    rb_d = rb_q;
    cnt_d = cnt_q;
    slot_d = slot_q;
    t0_d = t0_q;
    for (int c = 0; c < 4; c++) fit_d[c] = (rb_q <= rb_lim_q[c]);
    if (take) begin
      if (start_new) begin
        rb_d = 16'(len2_q);
        cnt_d = 16'd1;
        slot_d = slot2_q;
        t0_d = st2_q;
        for (int c = 0; c < 4; c++) fit_d[c] = (16'(len2_q) <= rb_lim_q[c]);
      end else begin
        rb_d = rb_after;
        cnt_d = cnt_q + 16'd1;
        for (int c = 0; c < 4; c++) fit_d[c] = (rb_after <= rb_lim_q[c]);
      end
    end
  end

  // S3: the record taken at S2, shifted into place: byte 62 of beat 0 for a new frame, else after
  // the records; and the close S2 decided.
  logic         take3_q, start3_q, bd3_q, buf3_q, close3_q, cptr3_q;
  logic [5:0]   wp3_q;                       // byte position in the beat
  logic [383:0] bytes3_q;
  logic [19:0]  sa3_q, sb3_q;                // sums of its first and last 12 big-endian 16-bit words
  logic [5:0]   wp_cont;
  logic         bd_cont;
  logic [19:0]  sa2, sb2;
  always_comb begin
    wp_cont = rb_q[5:0] + 6'd62;
    bd_cont = (7'(wp_cont) + len2_q) >= 7'd64;
    sa2 = '0;
    sb2 = '0;
    for (int i = 0; i < 12; i++) begin
      sa2 = sa2 + 20'({bytes2_q[16*i +: 8], bytes2_q[16*i+8 +: 8]});
      sb2 = sb2 + 20'({bytes2_q[16*(12+i) +: 8], bytes2_q[16*(12+i)+8 +: 8]});
    end
  end

  logic [1023:0] shifted;
  logic [511:0]  merged;
  logic          rec_we [2];
  logic [BeatAw-1:0] rec_waddr;
  always_comb begin
    shifted = {640'd0, bytes3_q} << {wp3_q, 3'b000};
    merged = (start3_q ? 512'd0 : acc_q) | shifted[511:0];
    rec_waddr = start3_q ? '0 : acc_beat_q;
    rec_we[0] = take3_q && bd3_q && !buf3_q;
    rec_we[1] = take3_q && bd3_q && buf3_q;
    rsum_d = rsum_q;
    acc_d = acc_q;
    acc_beat_d = acc_beat_q;
    if (take3_q) begin
      rsum_d = (start3_q ? 32'd0 : rsum_q) + 32'(sa3_q) + 32'(sb3_q);
      if (bd3_q) begin
        acc_d = shifted[1023:512];
        acc_beat_d = rec_waddr + 1'b1;
      end else begin
        acc_d = merged;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // MAC engine
  typedef enum logic [2:0] {MacIdle, MacLoad0, MacLoad1, MacRun, MacFin, MacSum} mac_state_e;
  mac_state_e   mac_state_d, mac_state_q;
  logic         mac_ptr_d, mac_ptr_q;
  logic [63:0]  v0_d, v0_q, v1_d, v1_q, v2_d, v2_q, v3_d, v3_q;
  logic [511:0] win_lo_d, win_lo_q, win_hi_d, win_hi_q;
  logic [2:0]   mac_j_d, mac_j_q;              // word within the window: bytes 2+8j .. 9+8j
  logic         mac_phase_d, mac_phase_q;      // first or second round of the word
  logic [12:0]  mac_k_d, mac_k_q;              // word index
  logic [1:0]   mac_fin_d, mac_fin_q;          // finalisation round
  logic [BeatAw-1:0] mac_rd_d, mac_rd_q;       // next beat to read
  logic         mac_re;
  logic [511:0] rdata [2];
  logic [15:0]  mac_mlen_d;                    // message bytes: header 20 + records
  logic [7:0]   mac_mlen_q;                    // its low byte (the last word's)
  logic [12:0]  mac_nw_q, mac_nw_m1_q;         // full words, and one less
  logic [63:0]  mac_next, mac_m_d, mac_m_q;    // the message word of the next round (registered)
  logic [1023:0] mac_win;
  logic [63:0]  r_in0, r_in1, r_in2, r_in3, r_out0, r_out1, r_out2, r_out3;
  logic [63:0]  r1_out0, r1_out1, r1_out2, r1_out3;   // after the first round of the clock
  logic         word_done;                            // this clock finishes a message word
  // Registered decodes of the state for the round's inputs and outputs: v* hold the key's initial
  // values (Idle, Load0, Load1); the message word goes into v3 (Run, first round of a word), into
  // v0 (Run, after the word's last round); 0xFF into v2 (first finalisation round).
  logic         mac_init_d, mac_x3_d, mac_x0_d, mac_x2_d;
  logic         mac_init_q, mac_x3_q, mac_x0_q, mac_x2_q;
  logic         mac_done;                      // the clock the tag and checksums are written
  logic [63:0]  mac_tag;
  logic [15:0]  mac_udp_csum, mac_ip_csum;

  sync_sipround u_round (
    .v0_i (r_in0), .v1_i (r_in1), .v2_i (r_in2), .v3_i (r_in3),
    .v0_o (r1_out0), .v1_o (r1_out1), .v2_o (r1_out2), .v3_o (r1_out3)
  );
  if (RoundsPerClock == 2) begin : gen_two_rounds
    sync_sipround u_round2 (
      .v0_i (r1_out0), .v1_i (r1_out1), .v2_i (r1_out2), .v3_i (r1_out3),
      .v0_o (r_out0), .v1_o (r_out1), .v2_o (r_out2), .v3_o (r_out3)
    );
  end else begin : gen_one_round
    assign r_out0 = r1_out0;
    assign r_out1 = r1_out1;
    assign r_out2 = r1_out2;
    assign r_out3 = r1_out3;
  end

  always_comb begin
    // The word after the current one (the first: frame bytes 42..49 of beat 0, after MacLoad1):
    // bytes 2 + 8 (j + 1) .. of the window before it moves; the last word (k = nw) is padded and
    // carries the length byte. Registered, so a round starts from flops only.
    mac_mlen_d = 16'd20 + mrb_q[mac_ptr_q];
    mac_win = {win_hi_q, win_lo_q};
    mac_next = mac_win[16 + 64 * (32'(mac_j_q) + 32'd1) +: 64];
    if (mac_state_q == MacLoad1) mac_next = win_lo_q[8*42 +: 64];
    mac_m_d = mac_next;
    if (mac_state_q == MacRun && mac_k_q == mac_nw_m1_q) begin
      for (int i = 0; i < 8; i++)
        if (3'(i) >= mac_mlen_q[2:0]) mac_m_d[8*i +: 8] = 8'd0;
      mac_m_d[63:56] = mac_mlen_q[7:0];
    end
    r_in0 = v0_q;
    r_in1 = v1_q;
    r_in2 = v2_q;
    r_in3 = v3_q;
    word_done = (RoundsPerClock == 2) || mac_phase_q;
    if (mac_x3_q) r_in3 = v3_q ^ mac_m_q;
    if (mac_x2_q) r_in2 = v2_q ^ 64'hFF;
    // The state: the key's initial values until the rounds start, then the rounds' results.
    if (mac_init_q) begin
      v0_d = {key1, key0} ^ SipC0;
      v1_d = {key3, key2} ^ SipC1;
      v2_d = {key1, key0} ^ SipC2;
      v3_d = {key3, key2} ^ SipC3;
    end else begin
      v0_d = mac_x0_q ? r_out0 ^ mac_m_q : r_out0;
      v1_d = r_out1;
      v2_d = r_out2;
      v3_d = r_out3;
    end
    mac_tag = v0_q ^ v1_q ^ v2_q ^ v3_q;
  end

  always_comb begin
    mac_init_d = (mac_state_d == MacIdle || mac_state_d == MacLoad0 || mac_state_d == MacLoad1);
    mac_x3_d = (mac_state_d == MacRun) && (RoundsPerClock == 2 || !mac_phase_d);
    mac_x0_d = (mac_state_d == MacRun) && (RoundsPerClock == 2 || mac_phase_d);
    mac_x2_d = (mac_state_d == MacFin) && (mac_fin_d == 2'd0);
  end
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      mac_init_q <= 1'b1;
      mac_x3_q <= 1'b0;
      mac_x0_q <= 1'b0;
      mac_x2_q <= 1'b0;
    end else begin
      mac_init_q <= mac_init_d;
      mac_x3_q <= mac_x3_d;
      mac_x0_q <= mac_x0_d;
      mac_x2_q <= mac_x2_d;
    end
  end

  // Checksums of the frame under the MAC, in steps: partial sums of everything but the tag in
  // MacLoad0 and MacLoad1, the tag added in MacSum, folded the clock after (csum_v_q) into
  // udp_csum_q / ip_csum_q (the sender reads them two clocks later at the earliest).
  logic [31:0] ua_d, ub_d, uc_d, ud_d, ia_d;
  logic [31:0] ua_q, ub_q, uc_q, ud_q, ia_q, upre_q, ipre_q;
  logic [31:0] usum_d, usum_q, isum_q, ufold, ifold, upre_d, ipre_d;
  logic [12:0] mac_nw_d, mac_nw_m1_d;
  logic        mac_m_load;
  logic        csum_v_q, csum_ptr_q;
  logic [15:0] udp_len, ip_len;
  logic [31:0] dip;
  always_comb begin
    udp_len = mrb_q[mac_ptr_q] + 16'd36;
    ip_len = mrb_q[mac_ptr_q] + 16'd56;
    dip = dest_ip[mslot_q[mac_ptr_q]];
    ua_d = msum_q[mac_ptr_q] + 32'd17 + 32'(udp_len) + 32'(udp_len) + 32'(udp_ports[15:0]) + 32'(udp_ports[31:16]);
    ub_d = 32'(src_ip[31:16]) + 32'(src_ip[15:0]) + 32'(dip[31:16]) + 32'(dip[15:0]);
    uc_d = '0;
    ud_d = '0;
    for (int i = 0; i < 5; i++) begin
      uc_d = uc_d + 32'({hdr_q[mac_ptr_q][16*i +: 8], hdr_q[mac_ptr_q][16*i+8 +: 8]});
      ud_d = ud_d + 32'({hdr_q[mac_ptr_q][16*(5+i) +: 8], hdr_q[mac_ptr_q][16*(5+i)+8 +: 8]});
    end
    ia_d = 32'h4500 + 32'({ip_opts[13:8], 2'b00}) + 32'(ip_len) + 32'h4000 + 32'({ip_opts[7:0], 8'd17});
    upre_d = ua_q + ub_q + uc_q + ud_q;
    ipre_d = ia_q + ub_q;
    mac_nw_d = mac_mlen_d[15:3];
    mac_nw_m1_d = mac_nw_d - 13'd1;
    mac_m_load = (mac_state_q == MacLoad1) || (mac_state_q == MacRun && word_done);
    usum_d = upre_q;
    for (int i = 0; i < 4; i++)
      usum_d = usum_d + 32'({mac_tag[16*i +: 8], mac_tag[16*i+8 +: 8]});
    ufold = 32'(usum_q[31:16]) + 32'(usum_q[15:0]);
    ufold = 32'(ufold[31:16]) + 32'(ufold[15:0]);
    mac_udp_csum = ~ufold[15:0];
    if (mac_udp_csum == 16'd0) mac_udp_csum = 16'hFFFF;
    ifold = 32'(isum_q[31:16]) + 32'(isum_q[15:0]);
    ifold = 32'(ifold[31:16]) + 32'(ifold[15:0]);
    mac_ip_csum = ~ifold[15:0];
  end
  always_ff @(posedge ap_clk) begin
    if (mac_state_q == MacLoad0) begin
      ua_q <= ua_d;
      ub_q <= ub_d;
      uc_q <= uc_d;
      ud_q <= ud_d;
      ia_q <= ia_d;
      mac_mlen_q <= mac_mlen_d[7:0];
      mac_nw_q <= mac_nw_d;
      mac_nw_m1_q <= mac_nw_m1_d;
    end
    if (mac_state_q == MacLoad1) begin
      upre_q <= upre_d;
      ipre_q <= ipre_d;
    end
    if (mac_m_load) mac_m_q <= mac_m_d;
    if (mac_done) begin
      usum_q <= usum_d;
      isum_q <= ipre_q;
      csum_ptr_q <= mac_ptr_q;
    end
  end
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) csum_v_q <= 1'b0;
    else csum_v_q <= mac_done;
  end

  always_comb begin
    mac_state_d = mac_state_q;
    mac_ptr_d = mac_ptr_q;
    win_lo_d = win_lo_q;
    win_hi_d = win_hi_q;
    mac_j_d = mac_j_q;
    mac_phase_d = mac_phase_q;
    mac_k_d = mac_k_q;
    mac_fin_d = mac_fin_q;
    mac_rd_d = mac_rd_q;
    mac_re = 1'b0;
    mac_done = 1'b0;
    unique case (mac_state_q)
      MacIdle: begin
        if (buf_state_q[mac_ptr_q] == BufMacq) begin
          mac_re = 1'b1;  // beat 0
          mac_rd_d = BeatAw'(1);
          mac_state_d = MacLoad0;
        end
      end
      MacLoad0: begin
        win_lo_d = rdata[mac_ptr_q];  // beat 0, with the sync header over frame bytes 42..61
        win_lo_d[8*42 +: 160] = hdr_q[mac_ptr_q];
        mac_re = 1'b1;  // beat 1
        mac_rd_d = BeatAw'(2);
        mac_state_d = MacLoad1;
      end
      MacLoad1: begin
        win_hi_d = rdata[mac_ptr_q];
        mac_re = 1'b1;  // beat 2, held until the window moves
        mac_rd_d = BeatAw'(3);
        mac_j_d = 3'd5;  // message byte 0 is frame byte 42 = 2 + 8 * 5
        mac_k_d = '0;
        mac_phase_d = 1'b0;
        mac_state_d = MacRun;
      end
      MacRun: begin
        mac_phase_d = !mac_phase_q;
        if (word_done) begin
          mac_k_d = mac_k_q + 13'd1;
          mac_j_d = mac_j_q + 3'd1;
          if (mac_j_q == 3'd7) begin
            win_lo_d = win_hi_q;
            win_hi_d = rdata[mac_ptr_q];
            mac_re = 1'b1;
            mac_rd_d = mac_rd_q + 1'b1;
          end
          if (mac_k_q == mac_nw_q) begin
            mac_fin_d = 2'd0;
            mac_state_d = MacFin;
          end
        end
      end
      MacFin: begin
        mac_fin_d = mac_fin_q + 2'd1;
        if (mac_fin_q == 2'(4 / RoundsPerClock - 1)) mac_state_d = MacSum;
      end
      MacSum: begin
        mac_done = 1'b1;
        mac_ptr_d = !mac_ptr_q;
        mac_state_d = MacIdle;
      end
      default: mac_state_d = MacIdle;
    endcase
  end

  // ---------------------------------------------------------------------------------------------
  // Sender. What depends only on the frame (header bytes, beat count, where the tag goes, the last
  // beat's TKEEP) is latched when it starts; what depends on the beat (record bytes kept, the tag
  // bytes in it, first, last) is formed when the beat is read and registered with the read, so that
  // the returned beat only picks, byte by byte, between registers and the memory's data.
  logic         send_active_d, send_active_q;
  logic         send_ptr_d, send_ptr_q;
  logic [BeatAw-1:0] send_rd_d, send_rd_q;     // next beat to read
  logic         send_start, send_re, send_release;
  logic         rsp_valid_d, rsp_valid_q;        // a read is in flight; its data is in rdata now
  logic         rsp_buf_d, rsp_buf_q;
  logic         rsp_first_q, rsp_last_q;         // it is the frame's first / last beat
  logic [63:0]  rsp_rec_q;                       // its bytes that are record bytes (from the buffer)
  logic [511:0] rsp_tag_q;                       // the tag bytes it carries, zero elsewhere
  logic [1:0]   fifo_cnt_d, fifo_cnt_q;
  logic [511:0] fifo_data_q [3];
  logic [63:0]  fifo_keep_q [3];
  logic         fifo_last_q [3];
  logic [6:0]   fifo_bytes_q [3];
  logic         pop;

  // Per frame, from buffer send_ptr_q, latched at send_start.
  logic [15:0]  frame_len;                       // bytes of the frame
  logic [15:0]  tag_at;                          // frame byte of the tag
  logic [15:0]  ip_total, udp_total;
  logic [1:0]   sslot;
  logic [47:0]  smac, dmac;
  logic [31:0]  sdip;
  logic [495:0] lhdr;                            // frame bytes 0..61 without the two checksums
  logic [6:0]   last_bytes;
  logic [63:0]  last_keep;
  logic [BeatAw-1:0] f_last_d, f_tag_beat_d;
  logic [BeatAw-1:0] f_last_q, f_tag_beat_q;     // the last beat; the beat the tag starts in
  logic [5:0]   f_tag_off_q;                     // the tag's byte in that beat
  logic [63:0]  f_tag_q;
  logic [495:0] f_hdr_q;
  logic [63:0]  f_keep_q;                        // TKEEP of the last beat
  logic [6:0]   f_bytes_q;                       // its bytes
  always_comb begin
    sslot = mslot_q[send_ptr_q];
    smac = {src_mac_hi[15:0], src_mac_lo};
    dmac = {dest_mac_hi[sslot][15:0], dest_mac_lo[sslot]};
    sdip = dest_ip[sslot];
    frame_len = mrb_q[send_ptr_q] + 16'd70;
    tag_at = mrb_q[send_ptr_q] + 16'd62;
    ip_total = frame_len - 16'd14;
    udp_total = frame_len - 16'd34;
    // Ethernet, IPv4, UDP and sync header: frame bytes 0..61, byte i in bits 8i+7:8i.
    lhdr = '0;
    for (int i = 0; i < 6; i++) begin
      lhdr[8*i +: 8] = dmac[8*(5-i) +: 8];
      lhdr[8*(6+i) +: 8] = smac[8*(5-i) +: 8];
    end
    lhdr[8*12 +: 16] = {8'h00, 8'h08};
    lhdr[8*14 +: 8] = 8'h45;
    lhdr[8*15 +: 8] = {ip_opts[13:8], 2'b00};
    lhdr[8*16 +: 16] = {ip_total[7:0], ip_total[15:8]};
    lhdr[8*18 +: 16] = 16'd0;
    lhdr[8*20 +: 16] = {8'h00, 8'h40};
    lhdr[8*22 +: 8] = ip_opts[7:0];
    lhdr[8*23 +: 8] = 8'd17;
    for (int i = 0; i < 4; i++) begin
      lhdr[8*(26+i) +: 8] = src_ip[8*(3-i) +: 8];
      lhdr[8*(30+i) +: 8] = sdip[8*(3-i) +: 8];
    end
    lhdr[8*34 +: 16] = {udp_ports[7:0], udp_ports[15:8]};
    lhdr[8*36 +: 16] = {udp_ports[23:16], udp_ports[31:24]};
    lhdr[8*38 +: 16] = {udp_total[7:0], udp_total[15:8]};
    lhdr[8*42 +: 160] = hdr_q[send_ptr_q];
    last_bytes = 7'(frame_len[5:0] == 6'd0 ? 7'd64 : 7'(frame_len[5:0]));
    last_keep = last_bytes[6] ? '1 : (64'd1 << last_bytes[5:0]) - 64'd1;
    f_last_d = BeatAw'((frame_len - 16'd1) >> 6);
    f_tag_beat_d = BeatAw'(tag_at >> 6);
  end

  // Per beat, at its read (beat send_rd_q of the frame).
  logic [1023:0] tag_wide;
  logic [63:0]   rec_bytes;
  logic [511:0]  tag_bytes;
  logic          rsp_first_d, rsp_last_d;
  always_comb begin
    rsp_first_d = (send_rd_q == '0);
    rsp_last_d = (send_rd_q == f_last_q);
    tag_wide = {960'd0, f_tag_q} << {f_tag_off_q, 3'b000};
    if (send_rd_q < f_tag_beat_q) rec_bytes = '1;
    else if (send_rd_q == f_tag_beat_q) rec_bytes = (64'd1 << f_tag_off_q) - 64'd1;
    else rec_bytes = '0;
    if (send_rd_q == f_tag_beat_q) tag_bytes = tag_wide[511:0];
    else if (send_rd_q == f_tag_beat_q + 1'b1) tag_bytes = tag_wide[1023:512];
    else tag_bytes = '0;
  end

  // The beat the read returns: headers over beat 0, record bytes, the tag, zero past the frame.
  logic [511:0]  out_data, rbeat;
  logic [63:0]   out_keep;
  logic          out_last;
  logic [6:0]    out_bytes;
  always_comb begin
    rbeat = rdata[rsp_buf_q];
    for (int i = 0; i < 64; i++)
      out_data[8*i +: 8] = rsp_rec_q[i] ? rbeat[8*i +: 8] : rsp_tag_q[8*i +: 8];
    if (rsp_first_q) begin
      out_data[8*62-1:0] = f_hdr_q;
      out_data[8*24 +: 16] = {ip_csum_q[rsp_buf_q][7:0], ip_csum_q[rsp_buf_q][15:8]};
      out_data[8*40 +: 16] = {udp_csum_q[rsp_buf_q][7:0], udp_csum_q[rsp_buf_q][15:8]};
    end
    out_last = rsp_last_q;
    out_bytes = rsp_last_q ? f_bytes_q : 7'd64;
    out_keep = rsp_last_q ? f_keep_q : '1;
  end

  assign pop = m_axis_TVALID && m_axis_TREADY;
  assign m_axis_TVALID = (fifo_cnt_q != 2'd0);
  assign m_axis_TDATA = fifo_data_q[0];
  assign m_axis_TKEEP = fifo_keep_q[0];
  assign m_axis_TLAST = fifo_last_q[0];

  always_comb begin
    send_active_d = send_active_q;
    send_ptr_d = send_ptr_q;
    send_rd_d = send_rd_q;
    send_start = 1'b0;
    send_re = 1'b0;
    send_release = 1'b0;
    rsp_valid_d = 1'b0;
    rsp_buf_d = rsp_buf_q;
    if (!send_active_q) begin
      if (buf_state_q[send_ptr_q] == BufSend) begin
        send_start = 1'b1;
        send_active_d = 1'b1;
        send_rd_d = '0;
      end
    end else if ({1'b0, fifo_cnt_q} + 3'(rsp_valid_q) < 3'd3) begin
      send_re = 1'b1;
      rsp_valid_d = 1'b1;
      rsp_buf_d = send_ptr_q;
      send_rd_d = send_rd_q + 1'b1;
      if (send_rd_q == f_last_q) begin
        send_release = 1'b1;  // every beat read: the buffer is free after this clock
        send_active_d = 1'b0;
        send_ptr_d = !send_ptr_q;
      end
    end
    fifo_cnt_d = fifo_cnt_q + 2'(rsp_valid_q) - 2'(pop);
  end

  always_ff @(posedge ap_clk) begin
    if (send_start) begin
      f_last_q <= f_last_d;
      f_tag_beat_q <= f_tag_beat_d;
      f_tag_off_q <= tag_at[5:0];
      f_tag_q <= tag_q[send_ptr_q];
      f_hdr_q <= lhdr;
      f_bytes_q <= last_bytes;
      f_keep_q <= last_keep;
    end
    if (send_re) begin
      rsp_first_q <= rsp_first_d;
      rsp_last_q <= rsp_last_d;
      rsp_rec_q <= rec_bytes;
      rsp_tag_q <= tag_bytes;
    end
  end

  // Buffer memories: the record packer writes, the MAC or the sender reads.
  logic              ram_we [2];
  logic [BeatAw-1:0] ram_waddr [2];
  logic [511:0]      ram_wdata [2];
  logic              ram_re [2];
  logic [BeatAw-1:0] ram_raddr [2];
  for (genvar b = 0; b < 2; b++) begin : gen_buf
    always_comb begin
      // A close writes the accumulator to the closing buffer; a record's completed beat goes to
      // the open (or new) buffer, which is never the closing one.
      if (close3_q && cptr3_q == 1'(b)) begin
        ram_we[b] = 1'b1;
        ram_waddr[b] = acc_beat_q;
        ram_wdata[b] = acc_q;
      end else begin
        ram_we[b] = rec_we[b];
        ram_waddr[b] = rec_waddr;
        ram_wdata[b] = merged;
      end
      if (mac_state_q != MacIdle && mac_ptr_q == 1'(b)) begin
        ram_re[b] = mac_re;
        ram_raddr[b] = mac_rd_q;
      end else if (mac_state_q == MacIdle && mac_ptr_q == 1'(b) && mac_re) begin
        ram_re[b] = 1'b1;
        ram_raddr[b] = '0;
      end else begin
        ram_re[b] = send_re && send_ptr_q == 1'(b);
        ram_raddr[b] = send_rd_q;
      end
    end
    sync_frame_ram #(.Beats(BufBeats), .AddrWidth(BeatAw)) u_ram (
      .clk_i   (ap_clk),
      .we_i    (ram_we[b]),
      .waddr_i (ram_waddr[b]),
      .wdata_i (ram_wdata[b]),
      .re_i    (ram_re[b]),
      .raddr_i (ram_raddr[b]),
      .rdata_o (rdata[b])
    );
  end

  always_comb begin
    for (int b = 0; b < 2; b++) begin
      buf_state_d[b] = buf_state_q[b];
      if (start_new && new_buf == 1'(b)) buf_state_d[b] = BufFill;
      if (close3_q && cptr3_q == 1'(b)) buf_state_d[b] = BufMacq;
      if (mac_done && mac_ptr_q == 1'(b)) buf_state_d[b] = BufSend;
      if (send_release && send_ptr_q == 1'(b)) buf_state_d[b] = BufFree;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // State
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      buf_state_q[0] <= BufFree;
      buf_state_q[1] <= BufFree;
      fill_ptr_q <= 1'b0;
      rb_q <= '0;
      cnt_q <= '0;
      slot_q <= '0;
      rsum_q <= '0;
      acc_q <= '0;
      acc_beat_q <= '0;
      mac_state_q <= MacIdle;
      mac_ptr_q <= 1'b0;
      mac_j_q <= '0;
      mac_phase_q <= 1'b0;
      mac_k_q <= '0;
      mac_fin_q <= '0;
      mac_rd_q <= '0;
      send_active_q <= 1'b0;
      send_ptr_q <= 1'b0;
      send_rd_q <= '0;
      rsp_valid_q <= 1'b0;
      rsp_buf_q <= 1'b0;
      fifo_cnt_q <= '0;
    end else begin
      buf_state_q[0] <= buf_state_d[0];
      buf_state_q[1] <= buf_state_d[1];
      fill_ptr_q <= fill_ptr_d;
      rb_q <= rb_d;
      cnt_q <= cnt_d;
      slot_q <= slot_d;
      rsum_q <= rsum_d;
      acc_q <= acc_d;
      acc_beat_q <= acc_beat_d;
      mac_state_q <= mac_state_d;
      mac_ptr_q <= mac_ptr_d;
      mac_j_q <= mac_j_d;
      mac_phase_q <= mac_phase_d;
      mac_k_q <= mac_k_d;
      mac_fin_q <= mac_fin_d;
      mac_rd_q <= mac_rd_d;
      send_active_q <= send_active_d;
      send_ptr_q <= send_ptr_d;
      send_rd_q <= send_rd_d;
      rsp_valid_q <= rsp_valid_d;
      rsp_buf_q <= rsp_buf_d;
      fifo_cnt_q <= fifo_cnt_d;
    end
  end

  // Record pipeline registers. S1 loads from the skid register, else from the port; the skid
  // register takes the port's record while S1 waits, and s_rec_TREADY drops while it holds one.
  logic [31:0]  now_d, st1_d;
  logic         p1v_d, psv_d, rdy_d, p2v_d, tq_d, exp2_d, buf3_d, bd3_d;
  logic         in_noroute, in_counted_young;
  logic [447:0] r1_d;
  logic [5:0]   wp3_d;
  always_comb begin
    now_d = now_q + 32'd1;
    p1v_d = ld1 ? (psv_q || rec_fire) : 1'b1;
    psv_d = !ld1 && (psv_q || rec_fire);
    rdy_d = !psv_d;
    p2v_d = s2_free ? p1v_q : p2v_q;
    tq_d = (now_q - t0_q) >= flush_m1_q;
    r1_d = psv_q ? rs_q : s_rec_TDATA;
    st1_d = psv_q ? sts_q : now_q;
    in_noroute = !in_invalid && !in_routed;
    in_counted_young = !in_invalid && in_routed && in_young;
    exp2_d = start_new ? exp_b : exp_a;
    buf3_d = start_new ? new_buf : fill_ptr_q;
    wp3_d = start_new ? 6'd62 : wp_cont;
    bd3_d = start_new || bd_cont;
  end
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      now_q <= '0;
      rdy_q <= 1'b1;
      p1v_q <= 1'b0;
      psv_q <= 1'b0;
      p2v_q <= 1'b0;
      take3_q <= 1'b0;
      close3_q <= 1'b0;
      open_q <= 1'b0;
      started_q <= 1'b0;
      tq_q <= 1'b0;
      fit_q <= '0;
      t0_q <= '0;
    end else begin
      now_q <= now_d;
      p1v_q <= p1v_d;
      psv_q <= psv_d;
      rdy_q <= rdy_d;
      p2v_q <= p2v_d;
      take3_q <= take;
      close3_q <= close_now;
      open_q <= open_d;
      started_q <= start_new;
      tq_q <= tq_d;
      fit_q <= fit_d;
      t0_q <= t0_d;
    end
  end

  always_ff @(posedge ap_clk) begin
    if (ld1) begin
      r1_q <= r1_d;
      st1_q <= st1_d;
    end
    if (!ld1 && rec_fire) begin
      rs_q <= s_rec_TDATA;
      sts_q <= now_q;
    end
    if (move1) begin
      st2_q <= st1_q;
      cls2_q <= in_cls;
      len2_q <= in_len;
      slot2_q <= in_slot;
      drop2_q <= in_drop;
      invalid2_q <= in_invalid;
      noroute2_q <= in_noroute;
      young2_q <= in_counted_young;
      exp2_q <= exp2_d;
      bytes2_q <= in_bytes;
    end
    start3_q <= start_new;
    buf3_q <= buf3_d;
    cptr3_q <= fill_ptr_q;
    wp3_q <= wp3_d;
    bd3_q <= bd3_d;
    if (take) begin
      bytes3_q <= bytes2_q;
      sa3_q <= sa2;
      sb3_q <= sb2;
    end
  end

  // Datapath registers without reset (their valid bits above are reset).
  always_ff @(posedge ap_clk) begin
    v0_q <= v0_d;
    v1_q <= v1_d;
    v2_q <= v2_d;
    v3_q <= v3_d;
    win_lo_q <= win_lo_d;
    win_hi_q <= win_hi_d;
    if (close_now) begin
      hdr_q[fill_ptr_q] <= hdr_new;
      mrb_q[fill_ptr_q] <= rb_q;
      mslot_q[fill_ptr_q] <= slot_q;
    end
    if (close3_q) msum_q[cptr3_q] <= rsum_q;
    if (mac_done) begin
      tag_q[mac_ptr_q] <= mac_tag;
    end
    if (csum_v_q) begin
      udp_csum_q[csum_ptr_q] <= mac_udp_csum;
      ip_csum_q[csum_ptr_q] <= mac_ip_csum;
    end
    // Output FIFO: entry 0 is the head.
    if (pop) begin
      fifo_data_q[0] <= fifo_data_q[1];
      fifo_keep_q[0] <= fifo_keep_q[1];
      fifo_last_q[0] <= fifo_last_q[1];
      fifo_bytes_q[0] <= fifo_bytes_q[1];
      fifo_data_q[1] <= fifo_data_q[2];
      fifo_keep_q[1] <= fifo_keep_q[2];
      fifo_last_q[1] <= fifo_last_q[2];
      fifo_bytes_q[1] <= fifo_bytes_q[2];
    end
    if (rsp_valid_q) begin
      fifo_data_q[fifo_cnt_q - 2'(pop)] <= out_data;
      fifo_keep_q[fifo_cnt_q - 2'(pop)] <= out_keep;
      fifo_last_q[fifo_cnt_q - 2'(pop)] <= out_last;
      fifo_bytes_q[fifo_cnt_q - 2'(pop)] <= out_bytes;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Counters and sequence numbers
  logic clear_counters, clear_seq;
  assign clear_counters = counter_clear[0];
  assign clear_seq = counter_clear[1];
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      frames_q <= '0;
      frame_bytes_q <= '0;
      records_q <= '0;
      record_bytes_q <= '0;
      young_q <= '0;
      young_bytes_q <= '0;
      no_route_q <= '0;
      invalid_q <= '0;
      close_timer_q <= '0;
      close_full_q <= '0;
      close_dest_q <= '0;
      for (int i = 0; i < Dests; i++) seq_q[i] <= '0;
    end else begin
      if (clear_counters) begin
        frames_q <= '0;
        frame_bytes_q <= '0;
        records_q <= '0;
        record_bytes_q <= '0;
        young_q <= '0;
        young_bytes_q <= '0;
        no_route_q <= '0;
        invalid_q <= '0;
        close_timer_q <= '0;
        close_full_q <= '0;
        close_dest_q <= '0;
      end else begin
        if (pop) begin
          frames_q <= frames_q + 32'(m_axis_TLAST);
          frame_bytes_q <= frame_bytes_q + 32'(fifo_bytes_q[0]);
        end
        if (take) begin
          records_q <= records_q + 32'd1;
          record_bytes_q <= record_bytes_q + 32'(len2_q);
        end
        if (p2v_q && invalid2_q) invalid_q <= invalid_q + 32'd1;
        if (p2v_q && noroute2_q) no_route_q <= no_route_q + 32'd1;
        if (p2v_q && young2_q) begin
          young_q <= young_q + 32'd1;
          young_bytes_q <= young_bytes_q + 32'(len2_q);
        end
        if (close_now) begin
          if (full) close_full_q <= close_full_q + 32'd1;
          else if (expired) close_timer_q <= close_timer_q + 32'd1;
          else if (slot2_q != slot_q) close_dest_q <= close_dest_q + 32'd1;
          else close_full_q <= close_full_q + 32'd1;
        end
      end
      if (clear_seq) begin
        for (int i = 0; i < Dests; i++) seq_q[i] <= '0;
      end else if (close_now) begin
        seq_q[slot_q] <= seq_next;
      end
    end
  end
endmodule

`default_nettype wire
