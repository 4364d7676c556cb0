// HyperSync decoder (docs/sync_decoder.md, wire format docs/hypersync.md): sync frames in on a
// 512-bit AXI-Stream (Ethernet II + IPv4 + UDP 8116 + sync payload), FLOW_OP words out (NEW/UPDATE
// -> UPSERT, DELETE -> DELETE), every receive check of docs/hypersync.md §8 in its order.
//
// Ports are those of the HLS top hls/sync_decoder/sync_decoder.cpp.
//
// One frame at a time, in stages (the FSM below):
//   receive  s_axis_TREADY is high only here: one beat per clock into the frame buffer (beat 0 also
//            into a register: every header field is in frame bytes 0..61). A frame longer than the
//            buffer is counted, not stored.
//   length   two clocks: the last beat's TKEEP counted (bytes per lane, then their sum).
//   check    one clock of compares (encapsulation, lengths, magic, version, cluster, member bitmap,
//            destination, key slot) into flags, the key slot's key and the replay window's read;
//            one clock to pick the first failing check (NOT_SYNC first, then §8's order).
//   MAC      SipHash-2-4 over header + records with the slot's key, one SipRound per clock
//            (RoundsPerClock): 2 clocks per 8-byte word, 4 to finalise, read from the buffer through
//            a two-beat window (the sync_encoder's engine); the received tag is taken from the
//            window at the last word; one clock ORs the 64 XORed bits (no early exit). Meanwhile the
//            replay check and the window's next value are computed from the window read in 'check'.
//   verdict  bad-tag, then old-epoch, then replayed.
//   walk 0   the records, one per 3 clocks (extract, check, step) through a two-beat window (a beat
//            crossing costs 2 clocks more, a jump past the next beat 3): bad-record-length,
//            unknown-record-type, then record-count-mismatch.
//   commit   the frame is accepted: the replay window is written, FRAMES counted.
//   walk 1   the records again, one per 2 clocks: a FLOW_OP per flow record into a 4-entry FIFO
//            (m_op), control and skipped records counted. Then the next frame.
// A rejected frame leaves at its verdict and changes nothing but its counter. Figures (Verilator,
// exact; test_sync_decoder_cosim asserts them) are in docs/sync_decoder.md.
`default_nettype none

module sync_decoder #(
  // Largest IP MTU accepted in bytes (frames up to 14 + MaxMtu); the default build's is SYNC_DECODER_MAX_MTU.
  parameter int unsigned MaxMtu = 32'(conductor_regs_pkg::SYNC_DECODER_MAX_MTU),
  parameter int unsigned RoundsPerClock = 1    // SipRounds per clock: 1, or 2 (twice the MAC rate, a
                                               // path twice as deep)
) (
  input  wire logic         ap_clk,
  input  wire logic         ap_rst_n,
  // frames
  input  wire logic [511:0] s_axis_TDATA,
  input  wire logic [63:0]  s_axis_TKEEP,
  input  wire logic         s_axis_TLAST,
  input  wire logic         s_axis_TVALID,
  output      logic         s_axis_TREADY,
  // FLOW_OP stream
  output      logic [511:0] m_op_TDATA,
  output      logic         m_op_TVALID,
  input  wire logic         m_op_TREADY,
  // AXI-Lite: block sync_decoder of rtl/csr/conductor.regs
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
  localparam int unsigned FrameBytes = 14 + MaxMtu;
  localparam int unsigned FrameBeats = (FrameBytes + 63) / 64;
  localparam int unsigned BufBeats = FrameBeats + 2;  // the MAC's and the walk's read-ahead may pass the end
  localparam int unsigned BeatAw = $clog2(BufBeats);
  localparam int unsigned Rejects = 32'(conductor_regs_pkg::SYNC_DECODER_REJECTS);
  localparam logic [63:0] SipC0 = 64'h736f6d6570736575;
  localparam logic [63:0] SipC1 = 64'h646f72616e646f6d;
  localparam logic [63:0] SipC2 = 64'h6c7967656e657261;
  localparam logic [63:0] SipC3 = 64'h7465646279746573;
  localparam logic [15:0] SyncPort = 16'(conductor_regs_pkg::SYNC_UDP_PORT);
  localparam logic [15:0] SyncMagic = 16'(conductor_regs_pkg::SYNC_MAGIC);
  localparam logic [3:0]  SyncMajor = 4'(conductor_regs_pkg::SYNC_VERSION_MAJOR);
  localparam logic [7:0]  Broadcast = 8'(conductor_regs_pkg::SYNC_BROADCAST);

  // Reject codes: the order of the counters TRUNCATED .. RECORD_COUNT_MISMATCH (docs/hypersync.md §8),
  // then NOT_SYNC.
  localparam logic [3:0] RjTruncated = 4'd0;
  localparam logic [3:0] RjBadMagic = 4'd1;
  localparam logic [3:0] RjBadVersion = 4'd2;
  localparam logic [3:0] RjLengthMismatch = 4'd3;
  localparam logic [3:0] RjUnknownCluster = 4'd4;
  localparam logic [3:0] RjUnknownMember = 4'd5;
  localparam logic [3:0] RjWrongDestination = 4'd6;
  localparam logic [3:0] RjUnknownKey = 4'd7;
  localparam logic [3:0] RjBadTag = 4'd8;
  localparam logic [3:0] RjOldEpoch = 4'd9;
  localparam logic [3:0] RjReplayed = 4'd10;
  localparam logic [3:0] RjBadRecordLength = 4'd11;
  localparam logic [3:0] RjUnknownRecordType = 4'd12;
  localparam logic [3:0] RjRecordCountMismatch = 4'd13;
  localparam logic [3:0] RjNotSync = 4'd14;

  // Parameter and layout checks at elaboration.
  if (MaxMtu < 128 || MaxMtu > 65535) begin : gen_bad_mtu
    $error("sync_decoder: MaxMtu must be in [128, 65535]");
  end
  if (RoundsPerClock != 1 && RoundsPerClock != 2) begin : gen_bad_rounds
    $error("sync_decoder: RoundsPerClock must be 1 or 2");
  end
  if (Rejects != 14 || conductor_regs_pkg::FLOW_OP_BITS != 512 || conductor_regs_pkg::FLOW_OP_VALUE_LSB != 320 ||
      conductor_regs_pkg::FLOW_OP_TIME_LSB != 384 || conductor_regs_pkg::FLOW_OP_TAG_LSB != 416 ||
      conductor_regs_pkg::FLOW_OP_OPCODE_LSB != 432 || conductor_regs_pkg::FLOW_KEY_SRC_PORT_LSB != 256 ||
      conductor_regs_pkg::FLOW_KEY_PROTO_LSB != 288 || conductor_regs_pkg::FLOW_KEY_IS_IPV6_LSB != 296 ||
      conductor_regs_pkg::FLOW_KEY_L4_VALID_LSB != 298 || conductor_regs_pkg::FLOW_KEY_IP_VALID_LSB != 299 ||
      conductor_regs_pkg::FLOW_KEY_SG_ID_LSB != 304) begin : gen_bad_layout
    $error("FLOW_OP / FLOW_KEY layout in conductor_regs_pkg is not the one this decoder was written for");
  end

  // ---------------------------------------------------------------------------------------------
  // Registers
  logic [31:0] cluster, self_reg, counter_clear;
  logic [31:0] members [4];
  logic [31:0] key_ctrl [4];
  logic [31:0] key_w [16];    // slot * 4 + word
  logic [31:0] frames_q, records_q, skipped_q, control_q, ops_q, not_sync_q;
  logic [31:0] rej_cnt_q [Rejects];

  sync_decoder_csr u_csr (
    .clk_i                   (ap_clk),
    .rst_ni                  (ap_rst_n),
    .s_axi_control_AWADDR    (s_axi_control_AWADDR),
    .s_axi_control_AWVALID   (s_axi_control_AWVALID),
    .s_axi_control_AWREADY   (s_axi_control_AWREADY),
    .s_axi_control_WDATA     (s_axi_control_WDATA),
    .s_axi_control_WSTRB     (s_axi_control_WSTRB),
    .s_axi_control_WVALID    (s_axi_control_WVALID),
    .s_axi_control_WREADY    (s_axi_control_WREADY),
    .s_axi_control_BRESP     (s_axi_control_BRESP),
    .s_axi_control_BVALID    (s_axi_control_BVALID),
    .s_axi_control_BREADY    (s_axi_control_BREADY),
    .s_axi_control_ARADDR    (s_axi_control_ARADDR),
    .s_axi_control_ARVALID   (s_axi_control_ARVALID),
    .s_axi_control_ARREADY   (s_axi_control_ARREADY),
    .s_axi_control_RDATA     (s_axi_control_RDATA),
    .s_axi_control_RRESP     (s_axi_control_RRESP),
    .s_axi_control_RVALID    (s_axi_control_RVALID),
    .s_axi_control_RREADY    (s_axi_control_RREADY),
    .geometry_i              ({4'd0, 4'(RoundsPerClock), 8'd0, 16'(MaxMtu)}),
    .cluster_o               (cluster),
    .self_o                  (self_reg),
    .members0_o              (members[0]),
    .members1_o              (members[1]),
    .members2_o              (members[2]),
    .members3_o              (members[3]),
    .key0_ctrl_o             (key_ctrl[0]),
    .key0_0_o                (key_w[0]),
    .key0_1_o                (key_w[1]),
    .key0_2_o                (key_w[2]),
    .key0_3_o                (key_w[3]),
    .key1_ctrl_o             (key_ctrl[1]),
    .key1_0_o                (key_w[4]),
    .key1_1_o                (key_w[5]),
    .key1_2_o                (key_w[6]),
    .key1_3_o                (key_w[7]),
    .key2_ctrl_o             (key_ctrl[2]),
    .key2_0_o                (key_w[8]),
    .key2_1_o                (key_w[9]),
    .key2_2_o                (key_w[10]),
    .key2_3_o                (key_w[11]),
    .key3_ctrl_o             (key_ctrl[3]),
    .key3_0_o                (key_w[12]),
    .key3_1_o                (key_w[13]),
    .key3_2_o                (key_w[14]),
    .key3_3_o                (key_w[15]),
    .frames_i                (frames_q),
    .records_i               (records_q),
    .skipped_i               (skipped_q),
    .control_i               (control_q),
    .ops_i                   (ops_q),
    .not_sync_i              (not_sync_q),
    .truncated_i             (rej_cnt_q[0]),
    .bad_magic_i             (rej_cnt_q[1]),
    .bad_version_i           (rej_cnt_q[2]),
    .length_mismatch_i       (rej_cnt_q[3]),
    .unknown_cluster_i       (rej_cnt_q[4]),
    .unknown_member_i        (rej_cnt_q[5]),
    .wrong_destination_i     (rej_cnt_q[6]),
    .unknown_key_i           (rej_cnt_q[7]),
    .bad_tag_i               (rej_cnt_q[8]),
    .old_epoch_i             (rej_cnt_q[9]),
    .replayed_i              (rej_cnt_q[10]),
    .bad_record_length_i     (rej_cnt_q[11]),
    .unknown_record_type_i   (rej_cnt_q[12]),
    .record_count_mismatch_i (rej_cnt_q[13]),
    .counter_clear_o         (counter_clear)
  );

  // ---------------------------------------------------------------------------------------------
  // The frame's FSM
  typedef enum logic [3:0] {
    StRx, StLen0, StLen1, StCheck, StJudge, StMacLoad0, StMacLoad1, StMacRun, StMacFin, StMacSum,
    StVerdict, StWalk, StCommit
  } state_e;
  // Walk sub-states.
  typedef enum logic [2:0] {WkExtract, WkClass, WkStep, WkLoadLo, WkLoadHi, WkShift} walk_e;

  state_e       st_d, st_q;
  walk_e        wk_d, wk_q;
  logic         pass_d, pass_q;               // walk 0 (check) or 1 (apply)

  // Receive.
  logic         rx_fire;
  logic [15:0]  bidx_d, bidx_q;               // beats of the frame so far (saturates)
  logic [511:0] b0_q;                         // beat 0
  logic [63:0]  keep_q;                       // the last beat's TKEEP
  logic [15:0]  nfull_q;                      // beats before the last
  logic [3:0]   pc_q [8];                     // TKEEP bytes per 8 lanes
  logic [21:0]  len_q;                        // frame bytes
  logic         over_q;                       // more beats than the buffer holds

  assign s_axis_TREADY = (st_q == StRx);
  assign rx_fire = s_axis_TVALID && s_axis_TREADY;

  // Header fields of beat 0 (frame byte i in bits 8i+7:8i; multi-byte fields big-endian).
  function automatic logic [3:0] ones8(input logic [7:0] x);
    ones8 = 4'd0;
    for (int i = 0; i < 8; i++) ones8 = ones8 + 4'(x[i]);
  endfunction
  function automatic logic [7:0] hb(input logic [511:0] b, input int unsigned i);
    hb = b[8*i +: 8];
  endfunction
  logic [15:0] h_ethertype, h_ip_total, h_dport, h_udp_len, h_magic, h_cluster, h_count, h_rb;
  logic [7:0]  h_flags, h_src, h_dst;
  logic [31:0] h_epoch, h_seq;
  always_comb begin
    h_ethertype = {hb(b0_q, 12), hb(b0_q, 13)};
    h_ip_total  = {hb(b0_q, 16), hb(b0_q, 17)};
    h_dport     = {hb(b0_q, 36), hb(b0_q, 37)};
    h_udp_len   = {hb(b0_q, 38), hb(b0_q, 39)};
    h_magic     = {hb(b0_q, 42), hb(b0_q, 43)};
    h_flags     = hb(b0_q, 45);
    h_cluster   = {hb(b0_q, 46), hb(b0_q, 47)};
    h_src       = hb(b0_q, 48);
    h_dst       = hb(b0_q, 49);
    h_epoch     = {hb(b0_q, 50), hb(b0_q, 51), hb(b0_q, 52), hb(b0_q, 53)};
    h_seq       = {hb(b0_q, 54), hb(b0_q, 55), hb(b0_q, 56), hb(b0_q, 57)};
    h_count     = {hb(b0_q, 58), hb(b0_q, 59)};
    h_rb        = {hb(b0_q, 60), hb(b0_q, 61)};
  end

  // Check flags (StCheck -> registered), the first failing one (StJudge).
  logic         f_notsync_q, f_notsync_len_q, f_trunc_q, f_magic_q, f_version_q, f_length_q, f_cluster_q, f_member_q;
  logic         f_dest_q, f_key_q;
  logic [127:0] key_q;                        // the slot's key: {k1, k0}
  logic [7:0]   idx_q;                        // replay window: {broadcast, source[6:0]}
  logic         fs_q;                         // FULL_SYNC flag
  logic [31:0]  epoch_q, seq_q;
  logic [15:0]  rb_q, count_q;
  logic [7:0]   src_q;
  logic         bcast_q;
  logic [127:0] member_bits;
  logic [1:0]   kn;
  always_comb begin
    member_bits = {members[3], members[2], members[1], members[0]};
    kn = h_flags[7:6];
  end

  // ---------------------------------------------------------------------------------------------
  // Frame buffer
  logic              ram_we, ram_re;
  logic [BeatAw-1:0] ram_waddr, ram_raddr;
  logic [511:0]      rdata;
  assign ram_we = rx_fire && bidx_q < 16'(FrameBeats);
  assign ram_waddr = BeatAw'(bidx_q);
  sync_frame_ram #(.Beats(BufBeats), .AddrWidth(BeatAw)) u_buf (
    .clk_i   (ap_clk),
    .we_i    (ram_we),
    .waddr_i (ram_waddr),
    .wdata_i (s_axis_TDATA),
    .re_i    (ram_re),
    .raddr_i (ram_raddr),
    .rdata_o (rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // Replay windows: RAM {seen, highest, epoch} + a valid flop per window
  logic [255:0] rp_valid_q;
  logic [127:0] rp_rdata, rp_wdata;
  logic         rp_re, rp_we;
  sync_replay_ram #(.Entries(256)) u_replay (
    .clk_i   (ap_clk),
    .we_i    (rp_we),
    .waddr_i (idx_q),
    .wdata_i (rp_wdata),
    .re_i    (rp_re),
    .raddr_i ({h_dst == Broadcast, h_src[6:0]}),
    .rdata_o (rp_rdata)
  );
  assign rp_re = (st_q == StCheck);
  assign rp_we = (st_q == StCommit);

  // The replay check and the window's next value, in two registered steps from the read window
  // (ready long before the MAC ends).
  logic         w_valid_q;
  logic [31:0]  w_epoch, w_high, w_high_q;
  logic [63:0]  w_seen, w_seen_q;
  logic         ep_gt_q, ep_lt_q, seq_gt_q;
  logic [5:0]   back_q, ahead_q;               // highest - seq, seq - highest (mod 64)
  logic         back_big_q, ahead_big_q;       // either >= 64 (the window's size)
  logic [31:0]  back, ahead;
  logic         old_epoch_q, replayed_q;
  logic [63:0]  seen_new_q;
  logic [31:0]  high_new_q;
  assign w_epoch = rp_rdata[31:0];
  assign w_high = rp_rdata[63:32];
  assign w_seen = rp_rdata[127:64];
  assign back = w_high - seq_q;
  assign ahead = seq_q - w_high;
  always_ff @(posedge ap_clk) begin
    w_valid_q <= rp_valid_q[idx_q];
    w_seen_q <= w_seen;
    ep_gt_q <= epoch_q > w_epoch;
    ep_lt_q <= epoch_q < w_epoch;
    seq_gt_q <= seq_q > w_high;
    back_q <= back[5:0];
    ahead_q <= ahead[5:0];
    back_big_q <= back >= 32'(conductor_regs_pkg::SYNC_REPLAY_WINDOW);
    ahead_big_q <= ahead >= 32'(conductor_regs_pkg::SYNC_REPLAY_WINDOW);
    old_epoch_q <= w_valid_q && ep_lt_q;
    replayed_q <= w_valid_q && !ep_gt_q && !ep_lt_q && !seq_gt_q && (back_big_q || w_seen_q[back_q]);
    if (!w_valid_q || ep_gt_q) begin
      seen_new_q <= 64'd1;
      high_new_q <= seq_q;
    end else if (seq_gt_q) begin
      seen_new_q <= ahead_big_q ? 64'd1 : ((w_seen_q << ahead_q) | 64'd1);
      high_new_q <= seq_q;
    end else begin
      seen_new_q <= w_seen_q | (64'd1 << back_q);
      high_new_q <= w_high_q;
    end
  end
  always_ff @(posedge ap_clk) w_high_q <= w_high;
  assign rp_wdata = {seen_new_q, high_new_q, epoch_q};

  // ---------------------------------------------------------------------------------------------
  // MAC engine (the sync_encoder's): message = frame bytes 42 .. 61 + R
  logic [63:0]  v0_q, v1_q, v2_q, v3_q;
  logic [511:0] win_lo_d, win_lo_q, win_hi_d, win_hi_q;   // two-beat window (MAC and walk)
  logic [2:0]   mac_j_d, mac_j_q;              // word within the window: bytes 2+8j .. 9+8j
  logic         mac_phase_d, mac_phase_q;      // first or second round of the word
  logic [12:0]  mac_k_d, mac_k_q;              // word index
  logic [1:0]   mac_fin_d, mac_fin_q;          // finalisation round
  logic [BeatAw-1:0] mac_rd_d, mac_rd_q;       // next beat to read
  logic [15:0]  mac_mlen;                      // message bytes: header 20 + records (a register: rb_q + 20)
  logic [12:0]  mac_nw;                        // full words
  logic [63:0]  mac_word, mac_tag;
  logic [63:0]  m_d, m_q;                      // the message word being hashed (loaded as the previous ends)
  logic [12:0]  mac_nwm1_q;                    // mac_nw - 1
  // Controls of the rounds, registered so that no state decode stands in front of the SipRound:
  logic         v_init_d, v_init_q;            // load v0..v3 from the key (StJudge)
  logic         v_run_d, v_run_q;              // v0..v3 take the round's output (StMacRun, StMacFin)
  logic         mix_d, mix_q;                  // v3 ^= m at the round's input (a word's first round)
  logic         xorm_d, xorm_q;                // v0 ^= m at its output (a word's last round)
  logic         fin0_d, fin0_q;                // v2 ^= 0xFF (the first finalisation round)
  logic [1023:0] mac_win;
  logic [63:0]  tag_rx_d, tag_rx_q;            // the frame's tag
  logic         tag_bad_d, tag_bad_q;
  logic [63:0]  r_in0, r_in1, r_in2, r_in3, r_out0, r_out1, r_out2, r_out3;
  logic [63:0]  r1_out0, r1_out1, r1_out2, r1_out3;
  logic         word_done;
  logic         mac_last_d, mac_last_q;        // the word being hashed is the last (mac_k == mac_nw)
  logic [63:0]  mac_keep_q;                    // the last word's message bytes (mlen mod 8 of them)

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
    mac_nw = mac_mlen[15:3];
    mac_win = {win_hi_q, win_lo_q};
    // The next word: window bytes 2 + 8 (j + 1) (for j = 7 the next beat's bytes 2..9, which the
    // window shift makes win_lo's).
    mac_word = mac_win[16 + 64 * (32'(mac_j_q) + 32'd1) +: 64];
    r_in0 = v0_q;
    r_in1 = v1_q;
    r_in2 = v2_q ^ (fin0_q ? 64'hFF : 64'd0);
    r_in3 = v3_q ^ (mix_q ? m_q : 64'd0);
    word_done = (RoundsPerClock == 2) || mac_phase_q;
    mac_tag = v0_q ^ v1_q ^ v2_q ^ v3_q;
    // The tag follows the message: window byte 2 + 8j + (mlen mod 8) at the last word.
    tag_rx_d = tag_rx_q;
    if (st_q == StMacRun && mac_last_q) tag_rx_d = mac_win[16 + 8 * {mac_j_q, mac_mlen[2:0]} +: 64];
    // Constant time: every bit of the difference ORed, whatever the first differing byte.
    tag_bad_d = tag_bad_q;
    if (st_q == StMacSum) tag_bad_d = |(mac_tag ^ tag_rx_q);
  end

  // ---------------------------------------------------------------------------------------------
  // Record walk: the record at frame byte q through the window {win_hi, win_lo} of beats wl, wl + 1
  logic [16:0]  q_d, q_q;                      // frame byte of the record
  logic [15:0]  left_d, left_q;                // record bytes left from q
  logic [15:0]  n_d, n_q;                      // records so far
  logic [BeatAw-1:0] wl_d, wl_q;               // beat in win_lo
  logic         win_ok_d, win_ok_q;            // the window holds beats wl, wl + 1
  logic [383:0] rec_d, rec_q;                  // the record's first 48 bytes
  logic [BeatAw-1:0] q_beat;
  logic [7:0]   rt, rl;                        // type, length
  logic [7:0]   rbase;                         // its type's v1.0 size, 0 unknown
  logic         c_badlen_d, c_badlen_q;        // walk 0: too short, or past the end
  logic         c_badtype_d, c_badtype_q;      // walk 0: unknown and must-understand
  logic         c_short_d, c_short_q;          // walk 0: shorter than its type
  logic         r_flow, r_control;
  always_comb begin
    q_beat = BeatAw'(q_q[16:6]);
    rt = rec_q[7:0];
    rl = rec_q[15:8];
    r_flow = 1'b0;
    r_control = 1'b0;
    unique case (rt)
      8'h01, 8'h02: begin rbase = 8'd24; r_flow = 1'b1; end
      8'h03:        begin rbase = 8'd16; r_flow = 1'b1; end
      8'h11, 8'h12: begin rbase = 8'd48; r_flow = 1'b1; end
      8'h13:        begin rbase = 8'd40; r_flow = 1'b1; end
      8'h21, 8'h22: begin rbase = 8'd10; r_control = 1'b1; end
      8'h31, 8'h32: begin rbase = 8'd14; r_control = 1'b1; end
      8'h41:        begin rbase = 8'd6;  r_control = 1'b1; end
      default:      rbase = 8'd0;
    endcase
  end

  // Walk 0's checks of the record in rec_q (registered in WkClass, used in WkStep).
  always_comb begin
    c_badlen_d = left_q < 16'd2 || rl < 8'd2 || 16'(rl) > left_q;
    c_badtype_d = rbase == 8'd0 && rt[7];
    c_short_d = rbase != 8'd0 && rl < rbase;
  end

  // The op of the flow record in rec_q (FLOW_OP; KEY in FLOW_KEY: SRC = A, DST = B).
  logic [511:0] op_word;
  logic         op_push;
  logic         op_full, op_empty;
  logic [2:0]   op_count;
  logic        v6, del;
  logic [63:0] value;
  always_comb begin
    v6 = (rt[7:4] == 4'h1);
    del = (rt[3:0] == 4'h3);
    op_word = '0;
    if (v6) begin
      for (int i = 0; i < 16; i++) begin
        op_word[8*(15-i) +: 8] = rec_q[8*(2+i) +: 8];
        op_word[128 + 8*(15-i) +: 8] = rec_q[8*(18+i) +: 8];
      end
      op_word[256 +: 16] = {rec_q[8*34 +: 8], rec_q[8*35 +: 8]};
      op_word[272 +: 16] = {rec_q[8*36 +: 8], rec_q[8*37 +: 8]};
      op_word[288 +: 8] = rec_q[8*38 +: 8];
      op_word[304 +: 8] = rec_q[8*39 +: 8];
      for (int i = 0; i < 8; i++) value[8*(7-i) +: 8] = rec_q[8*(40+i) +: 8];
    end else begin
      for (int i = 0; i < 4; i++) begin
        op_word[8*(3-i) +: 8] = rec_q[8*(2+i) +: 8];
        op_word[128 + 8*(3-i) +: 8] = rec_q[8*(6+i) +: 8];
      end
      op_word[256 +: 16] = {rec_q[8*10 +: 8], rec_q[8*11 +: 8]};
      op_word[272 +: 16] = {rec_q[8*12 +: 8], rec_q[8*13 +: 8]};
      op_word[288 +: 8] = rec_q[8*14 +: 8];
      op_word[304 +: 8] = rec_q[8*15 +: 8];
      for (int i = 0; i < 8; i++) value[8*(7-i) +: 8] = rec_q[8*(16+i) +: 8];
    end
    if (del) value = '0;
    op_word[296] = v6;                                   // IS_IPV6
    op_word[298] = 1'b1;                                 // L4_VALID
    op_word[299] = 1'b1;                                 // IP_VALID
    op_word[320 +: 64] = value;                          // VALUE
    op_word[384 +: 32] = value[63:32];                   // TIME = LAST_SEEN
    op_word[416 +: 16] = {6'd0, bcast_q, fs_q, src_q};   // TAG
    op_word[432 +: 4] = del ? 4'(conductor_regs_pkg::FLOW_OP_OPCODE_DELETE)
                            : 4'(conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT);
  end

  sync_fifo #(.Width(512), .Depth(4), .RegHead(1'b1)) u_ops (
    .clk_i   (ap_clk),
    .rst_ni  (ap_rst_n),
    .we_i    (op_push),
    .wdata_i (op_word),
    .re_i    (m_op_TREADY),
    .rdata_o (m_op_TDATA),
    .empty_o (op_empty),
    .full_o  (op_full),
    .count_o (op_count)
  );
  assign m_op_TVALID = !op_empty;

  // ---------------------------------------------------------------------------------------------
  // Next state
  logic        rej_d, rej_q;                   // a reject to count (the clock after the decision)
  logic [3:0]  rej_code_d, rej_code_q;
  logic        acc_d, acc_q;                   // an accepted frame to count
  logic        cnt_flow, cnt_control, cnt_skip;
  logic [21:0] len_sum;
  always_comb begin
    len_sum = {nfull_q, 6'd0} + 22'(pc_q[0]) + 22'(pc_q[1]) + 22'(pc_q[2]) + 22'(pc_q[3]) +
              22'(pc_q[4]) + 22'(pc_q[5]) + 22'(pc_q[6]) + 22'(pc_q[7]);
  end

  always_comb begin
    st_d = st_q;
    wk_d = wk_q;
    pass_d = pass_q;
    bidx_d = bidx_q;
    rej_d = 1'b0;
    rej_code_d = rej_code_q;
    acc_d = 1'b0;
    ram_re = 1'b0;
    ram_raddr = mac_rd_q;
    m_d = m_q;
    win_lo_d = win_lo_q;
    win_hi_d = win_hi_q;
    mac_j_d = mac_j_q;
    mac_phase_d = mac_phase_q;
    mac_k_d = mac_k_q;
    mac_fin_d = mac_fin_q;
    mac_rd_d = mac_rd_q;
    mac_last_d = mac_last_q;
    q_d = q_q;
    left_d = left_q;
    n_d = n_q;
    wl_d = wl_q;
    win_ok_d = win_ok_q;
    rec_d = rec_q;
    op_push = 1'b0;
    cnt_flow = 1'b0;
    cnt_control = 1'b0;
    cnt_skip = 1'b0;
    unique case (st_q)
      StRx: begin
        if (rx_fire) begin
          bidx_d = (bidx_q == 16'hFFFF) ? bidx_q : bidx_q + 16'd1;
          if (s_axis_TLAST) begin
            bidx_d = '0;
            st_d = StLen0;
          end
        end
      end
      StLen0: st_d = StLen1;
      StLen1: st_d = StCheck;
      StCheck: st_d = StJudge;
      StJudge: begin
        // The first failing check; NOT_SYNC before §8's.
        rej_d = 1'b1;
        if (f_notsync_q || f_notsync_len_q) rej_code_d = RjNotSync;
        else if (f_trunc_q) rej_code_d = RjTruncated;
        else if (f_magic_q) rej_code_d = RjBadMagic;
        else if (f_version_q) rej_code_d = RjBadVersion;
        else if (f_length_q) rej_code_d = RjLengthMismatch;
        else if (f_cluster_q) rej_code_d = RjUnknownCluster;
        else if (f_member_q) rej_code_d = RjUnknownMember;
        else if (f_dest_q) rej_code_d = RjWrongDestination;
        else if (f_key_q) rej_code_d = RjUnknownKey;
        else rej_d = 1'b0;
        if (rej_d) begin
          st_d = StRx;
        end else begin
          ram_re = 1'b1;  // beat 0 (v0..v3 take the key this clock: v_init_q)
          ram_raddr = '0;
          mac_rd_d = BeatAw'(1);
          st_d = StMacLoad0;
        end
      end
      StMacLoad0: begin
        win_lo_d = rdata;
        ram_re = 1'b1;  // beat 1
        mac_rd_d = BeatAw'(2);
        st_d = StMacLoad1;
      end
      StMacLoad1: begin
        win_hi_d = rdata;
        ram_re = 1'b1;  // beat 2, held until the window moves
        mac_rd_d = BeatAw'(3);
        mac_j_d = 3'd5;  // message byte 0 is frame byte 42 = 2 + 8 * 5
        mac_k_d = '0;
        mac_last_d = 1'b0;  // a message is at least the 20-byte header: 2 full words and a last one
        m_d = win_lo_q[16 + 64 * 5 +: 64];  // word 0: frame bytes 42..49
        mac_phase_d = 1'b0;
        st_d = StMacRun;
      end
      StMacRun: begin
        mac_phase_d = !mac_phase_q;
        if (word_done) begin
          mac_k_d = mac_k_q + 13'd1;
          mac_last_d = (mac_k_q == mac_nwm1_q);
          // The next word; the last is padded: its message bytes, then the length in byte 7.
          m_d = mac_last_d ? ((mac_word & mac_keep_q) | {mac_mlen[7:0], 56'd0}) : mac_word;
          mac_j_d = mac_j_q + 3'd1;
          if (mac_j_q == 3'd7) begin
            win_lo_d = win_hi_q;
            win_hi_d = rdata;
            ram_re = 1'b1;
            mac_rd_d = mac_rd_q + 1'b1;
          end
          if (mac_last_q) begin
            mac_fin_d = 2'd0;
            st_d = StMacFin;
          end
        end
      end
      StMacFin: begin
        mac_fin_d = mac_fin_q + 2'd1;
        if (mac_fin_q == 2'(4 / RoundsPerClock - 1)) st_d = StMacSum;
      end
      StMacSum: st_d = StVerdict;
      StVerdict: begin
        rej_d = 1'b1;
        if (tag_bad_q) rej_code_d = RjBadTag;
        else if (old_epoch_q) rej_code_d = RjOldEpoch;
        else if (replayed_q) rej_code_d = RjReplayed;
        else rej_d = 1'b0;
        if (rej_d) begin
          st_d = StRx;
        end else begin
          st_d = StWalk;
          pass_d = 1'b0;
        end
        q_d = 17'd62;
        left_d = rb_q;
        n_d = '0;
        win_ok_d = 1'b0;
        wk_d = WkExtract;
      end
      StWalk: begin
        unique case (wk_q)
          WkExtract: begin
            if (left_q == '0) begin
              // Every record walked.
              if (!pass_q) begin
                if (n_q != count_q) begin
                  rej_d = 1'b1;
                  rej_code_d = RjRecordCountMismatch;
                  st_d = StRx;
                end else begin
                  st_d = StCommit;
                end
              end else begin
                st_d = StRx;
              end
            end else if (win_ok_q && wl_q == q_beat) begin
              rec_d = 384'(mac_win >> {q_q[5:0], 3'b000});
              wk_d = pass_q ? WkStep : WkClass;
            end else if (win_ok_q && wl_q + 1'b1 == q_beat) begin
              win_lo_d = win_hi_q;
              wl_d = q_beat;
              ram_re = 1'b1;
              ram_raddr = q_beat + 1'b1;
              wk_d = WkShift;
            end else begin
              ram_re = 1'b1;
              ram_raddr = q_beat;
              wk_d = WkLoadLo;
            end
          end
          WkShift: begin
            win_hi_d = rdata;
            wk_d = WkExtract;
          end
          WkLoadLo: begin
            win_lo_d = rdata;
            ram_re = 1'b1;
            ram_raddr = q_beat + 1'b1;
            wk_d = WkLoadHi;
          end
          WkLoadHi: begin
            win_hi_d = rdata;
            wl_d = q_beat;
            win_ok_d = 1'b1;
            wk_d = WkExtract;
          end
          WkClass: wk_d = WkStep;  // walk 0: the record's checks into c_*_q
          WkStep: begin
            if (!pass_q) begin
              // The codec's order: too short or past the end, unknown must-understand, short for its type.
              if (c_badlen_q) begin
                rej_d = 1'b1;
                rej_code_d = RjBadRecordLength;
              end else if (c_badtype_q) begin
                rej_d = 1'b1;
                rej_code_d = RjUnknownRecordType;
              end else if (c_short_q) begin
                rej_d = 1'b1;
                rej_code_d = RjBadRecordLength;
              end
            end
            if (rej_d) begin
              st_d = StRx;
            end else if (!(pass_q && r_flow && op_full)) begin
              if (pass_q) begin
                op_push = r_flow;
                cnt_flow = r_flow;
                cnt_control = r_control;
                cnt_skip = !r_flow && !r_control;
              end
              q_d = q_q + 17'(rl);
              left_d = left_q - 16'(rl);
              n_d = n_q + 16'd1;
              wk_d = WkExtract;
            end
          end
          default: wk_d = WkExtract;
        endcase
      end
      StCommit: begin
        acc_d = 1'b1;
        st_d = StWalk;
        pass_d = 1'b1;
        q_d = 17'd62;
        left_d = rb_q;
        n_d = '0;
        wk_d = WkExtract;
      end
      default: st_d = StRx;
    endcase
  end

  // The round controls for the next clock.
  always_comb begin
    v_init_d = (st_d == StJudge);
    v_run_d = (st_d == StMacRun) || (st_d == StMacFin);
    mix_d = (st_d == StMacRun) && (RoundsPerClock == 2 || !mac_phase_d);
    xorm_d = (st_d == StMacRun) && (RoundsPerClock == 2 || mac_phase_d);
    fin0_d = (st_d == StMacFin) && (mac_fin_d == 2'd0);
  end

  // ---------------------------------------------------------------------------------------------
  // State
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      st_q <= StRx;
      wk_q <= WkExtract;
      pass_q <= 1'b0;
      bidx_q <= '0;
      over_q <= 1'b0;
      rej_q <= 1'b0;
      rej_code_q <= '0;
      acc_q <= 1'b0;
      win_ok_q <= 1'b0;
      rp_valid_q <= '0;
    end else begin
      st_q <= st_d;
      wk_q <= wk_d;
      pass_q <= pass_d;
      bidx_q <= bidx_d;
      if (rx_fire) over_q <= (bidx_q == 16'd0) ? 1'b0 : (over_q || bidx_q >= 16'(FrameBeats));
      rej_q <= rej_d;
      rej_code_q <= rej_code_d;
      acc_q <= acc_d;
      win_ok_q <= win_ok_d;
      if (counter_clear[1]) rp_valid_q <= '0;
      else if (rp_we) rp_valid_q[idx_q] <= 1'b1;
    end
  end

  // Datapath registers without reset (their valid bits above are reset).
  always_ff @(posedge ap_clk) begin
    if (rx_fire && bidx_q == 16'd0) b0_q <= s_axis_TDATA;
    if (rx_fire && s_axis_TLAST) begin
      keep_q <= s_axis_TKEEP;
      nfull_q <= bidx_q;
    end
    for (int i = 0; i < 8; i++) pc_q[i] <= ones8(keep_q[8*i +: 8]);
    if (st_q == StLen1) len_q <= len_sum;
    // StCheck: every compare of the header, the slot's key, the fields the later stages use.
    // NOT_SYNC in two halves (the frame's length; the headers), ORed in StJudge.
    f_notsync_len_q <= len_q < 22'd42 || over_q || len_q > 22'(FrameBytes) || 22'(h_ip_total) + 22'd14 > len_q;
    f_notsync_q <= h_ethertype != 16'h0800 || hb(b0_q, 14) != 8'h45 || b0_q[8*20 +: 6] != 6'd0 ||
                   hb(b0_q, 21) != 8'd0 || hb(b0_q, 23) != 8'd17 || h_ip_total < 16'd28 || h_dport != SyncPort ||
                   h_udp_len != h_ip_total - 16'd20;
    f_trunc_q <= h_ip_total < 16'd56;
    f_magic_q <= h_magic != SyncMagic;
    f_version_q <= b0_q[8*44+4 +: 4] != SyncMajor;
    f_length_q <= 17'(h_rb) + 17'd56 != 17'(h_ip_total);
    f_cluster_q <= h_cluster != cluster[15:0];
    f_member_q <= h_src[7] || !member_bits[h_src[6:0]] || h_src[6:0] == self_reg[6:0];
    f_dest_q <= h_dst != Broadcast && h_dst != {1'b0, self_reg[6:0]};
    f_key_q <= !key_ctrl[kn][0];
    key_q <= {key_w[{kn, 2'd3}], key_w[{kn, 2'd2}], key_w[{kn, 2'd1}], key_w[{kn, 2'd0}]};
    idx_q <= {h_dst == Broadcast, h_src[6:0]};
    fs_q <= h_flags[1];
    epoch_q <= h_epoch;
    seq_q <= h_seq;
    rb_q <= h_rb;
    mac_mlen <= 16'd20 + rb_q;  // from StJudge on (rb_q is fixed in StCheck)
    for (int i = 0; i < 8; i++) mac_keep_q[8*i +: 8] <= (3'(i) < mac_mlen[2:0]) ? 8'hFF : 8'h00;
    mac_last_q <= mac_last_d;
    count_q <= h_count;
    src_q <= h_src;
    bcast_q <= h_dst == Broadcast;
    // MAC and walk.
    if (v_init_q) begin
      v0_q <= key_q[63:0] ^ SipC0;
      v1_q <= key_q[127:64] ^ SipC1;
      v2_q <= key_q[63:0] ^ SipC2;
      v3_q <= key_q[127:64] ^ SipC3;
    end else if (v_run_q) begin
      v0_q <= r_out0 ^ (xorm_q ? m_q : 64'd0);
      v1_q <= r_out1;
      v2_q <= r_out2;
      v3_q <= r_out3;
    end
    m_q <= m_d;
    mac_nwm1_q <= mac_nw - 13'd1;
    v_init_q <= v_init_d;
    v_run_q <= v_run_d;
    mix_q <= mix_d;
    xorm_q <= xorm_d;
    fin0_q <= fin0_d;
    win_lo_q <= win_lo_d;
    win_hi_q <= win_hi_d;
    mac_j_q <= mac_j_d;
    mac_phase_q <= mac_phase_d;
    mac_k_q <= mac_k_d;
    mac_fin_q <= mac_fin_d;
    mac_rd_q <= mac_rd_d;
    tag_rx_q <= tag_rx_d;
    tag_bad_q <= tag_bad_d;
    q_q <= q_d;
    left_q <= left_d;
    n_q <= n_d;
    wl_q <= wl_d;
    rec_q <= rec_d;
    c_badlen_q <= c_badlen_d;
    c_badtype_q <= c_badtype_d;
    c_short_q <= c_short_d;
  end

  // ---------------------------------------------------------------------------------------------
  // Counters
  logic clear_counters;
  assign clear_counters = counter_clear[0];
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      frames_q <= '0;
      records_q <= '0;
      skipped_q <= '0;
      control_q <= '0;
      ops_q <= '0;
      not_sync_q <= '0;
      for (int i = 0; i < Rejects; i++) rej_cnt_q[i] <= '0;
    end else if (clear_counters) begin
      frames_q <= '0;
      records_q <= '0;
      skipped_q <= '0;
      control_q <= '0;
      ops_q <= '0;
      not_sync_q <= '0;
      for (int i = 0; i < Rejects; i++) rej_cnt_q[i] <= '0;
    end else begin
      if (acc_q) frames_q <= frames_q + 32'd1;
      if (cnt_flow || cnt_control) records_q <= records_q + 32'd1;
      if (cnt_skip) skipped_q <= skipped_q + 32'd1;
      if (cnt_control) control_q <= control_q + 32'd1;
      if (cnt_flow) ops_q <= ops_q + 32'd1;
      if (rej_q && rej_code_q == RjNotSync) not_sync_q <= not_sync_q + 32'd1;
      for (int i = 0; i < Rejects; i++)
        if (rej_q && rej_code_q == 4'(i)) rej_cnt_q[i] <= rej_cnt_q[i] + 32'd1;
    end
  end

  // Register bits outside their fields, and FIFO state the decoder does not need.
  logic unused_bits;
  assign unused_bits = ^{cluster[31:16], self_reg[31:7], counter_clear[31:2], key_ctrl[0][31:1],
                         key_ctrl[1][31:1], key_ctrl[2][31:1], key_ctrl[3][31:1], op_count,
                         b0_q[8*44 +: 4], h_flags[5:2], h_flags[0]};
endmodule

`default_nettype wire
