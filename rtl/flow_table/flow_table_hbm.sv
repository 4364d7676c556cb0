// Flow table kernel with its buckets in HBM: the same table as rtl/flow_table/flow_table.sv
// (FlowTableCore semantics, the same op engine, stash and activity marks), with the two sub-tables
// behind AXI4 memory channels as HBM pseudo-channels present them, and one lookup per clock despite
// their latency. docs/flow_table.md, "Connections in HBM", is the contract; in short:
//
// Prefetch (free-running): FLOW_LOOKUP in on s_lookup; canonical key and bucket hashes as on chip
// (4 clocks); the issue stage sends one AXI read burst per bucket (3 beats of 512 bits: a bucket
// is 4 slots of 48 bytes) on the bucket's channel (sub-table 1 on channels 0..NPer-1, sub-table 2
// on NPer..2*NPer-1, the bucket's low ChLog2 bits choose), ARID = the lookup's reorder-buffer slot.
// Read data comes back in any order across channels and IDs; each beat goes into its slot.
//
// Release (in order, with the table's global enable): the oldest lookup whose two buckets are back
// leaves the reorder buffer when release_i is high (released_o). From there the lookup runs the
// on-chip pipeline: 5 clocks to its read clock R, where it takes each bucket from the bucket cache
// when the cache holds it, else from the data the HBM returned; the stash compare, slot compare
// and select (flow_match) follow, the result leaves 7 clocks after the release. So the release is
// the lookup's handshake of the on-chip table: an op handshaken on the engine in clock H is seen by
// every lookup released in clock H or later and by no lookup released earlier (enabled clocks),
// and the model replays exactly (tests/flow_table_hbm_cosim).
//
// Bucket cache (2^CacheLog2 lines, half per sub-table, fully associative within it): the engine
// works on cached buckets only. A line is allocated by the op gate (a fill read from HBM) or
// installed by a released lookup whose bucket was not cached (the data it read, kept InstallHold
// clocks for the op its frame may issue). The line data is in memories (flow_line_ram per
// sub-table: the engine's write or a fill on one write port, an install on the other; reads at R,
// by the engine, by one write-back per clock). Every engine write goes into its line and is
// written back to HBM (whole bucket). A line is freed only
// when it is clean, unpinned, its writes acknowledged (BRESP) and every lookup that entered the
// issue stage before its last BRESP has passed its read clock R: so a lookup that finds no line
// for its bucket at R holds data no older than the engine's last write to it, and a lookup whose
// HBM read was served before a write landed finds the line at R.
//
// Sweep prefetch: the bucket of the next AGE's sweep unit is kept cached and pinned.
// Op gate: an op waits in front of the engine until the buckets the engine will read are cached and
// pinned (a hinted op's BUCKET1/2; otherwise the key's hash; an AGE's sweep unit); they stay pinned
// until 8 enabled clocks after the engine's handshake, past its write (H + 4). The cuckoo walk is
// off in this build (a step would read four buckets one after another from HBM): an insert into two
// full buckets goes to the stash, else FULL; GEOMETRY.WALK_MAX reads 0.
//
// After reset: the engine clears the activity memories (2^BucketLog2Max clocks) and, with
// ClearOnReset, every bucket is written with zeros over all channels; s_lookup and s_op wait.
`default_nettype none

// An array of per-line (per-slot, per-counter) fields, only ever accessed one element at a time.
// Yosys 0.23 reads no packed 2-D array (`logic [N-1:0][W-1:0]`), and Verilator 5.006 takes no
// nonblocking assignment to an unpacked array inside a loop it does not unroll (BLKLOOPINIT: over
// --unroll-count, 64 iterations; the line state, reorder-buffer and counter loops run 128..1024):
// packed for Verilator, unpacked for Yosys and other tools. Every use indexes a single element, so
// the two declarations mean the same.
`ifdef VERILATOR
`define FT_HBM_ARRAY(W, N, NAME) logic [(N)-1:0][(W)-1:0] NAME
`else
`define FT_HBM_ARRAY(W, N, NAME) logic [(W)-1:0] NAME [N]
`endif

module flow_table_hbm
#(
  parameter int unsigned BucketLog2Max = 20,   // buckets per sub-table = 2^BucketLog2Max (<= 25)
  parameter int unsigned StashSize     = 16,
  parameter int unsigned RobLog2       = 8,    // lookups in flight: 2^RobLog2
  parameter int unsigned ChLog2        = 3,    // channels per sub-table: 2^ChLog2
  parameter int unsigned CacheLog2     = 8,    // bucket cache lines: 2^CacheLog2, half per sub-table
  parameter int unsigned AddrBits      = 33,   // byte address width of a channel
  parameter int unsigned InstallHold   = 24,   // clocks an installed line is kept
  parameter bit          ClearOnReset  = 1'b1, // write every bucket with zeros after reset
  localparam int unsigned NCh    = 2 << ChLog2,
  localparam int unsigned IdBits = 1 + ((RobLog2 > CacheLog2) ? RobLog2 : CacheLog2)
) (
  input  wire logic                              ap_clk,
  input  wire logic                              ap_rst_n,
  // Lookups (FLOW_LOOKUP): taken into the reorder buffer (their reads start).
  input  wire logic [conductor_regs_pkg::FLOW_LOOKUP_BITS-1:0] s_lookup_TDATA,
  input  wire logic                              s_lookup_TVALID,
  output      logic                              s_lookup_TREADY,
  // The oldest lookup may be released in this clock / was released (its visibility clock).
  input  wire logic                              release_i,
  output      logic                              released_o,
  // Results (FLOW_RESULT), in lookup order.
  output      logic [conductor_regs_pkg::FLOW_RESULT_BITS-1:0] m_result_TDATA,
  output      logic                              m_result_TVALID,
  input  wire logic                              m_result_TREADY,
  // Operations (FLOW_OP), taken into the op gate; op_applied_o: the engine took the oldest op
  // taken in this clock (its handshake on the engine: the op's visibility clock).
  input  wire logic [conductor_regs_pkg::FLOW_OP_BITS-1:0]     s_op_TDATA,
  input  wire logic                              s_op_TVALID,
  output      logic                              s_op_TREADY,
  output      logic                              op_applied_o,
  // Events (FLOW_EVENT), in op order.
  output      logic [conductor_regs_pkg::FLOW_EVENT_BITS-1:0]  m_event_TDATA,
  output      logic                              m_event_TVALID,
  input  wire logic                              m_event_TREADY,
  output      logic                              sync_gen_o,
  // Sticky: the engine touched a bucket that was not cached, or a response had no request. Never
  // set in a correct design; the co-simulation asserts it stays 0.
  output      logic                              cache_error_o,
  // A written line's guard was dropped by force (a pulse; see "forced free" below).
  output      logic                              force_free_o,
  // AXI4 masters, channel c in bits [c*W +: W]. Bursts: INCR, 64-byte beats (ARSIZE/AWSIZE 6),
  // ARLEN/AWLEN 2; WSTRB all ones; responses OKAY assumed (RRESP/BRESP not used).
  output      logic [NCh-1:0]                    m_axi_arvalid,
  input  wire logic [NCh-1:0]                    m_axi_arready,
  output      logic [NCh*AddrBits-1:0]           m_axi_araddr,
  output      logic [NCh*IdBits-1:0]             m_axi_arid,
  output      logic [NCh*8-1:0]                  m_axi_arlen,
  input  wire logic [NCh-1:0]                    m_axi_rvalid,
  output      logic [NCh-1:0]                    m_axi_rready,
  input  wire logic [NCh*512-1:0]                m_axi_rdata,
  input  wire logic [NCh*IdBits-1:0]             m_axi_rid,
  input  wire logic [NCh-1:0]                    m_axi_rlast,
  output      logic [NCh-1:0]                    m_axi_awvalid,
  input  wire logic [NCh-1:0]                    m_axi_awready,
  output      logic [NCh*AddrBits-1:0]           m_axi_awaddr,
  output      logic [NCh*IdBits-1:0]             m_axi_awid,
  output      logic [NCh*8-1:0]                  m_axi_awlen,
  output      logic [NCh-1:0]                    m_axi_wvalid,
  input  wire logic [NCh-1:0]                    m_axi_wready,
  output      logic [NCh*512-1:0]                m_axi_wdata,
  output      logic [NCh*64-1:0]                 m_axi_wstrb,
  output      logic [NCh-1:0]                    m_axi_wlast,
  input  wire logic [NCh-1:0]                    m_axi_bvalid,
  output      logic [NCh-1:0]                    m_axi_bready,
  input  wire logic [NCh*IdBits-1:0]             m_axi_bid,
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
  localparam int unsigned LatencyCycles = 7;  // release edge -> m_result_TVALID edge
  localparam int unsigned ReadStage     = 5;  // release -> read clock R
  localparam int unsigned BL       = BucketLog2Max;
  localparam int unsigned Slots    = 4;
  localparam int unsigned KeyBits  = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;  // 305
  localparam int unsigned SlotBits = 370;
  localparam int unsigned BktBits  = Slots * SlotBits;  // 1480: the engine's bucket word
  localparam int unsigned HbmSlot  = 384;                // a slot in HBM: 48 bytes
  localparam int unsigned HbmBits  = Slots * HbmSlot;    // 1536: three 64-byte beats
  localparam int unsigned NPer     = 1 << ChLog2;
  localparam int unsigned Rob      = 1 << RobLog2;
  localparam int unsigned Lines    = 1 << CacheLog2;
  localparam int unsigned RI       = RobLog2;
  localparam int unsigned LI       = CacheLog2;
  localparam int unsigned Half     = Lines / 2;          // lines per sub-table
  localparam int unsigned HI       = CacheLog2 - 1;
  localparam int unsigned PinDelay = 8;                  // enabled clocks from handshake to unpin
  localparam int unsigned CW       = $clog2(NCh);

  if (BucketLog2Max < ChLog2 + 1 || BucketLog2Max > 25) begin : gen_bad_log2
    $error("BucketLog2Max must be within ChLog2+1..25");
  end
  if (AddrBits < BucketLog2Max - ChLog2 + 8 || AddrBits > 40) begin : gen_bad_addr
    $error("AddrBits must hold 2^(BucketLog2Max-ChLog2) buckets of 192 bytes");
  end
  if (CacheLog2 < 3 || RobLog2 < 2) begin : gen_bad_sizes
    $error("CacheLog2 must be >= 3 and RobLog2 >= 2");
  end

  // HBM layout of a bucket: slot s in bits [s*384 +: 370], the rest zero.
  function automatic logic [BktBits-1:0] from_hbm(input logic [HbmBits-1:0] h);
    for (int s = 0; s < Slots; s++) from_hbm[s*SlotBits +: SlotBits] = h[s*HbmSlot +: SlotBits];
  endfunction
  function automatic logic [HbmBits-1:0] to_hbm(input logic [BktBits-1:0] b);
    to_hbm = '0;
    for (int s = 0; s < Slots; s++) to_hbm[s*HbmSlot +: SlotBits] = b[s*SlotBits +: SlotBits];
  endfunction
  // Channel and byte address of bucket b of sub-table t.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [$clog2(NCh)-1:0] chan_of(input logic t, input logic [BL-1:0] b);
    chan_of = {t, b[ChLog2-1:0]};
  endfunction
  function automatic logic [AddrBits-1:0] addr_of(input logic [BL-1:0] b);
    logic [AddrBits-1:0] row;
    row     = AddrBits'(b[BL-1:ChLog2]);
    addr_of = ((row << 1) + row) << 6;  // row * 192
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // ---------------------------------------------------------------- registers
  // The CSR block and the active size clamped to the build (flow_table_regs, as on chip). The walk
  // is off: WalkMax 0, so GEOMETRY.WALK_MAX reads 0.
  logic [31:0]   timeout_new, timeout_est, timeout_closing, sync_mature, seed1, seed2, occupancy;
  logic [31:0]   stash_used, now, age_cursor, first_full, lookups_q, hits_q, inserts, insert_full;
  logic [31:0]   insert_exists, updates, touches, deletes, not_found, expiries, age_steps;
  logic [31:0]   invalid_ops, moves, matured;
  logic [0:0]    counter_clear;
  logic [4:0]    log2_eff;
  logic [5:0]    walk_eff;  // 0
  logic [BL-1:0] mask;
  flow_table_regs #(.BucketLog2Max(BL), .StashSize(StashSize), .WalkMax(0), .Slots(Slots))
    u_regs (.*);

  logic unused_ctrl;
  assign unused_ctrl = ^{walk_eff, sync_mature[31:9], sync_mature[7:4], m_axi_rlast};

  // ---------------------------------------------------------------- global enable, init
  logic en, eng_init_done, clear_done, init_done;
  logic out_valid_q;
  assign en        = !out_valid_q || m_result_TREADY;
  assign init_done = eng_init_done && clear_done;

  // ---------------------------------------------------------------- cache state
  logic [Lines-1:0]        lv;      // allocated
  logic [Lines-1:0]        lt;      // sub-table: the line's top index bit (lines are split by sub-table)
  `FT_HBM_ARRAY(BL, Lines, lb);      // bucket
  logic [Lines-1:0]        lrdy;    // data present
  logic [Lines-1:0]        lar;     // fill read still to be sent
  logic [Lines-1:0]        ldirty;  // written since its last write-back was sent
  logic [Lines-1:0]        lwip;    // a write-back is being sent
  `FT_HBM_ARRAY(2, Lines, lwo);      // write-backs sent, BRESP not yet back
  logic [Lines-1:0]        lhf;     // written: held until no lookup that may have read it stale is in flight
  `FT_HBM_ARRAY(3, Lines, lpin);     // ops that need the line
  `FT_HBM_ARRAY(6, Lines, lttl);     // clocks an installed line is kept
  for (genvar l = 0; l < Lines; l++) begin : g_lt
    assign lt[l] = 1'(l >> HI);
  end

  // Which line holds bucket b of sub-table t (allocated lines are unique per bucket): one of the
  // sub-table's Half lines.
  function automatic logic [LI:0] find(input logic t, input logic [BL-1:0] b);
    find = '0;
    for (int i = 0; i < Half; i++) begin
      if (lv[{t, HI'(i)}] && lb[{t, HI'(i)}] == b) find = {1'b1, t, HI'(i)};
    end
  endfunction

  // ---------------------------------------------------------------- prefetch: t .. t+4
  logic       fen;
  logic [4:0] fvld;
  logic [conductor_regs_pkg::FLOW_LOOKUP_BITS-1:0] lk_q;
  logic [KeyBits-1:0] ck_d, ck1_q, ck2_q, ck3_q, ck4_q;
  logic               kv_d;
  logic [4:1]         fkv_q;
  logic [63:0]        tag1_q, tag2_q, tag3_q, tag4_q;
  logic [31:0]        h1, h2;
  logic               lk_fire;
  assign s_lookup_TREADY = fen && init_done;
  assign lk_fire         = s_lookup_TVALID && s_lookup_TREADY;

  always_ff @(posedge ap_clk) begin
    if (fen) begin
      lk_q   <= s_lookup_TDATA;
      ck1_q  <= ck_d;
      ck2_q  <= ck1_q;
      ck3_q  <= ck2_q;
      ck4_q  <= ck3_q;
      fkv_q  <= {fkv_q[3:1], kv_d};
      tag1_q <= lk_q[conductor_regs_pkg::FLOW_LOOKUP_TAG_LSB +: 64];
      tag2_q <= tag1_q;
      tag3_q <= tag2_q;
      tag4_q <= tag3_q;
    end
  end
  flow_canon u_canon (
    .key_i   (lk_q[conductor_regs_pkg::FLOW_LOOKUP_KEY_LSB +: conductor_regs_pkg::FLOW_KEY_BITS]),
    .ckey_o  (ck_d),
    .valid_o (kv_d)
  );
  flow_hash #(.KeyBits(KeyBits)) u_hash (
    .clk_i   (ap_clk),
    .en_i    (fen),
    .key_i   (ck1_q),
    .seed1_i (seed1),
    .seed2_i (seed2),
    .h1_o    (h1),
    .h2_o    (h2)
  );

  // ---------------------------------------------------------------- issue stage and reorder buffer
  logic               is_v, is_kv, is_ar1, is_ar2;
  logic [KeyBits-1:0] is_ck;
  logic [63:0]        is_tag;
  logic [BL-1:0]      is_a1, is_a2;
  logic [RI:0]        tail_q, head_q, free_q;
  logic               rob_room, is_done, ar1_take, ar2_take;
  assign rob_room = (tail_q - free_q) < (RI+1)'(Rob);
  assign is_done  = is_v && rob_room && (!is_kv || ((is_ar1 || ar1_take) && (is_ar2 || ar2_take)));
  assign fen      = !is_v || is_done;

  logic [KeyBits-1:0] rb_ck  [Rob];
  logic               rb_kv  [Rob];
  logic [63:0]        rb_tag [Rob];
  logic [BL-1:0]      rb_a1  [Rob];
  logic [BL-1:0]      rb_a2  [Rob];
  `FT_HBM_ARRAY(2, Rob, rb_c1);  // beats received
  logic [BktBits-1:0] rbq [NCh];     // per channel: its bank's row of the lookup entering R
  logic [BktBits-1:0] rb_r1, rb_r2;  // the lookup at R: its buckets as HBM returned them
  `FT_HBM_ARRAY(2, Rob, rb_c2);
  // The slot's data of sub-table 1 / 2 may be older than an engine write whose line was freed by
  // force (below): the slot reads its bucket again when it reaches the head.
  logic [Rob-1:0]      rb_st1, rb_st2;
  logic                is_st1, is_st2;  // the same for the lookup in the issue stage

  // Forced free (see "forced free" below): while ff_st != 0 no lookup is released.
  logic [1:0]    ff_st;      // 0 idle, 1 looking for a line, 2 marking the reorder buffer
  logic          ff_t;       // the chosen line's sub-table and bucket
  logic [BL-1:0] ff_b;
  logic          ff_m1, ff_m2;  // the lookup in the issue stage reads that bucket

  // Refetch at the head: the head's stale sub-tables are read again (ARID = its slot).
  logic [1:0]    rf_need;    // reads still to send, per sub-table
  logic [BL-1:0] rf_a1, rf_a2;
  logic [RI-1:0] rf_id;
  logic          rf_go, rf1_take, rf2_take;
  logic [$clog2(NCh)-1:0] rch1, rch2;

  // Per-channel AR register: a lookup's bucket read first, else a fill.
  logic [NCh-1:0]      arv_q;
  logic [AddrBits-1:0] ara_q [NCh];
  logic [IdBits-1:0]   arid_q [NCh];
  logic [$clog2(NCh)-1:0] ch1, ch2;
  assign ch1 = chan_of(1'b0, is_a1);
  assign ch2 = chan_of(1'b1, is_a2);
  logic want1, want2;
  assign want1 = is_v && is_kv && !is_ar1 && rob_room;
  assign want2 = is_v && is_kv && !is_ar2 && rob_room;
  assign rch1     = chan_of(1'b0, rf_a1);
  assign rch2     = chan_of(1'b1, rf_a2);
  assign rf1_take = rf_need[0] && (!arv_q[rch1] || m_axi_arready[rch1]);
  assign rf2_take = rf_need[1] && (!arv_q[rch2] || m_axi_arready[rch2]);
  assign ar1_take = want1 && (!arv_q[ch1] || m_axi_arready[ch1]) && !(rf_need[0] && rch1 == ch1);
  assign ar2_take = want2 && (!arv_q[ch2] || m_axi_arready[ch2]) && !(rf_need[1] && rch2 == ch2);

  // Fill reads: per channel the lowest line with a fill to send.
  logic [NCh-1:0] fill_take;
  logic [LI-1:0]  fill_line [NCh];
  always_comb begin
    for (int c = 0; c < NCh; c++) begin
      fill_take[c] = 1'b0;
      fill_line[c] = '0;
      if ((!arv_q[c] || m_axi_arready[c]) && !(ar1_take && ch1 == CW'(c)) && !(ar2_take && ch2 == CW'(c)) &&
          !(rf1_take && rch1 == CW'(c)) && !(rf2_take && rch2 == CW'(c))) begin
        for (int l = Lines - 1; l >= 0; l--) begin
          if (lv[l] && lar[l] && chan_of(lt[l], lb[l]) == CW'(c)) begin
            fill_take[c] = 1'b1;
            fill_line[c] = LI'(l);
          end
        end
      end
    end
  end

  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      arv_q <= '0;
    end else begin
      for (int c = 0; c < NCh; c++) begin
        if (m_axi_arready[c]) arv_q[c] <= 1'b0;
        if (rf1_take && rch1 == CW'(c)) begin
          arv_q[c]  <= 1'b1;
          ara_q[c]  <= addr_of(rf_a1);
          arid_q[c] <= IdBits'(rf_id);
        end else if (rf2_take && rch2 == CW'(c)) begin
          arv_q[c]  <= 1'b1;
          ara_q[c]  <= addr_of(rf_a2);
          arid_q[c] <= IdBits'(rf_id);
        end else if (ar1_take && ch1 == CW'(c)) begin
          arv_q[c]  <= 1'b1;
          ara_q[c]  <= addr_of(is_a1);
          arid_q[c] <= IdBits'(tail_q[RI-1:0]);
        end else if (ar2_take && ch2 == CW'(c)) begin
          arv_q[c]  <= 1'b1;
          ara_q[c]  <= addr_of(is_a2);
          arid_q[c] <= IdBits'(tail_q[RI-1:0]);
        end else if (fill_take[c]) begin
          arv_q[c]  <= 1'b1;
          ara_q[c]  <= addr_of(lb[fill_line[c]]);
          arid_q[c] <= {1'b1, (IdBits-1)'(fill_line[c])};
        end
      end
    end
  end
  always_comb begin
    for (int c = 0; c < NCh; c++) begin
      m_axi_araddr[c*AddrBits +: AddrBits] = ara_q[c];
      m_axi_arid[c*IdBits +: IdBits]       = arid_q[c];
      m_axi_arlen[c*8 +: 8]                = 8'd2;
    end
  end
  assign m_axi_arvalid = arv_q;
  // A channel takes no beat while its finished fill waits for its half's line write (below).
  logic [NCh-1:0] rbeat;
  assign m_axi_rready = ~pf_v;
  assign rbeat        = m_axi_rvalid & m_axi_rready;

  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      is_v      <= 1'b0;
      is_ar1    <= 1'b0;
      is_ar2    <= 1'b0;
      is_st1    <= 1'b0;
      is_st2    <= 1'b0;
      tail_q    <= '0;
    end else begin
      if (is_done) tail_q <= tail_q + 1'b1;
      if (fen) begin
        is_v   <= fvld[4];
        is_ar1 <= 1'b0;
        is_ar2 <= 1'b0;
        is_st1 <= 1'b0;
        is_st2 <= 1'b0;
      end else begin
        if (ar1_take) is_ar1 <= 1'b1;
        if (ar2_take) is_ar2 <= 1'b1;
        if (ff_m1) is_st1 <= 1'b1;
        if (ff_m2) is_st2 <= 1'b1;
      end
    end
  end
  always_ff @(posedge ap_clk) begin
    if (fen) begin
      is_ck  <= ck4_q;
      is_kv  <= fkv_q[4];
      is_tag <= tag4_q;
      is_a1  <= BL'(h1 & 32'(mask));
      is_a2  <= BL'(h2 & 32'(mask));
    end
    if (is_done) begin
      rb_ck[tail_q[RI-1:0]]  <= is_ck;
      rb_kv[tail_q[RI-1:0]]  <= is_kv;
      rb_tag[tail_q[RI-1:0]] <= is_tag;
      rb_a1[tail_q[RI-1:0]]  <= is_a1;
      rb_a2[tail_q[RI-1:0]]  <= is_a2;
    end
  end
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) fvld <= '0;
    else if (fen) fvld <= {fvld[3:0], lk_fire};
  end

  // ---------------------------------------------------------------- release: r .. r+4
  logic [LatencyCycles-1:0] vld_q;  // vld_q[s]: a lookup released s+1 enabled clocks ago
  logic [RI-1:0]            ridx_q [ReadStage];
  logic                     head_ready, rel_fire;
  logic [RI-1:0]            hd;
  logic                     h_in, h_full, h_st;
  assign hd         = head_q[RI-1:0];
  assign h_in       = head_q != tail_q;
  assign h_full     = rb_c1[hd] == 2'd3 && rb_c2[hd] == 2'd3;
  assign h_st       = rb_st1[hd] || rb_st2[hd];
  assign head_ready = h_in && ff_st == 2'd0 && (!rb_kv[hd] || (h_full && !h_st));
  // The head's data is complete but may be stale: read the stale bucket(s) again.
  assign rf_go      = h_in && rb_kv[hd] && h_full && h_st && rf_need == 2'b00;
  assign rel_fire   = en && release_i && head_ready;
  assign released_o = rel_fire;

  // Stage R (vld_q[4]): the lookup in slot ridx_q[4] reads its buckets.
  logic [RI-1:0]      r_idx;
  logic               r_v, r_kv;
  logic [BL-1:0]      r_a1, r_a2;
  logic [LI:0]        r_f1, r_f2;  // cache line holding each bucket
  logic               r_c1, r_c2;  // ... with its data
  logic [BktBits-1:0] rd1, rd2;      // at R+1: the line's data when cached at R, else HBM's
  logic               c1_q, c2_q;
  logic [BktBits-1:0] rb1_q, rb2_q;
  logic [KeyBits-1:0] ck_r1_q;
  logic               kv_r1_q, kv_r2_q;
  logic [63:0]        tag_r1_q, tag_r2_q;
  assign r_idx = ridx_q[ReadStage-1];
  assign r_v   = vld_q[ReadStage-1];
  assign r_kv  = rb_kv[r_idx];
  assign r_a1  = rb_a1[r_idx];
  assign r_a2  = rb_a2[r_idx];
  assign r_f1  = find(1'b0, r_a1);
  assign r_f2  = find(1'b1, r_a2);
  assign r_c1  = r_f1[LI] && lrdy[r_f1[LI-1:0]];
  assign r_c2  = r_f2[LI] && lrdy[r_f2[LI-1:0]];

  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      vld_q       <= '0;
      out_valid_q <= 1'b0;
      head_q      <= '0;
      free_q      <= '0;
      lookups_q   <= '0;
      hits_q      <= '0;
    end else begin
      if (rel_fire) head_q <= head_q + 1'b1;
      if (en) begin
        vld_q       <= {vld_q[LatencyCycles-2:0], rel_fire};
        out_valid_q <= vld_q[LatencyCycles-1];
        if (r_v) free_q <= free_q + 1'b1;
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
  always_ff @(posedge ap_clk) begin
    if (en) begin
      ridx_q[0] <= head_q[RI-1:0];
      for (int s = 1; s < ReadStage; s++) ridx_q[s] <= ridx_q[s-1];
      c1_q     <= r_c1;
      c2_q     <= r_c2;
      rb1_q    <= rb_r1;
      rb2_q    <= rb_r2;
      ck_r1_q  <= rb_ck[r_idx];
      kv_r1_q  <= r_kv;
      tag_r1_q <= rb_tag[r_idx];
      kv_r2_q  <= kv_r1_q;
      tag_r2_q <= tag_r1_q;
    end
  end

  // Read data: a lookup's beat into its slot, a fill's into its line.
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      for (int i = 0; i < Rob; i++) begin
        rb_c1[i] <= '0;
        rb_c2[i] <= '0;
      end
    end else begin
      for (int c = 0; c < NCh; c++) begin
        if (rbeat[c] && !m_axi_rid[c*IdBits + IdBits - 1]) begin
          if (c < NPer) begin
            rb_c1[m_axi_rid[c*IdBits +: RI]] <= rb_c1[m_axi_rid[c*IdBits +: RI]] + 2'd1;
          end else begin
            rb_c2[m_axi_rid[c*IdBits +: RI]] <= rb_c2[m_axi_rid[c*IdBits +: RI]] + 2'd1;
          end
        end
      end
      if (en && r_v) begin  // the slot is free again
        rb_c1[r_idx] <= '0;
        rb_c2[r_idx] <= '0;
      end
      if (rf_go && rb_st1[hd]) rb_c1[hd] <= '0;  // its beats come again
      if (rf_go && rb_st2[hd]) rb_c2[hd] <= '0;
    end
  end

  // Reorder-buffer data, one bank per channel: bank c holds the bucket of every slot whose bucket
  // is on channel c (row = slot), written only by channel c's R beats, so each bank has one write
  // port and one read port (block RAM; Rob x 1480 bits, the bucket word: the 14 pad bits of each
  // 384-bit HBM slot are not kept). Beat k fills bucket bits [RbLo[k], RbLo[k+1]) (the slots'
  // bits in HBM bits [k*512, k*512+512)). The banks are read one clock before R, at the row of the
  // lookup entering R (its data is complete: it was released), each bank into its own register;
  // at R the lookup's channel selects: chan_of(0, r_a1) in sub-table 1, chan_of(1, r_a2) in 2.
  localparam int unsigned RbLo1 = SlotBits + (512 - HbmSlot);                  // 498
  localparam int unsigned RbLo2 = 2 * SlotBits + (1024 - 2 * HbmSlot);         // 996
  for (genvar c = 0; c < NCh; c++) begin : g_rb
    logic [BktBits-1:0] mem [Rob];
    logic [BktBits-1:0] q;
    logic               we;
    logic [RI-1:0]      row;
    logic [1:0]         beat;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [BktBits-1:0] wd0, wd1, wd2;  // beat k in its place in the bucket word (its lane used)
    /* verilator lint_on UNUSEDSIGNAL */
    assign we   = rbeat[c] && !m_axi_rid[c*IdBits + IdBits - 1];
    assign row  = m_axi_rid[c*IdBits +: RI];
    assign beat = (c < NPer) ? rb_c1[row] : rb_c2[row];
    assign wd0  = from_hbm({1024'd0, m_axi_rdata[c*512 +: 512]});
    assign wd1  = from_hbm({512'd0, m_axi_rdata[c*512 +: 512], 512'd0});
    assign wd2  = from_hbm({m_axi_rdata[c*512 +: 512], 1024'd0});
    always_ff @(posedge ap_clk) begin
      if (we && beat == 2'd0) mem[row][0 +: RbLo1]                 <= wd0[0 +: RbLo1];
      if (we && beat == 2'd1) mem[row][RbLo1 +: RbLo2 - RbLo1]     <= wd1[RbLo1 +: RbLo2 - RbLo1];
      if (we && beat == 2'd2) mem[row][RbLo2 +: BktBits - RbLo2]   <= wd2[RbLo2 +: BktBits - RbLo2];
      if (en) q <= mem[ridx_q[ReadStage-2]];
    end
    assign rbq[c] = q;
  end
  always_comb begin
    rb_r1 = rbq[0];
    rb_r2 = rbq[NPer];
    for (int c = 0; c < NPer; c++) begin
      if (chan_of(1'b0, r_a1) == CW'(c))        rb_r1 = rbq[c];
      if (chan_of(1'b1, r_a2) == CW'(NPer + c)) rb_r2 = rbq[NPer + c];
    end
  end

  // ---------------------------------------------------------------- R .. R+2: compare and select
  logic                                            hit;
  logic [3:0]                                      m1a, m2a;
  logic [StashSize-1:0]                            sm_q;
  logic [BL-1:0]                                   a1_qq, a2_qq;
  logic [StashSize*SlotBits-1:0]                   stash;
  logic [conductor_regs_pkg::FLOW_RESULT_BITS-1:0] res_d, res_q;
  flow_match #(.BucketLog2Max(BL), .StashSize(StashSize)) u_match (
    .clk_i    (ap_clk),
    .en_i     (en),
    .stash_i  (stash),
    .ck_r_i   (rb_ck[r_idx]),
    .kv_r_i   (r_kv),
    .a1_r_i   (r_a1),
    .a2_r_i   (r_a2),
    .rd1_i    (rd1),
    .rd2_i    (rd2),
    .ck_r1_i  (ck_r1_q),
    .kv_r1_i  (kv_r1_q),
    .kv_r2_i  (kv_r2_q),
    .tag_r2_i (tag_r2_q),
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
  assign m_result_TDATA  = res_q;
  assign m_result_TVALID = out_valid_q;

  // ---------------------------------------------------------------- marks (the activity memories are on chip)
  logic mark_go;  // the lookup in the result stage marks its matches (rtl/flow_table/flow_ops.sv)
  assign mark_go = en && vld_q[LatencyCycles-1];

  // ---------------------------------------------------------------- op gate
  // g_st: 0 empty, 1 hashing (an op without HINT: 4 clocks through the gate's own hash), 2 the
  // buckets known, pinning them, 3 pinned: offered to the engine.
  logic [conductor_regs_pkg::FLOW_OP_BITS-1:0] g_op;
  logic [1:0]    g_st;
  logic [2:0]    g_wait;
  logic [1:0]    g_need;            // sub-tables whose bucket the engine reads
  logic [BL-1:0] g_b1, g_b2;
  logic [1:0]    g_pin;             // pinned so far
  logic [LI-1:0] g_l1, g_l2;
  logic          g_age;
  logic [KeyBits-1:0] g_ck;
  logic          g_kv;
  logic [31:0]   gh1, gh2;
  logic          eng_tvalid, eng_tready, eng_fire;
  logic          age_busy;          // an AGE handshaken within the last PinDelay enabled clocks
  logic          g_go;              // state 1 ends: the buckets are known in this clock
  assign g_age = g_op[conductor_regs_pkg::FLOW_OP_OPCODE_LSB +: 4] == conductor_regs_pkg::FLOW_OP_OPCODE_AGE;
  flow_canon u_gcanon (
    .key_i   (g_op[conductor_regs_pkg::FLOW_OP_KEY_LSB +: conductor_regs_pkg::FLOW_KEY_BITS]),
    .ckey_o  (g_ck),
    .valid_o (g_kv)
  );
  logic [KeyBits-1:0] g_ck_q;
  always_ff @(posedge ap_clk) g_ck_q <= g_ck;
  flow_hash #(.KeyBits(KeyBits)) u_ghash (
    .clk_i   (ap_clk),
    .en_i    (1'b1),
    .key_i   (g_ck_q),
    .seed1_i (seed1),
    .seed2_i (seed2),
    .h1_o    (gh1),
    .h2_o    (gh2)
  );
  logic unused_gkv;
  assign unused_gkv = g_kv;

  assign eng_tvalid  = g_st == 2'd3 && (!g_need[0] || lrdy[g_l1]) && (!g_need[1] || lrdy[g_l2]);
  assign eng_fire    = eng_tvalid && eng_tready;
  assign op_applied_o = eng_fire;
  assign s_op_TREADY = init_done && (g_st == 2'd0 || eng_fire);

  // The AGE's sweep unit, as the engine decodes it from the cursor.
  logic [31:0] nb, nb2, units, au;
  assign nb    = 32'd1 << log2_eff;
  assign nb2   = nb << 1;
  assign units = nb2 + 32'(StashSize);
  assign au    = (age_cursor >= units) ? 32'd0 : age_cursor;

  // Pinning: each needed bucket is found (pin its line) or allocated (a fill) in this clock.
  // Per sub-table (its Half lines): allocation takes free lines from the top, a released lookup's
  // install from the bottom.
  logic [LI:0] g_f1, g_f2;
  logic [LI:0] fr_lo [2];  // per sub-table: the lowest free line
  logic [LI:0] fr_hi [2];  // ... the highest
  logic [LI:0] fr_h1 [2];  // ... the second highest
  always_comb begin
    for (int h = 0; h < 2; h++) begin
      fr_lo[h] = '0; fr_hi[h] = '0; fr_h1[h] = '0;
      for (int i = Half - 1; i >= 0; i--) begin
        if (!lv[{h[0], HI'(i)}]) fr_lo[h] = {1'b1, h[0], HI'(i)};
      end
      for (int i = 0; i < Half; i++) begin
        if (!lv[{h[0], HI'(i)}]) begin
          fr_h1[h] = fr_hi[h];
          fr_hi[h] = {1'b1, h[0], HI'(i)};
        end
      end
    end
  end
  assign g_f1 = find(1'b0, g_b1);
  assign g_f2 = find(1'b1, g_b2);

  // Installs at R: a valid key's bucket that no line holds, into its sub-table's lowest free line,
  // never the two highest (kept for the gate's fills and the sweep prefetch, so that a steady
  // stream of installs cannot starve an op).
  logic ins1, ins2, sp0, sp1;
  logic [LI-1:0] ins1_l, ins2_l;
  assign sp0    = fr_lo[0][LI] && fr_lo[0] != fr_hi[0] && fr_lo[0] != fr_h1[0];
  assign sp1    = fr_lo[1][LI] && fr_lo[1] != fr_hi[1] && fr_lo[1] != fr_h1[1];
  assign ins1   = en && r_v && r_kv && !r_f1[LI] && sp0;
  assign ins1_l = fr_lo[0][LI-1:0];
  assign ins2   = en && r_v && r_kv && !r_f2[LI] && sp1;
  assign ins2_l = fr_lo[1][LI-1:0];

  logic pin1_hit, pin2_hit, alloc1, alloc2;
  logic [LI-1:0] alloc1_l, alloc2_l;
  logic pinning;
  assign pinning  = g_st == 2'd2;
  assign pin1_hit = pinning && g_need[0] && !g_pin[0] && g_f1[LI];
  assign pin2_hit = pinning && g_need[1] && !g_pin[1] && g_f2[LI];
  // A fill is allocated, in its sub-table's highest free line, unless a released lookup installs
  // the same bucket in this clock (an install never takes that line).
  assign alloc1_l = fr_hi[0][LI-1:0];
  assign alloc2_l = fr_hi[1][LI-1:0];
  assign alloc1   = pinning && g_need[0] && !g_pin[0] && !g_f1[LI] && fr_hi[0][LI] && !(ins1 && r_a1 == g_b1);
  assign alloc2   = pinning && g_need[1] && !g_pin[1] && !g_f2[LI] && fr_hi[1][LI] && !(ins2 && r_a2 == g_b2);

  // Sweep prefetch: whenever the gate is not allocating (state 2), the bucket of the sweep unit the
  // next AGE will visit is made cached and pinned (a fill if needed), so an AGE does not wait for HBM (the core holds
  // its lookups until the AGE's handshake). The pin is dropped when an AGE is handshaken; the next
  // unit is taken once the cursor has moved.
  logic          sp_q;       // a prefetch pin is held
  logic [LI-1:0] sp_line_q;
  logic          sp_t, sp_go, sp_hit, sp_alloc, sp_drop;
  logic [BL-1:0] sp_b;
  logic [LI:0]   sp_f, sp_l;  // the line holding the unit's bucket; the line a fill would take
  assign sp_t     = au >= nb;
  assign sp_b     = BL'(au >= nb ? au - nb : au);
  assign sp_f     = find(sp_t, sp_b);
  assign sp_go    = init_done && g_st != 2'd2 && !sp_q && !age_busy && au < nb2;
  assign sp_hit   = sp_go && sp_f[LI];
  assign sp_l     = fr_hi[sp_t];
  assign sp_alloc = sp_go && !sp_f[LI] && sp_l[LI] &&
                    !(ins1 && !sp_t && r_a1 == sp_b) && !(ins2 && sp_t && r_a2 == sp_b);
  assign sp_drop  = sp_q && eng_fire && g_age;
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      sp_q <= 1'b0;
    end else begin
      if (sp_hit || sp_alloc) sp_q <= 1'b1;
      if (sp_drop) sp_q <= 1'b0;
    end
  end
  always_ff @(posedge ap_clk) begin
    if (sp_hit)   sp_line_q <= sp_f[LI-1:0];
    if (sp_alloc) sp_line_q <= sp_l[LI-1:0];
  end

  // Unpin: the lines of an op leave the pins PinDelay enabled clocks after its handshake.
  logic [PinDelay-1:0] up_v, up_age;
  logic [1:0]          up_p [PinDelay];
  logic [LI-1:0]       up_l1 [PinDelay];
  logic [LI-1:0]       up_l2 [PinDelay];
  logic                unpin;
  assign unpin    = en && up_v[PinDelay-1];
  assign age_busy = up_age != '0;
  assign g_go     = g_st == 2'd1 && g_wait == 3'd0 && !(g_age && age_busy);

  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      g_st   <= 2'd0;
      g_pin  <= 2'b00;
      up_v   <= '0;
      up_age <= '0;
    end else begin
      if (en) begin
        up_v   <= {up_v[PinDelay-2:0], eng_fire};
        up_age <= {up_age[PinDelay-2:0], eng_fire && g_age};
      end
      if (pin1_hit || alloc1) g_pin[0] <= 1'b1;
      if (pin2_hit || alloc2) g_pin[1] <= 1'b1;
      unique case (g_st)
        2'd1: if (g_go) g_st <= 2'd2;
        2'd2: if ((!g_need[0] || g_pin[0] || pin1_hit || alloc1) && (!g_need[1] || g_pin[1] || pin2_hit || alloc2))
                g_st <= 2'd3;
        default: ;
      endcase
      if (s_op_TVALID && s_op_TREADY) begin
        g_pin <= 2'b00;
        // An AGE waits (state 1) until the previous AGE's cursor is written.
        g_st  <= (s_op_TDATA[conductor_regs_pkg::FLOW_OP_HINT_LSB] &&
                  s_op_TDATA[conductor_regs_pkg::FLOW_OP_OPCODE_LSB +: 4] != conductor_regs_pkg::FLOW_OP_OPCODE_AGE)
                 ? 2'd2 : 2'd1;
      end else if (eng_fire) begin
        g_st <= 2'd0;
      end
    end
  end
  // Buckets: a hinted op's from TDATA; otherwise the gate's hash after 4 clocks; an AGE's unit.
  always_ff @(posedge ap_clk) begin
    if (en) begin
      for (int s = 1; s < PinDelay; s++) begin
        up_p[s]  <= up_p[s-1];
        up_l1[s] <= up_l1[s-1];
        up_l2[s] <= up_l2[s-1];
      end
      up_p[0]  <= g_need;
      up_l1[0] <= g_l1;
      up_l2[0] <= g_l2;
    end
    if (pin1_hit) g_l1 <= g_f1[LI-1:0];
    if (alloc1)   g_l1 <= alloc1_l;
    if (pin2_hit) g_l2 <= g_f2[LI-1:0];
    if (alloc2)   g_l2 <= alloc2_l;
    if (g_st == 2'd1 && g_wait != 3'd0) g_wait <= g_wait - 3'd1;
    if (g_go) begin
      if (g_age) begin
        g_need <= (au >= nb2) ? 2'b00 : (au >= nb) ? 2'b10 : 2'b01;
        g_b1   <= BL'(au);
        g_b2   <= BL'(au - nb);
      end else begin
        g_need <= 2'b11;
        g_b1   <= BL'(gh1 & 32'(mask));
        g_b2   <= BL'(gh2 & 32'(mask));
      end
    end
    if (s_op_TVALID && s_op_TREADY) begin
      g_op   <= s_op_TDATA;
      g_wait <= 3'd5;
      g_need <= 2'b11;
      g_b1   <= BL'(s_op_TDATA[conductor_regs_pkg::FLOW_OP_BUCKET1_LSB +: BL]) & mask;
      g_b2   <= BL'(s_op_TDATA[conductor_regs_pkg::FLOW_OP_BUCKET2_LSB +: BL]) & mask;
    end
  end

  // ---------------------------------------------------------------- engine
  logic [1:0]           e_re, e_we;
  logic [2*BL-1:0]      e_addr;
  logic [7:0]           e_slot_we;
  logic [BktBits-1:0]   e_wbkt;
  logic [2*BktBits-1:0] e_rdata;
  logic [LI:0]          e_f1, e_f2;
  assign e_f1 = find(1'b0, e_addr[0 +: BL]);
  assign e_f2 = find(1'b1, e_addr[BL +: BL]);
  logic [LI:0] e_f [2];
  assign e_f[0] = e_f1;
  assign e_f[1] = e_f2;

  flow_ops #(
    .BL         (BL),
    .StashSize  (StashSize),
    .WalkMax    (1),
    .ReadStage  (ReadStage),
    .ClearTable (1'b0)
  ) u_ops (
    .op_tdata  (g_op),
    .op_tvalid (eng_tvalid),
    .op_tready (eng_tready),
    .*
  );

  // ---------------------------------------------------------------- line data
  // Per sub-table, its Half lines in flow_line_ram: write port 0 the engine's slot-masked write,
  // else a finished fill (fw_go); write port 1 an install (ins1, ins2: one per lookup, every clock
  // under a flood of new connections); read port 0 the lookup at R, 1 the engine (its port B:
  // e_rdata), 2 the write-back read of one channel (wb_go).
  logic [1:0]         lw_we0, fw_any, lr_wbre;
  logic [HI-1:0]      lw_a0 [2];
  logic [Slots-1:0]   lw_s0 [2];
  logic [BktBits-1:0] lw_d0 [2];
  logic [HI-1:0]      lr_wa [2];
  logic [BktBits-1:0] lr_r [2];
  logic [BktBits-1:0] lr_w [2];
  for (genvar h = 0; h < 2; h++) begin : g_line
    logic [HI-1:0]        rf;
    logic [3*BktBits-1:0] q;
    assign rf = h ? r_f2[HI-1:0] : r_f1[HI-1:0];
    flow_line_ram #(.Depth(Half), .SlotBits(SlotBits), .Slots(Slots)) u_ram (
      .clk_i    (ap_clk),
      .we0_i    (lw_we0[h]),
      .waddr0_i (lw_a0[h]),
      .wslot0_i (lw_s0[h]),
      .wdata0_i (lw_d0[h]),
      .we1_i    (h ? ins2 : ins1),
      .waddr1_i (h ? ins2_l[HI-1:0] : ins1_l[HI-1:0]),
      .wdata1_i (h ? rb_r2 : rb_r1),
      .ren_i    ({lr_wbre[h], e_re[h], en}),
      .raddr_i  ({lr_wa[h], e_f[h][HI-1:0], rf}),
      .rdata_o  (q)
    );
    assign lr_r[h]                        = q[0 +: BktBits];
    assign e_rdata[h*BktBits +: BktBits]  = q[BktBits +: BktBits];
    assign lr_w[h]                        = q[2*BktBits +: BktBits];
  end
  assign rd1 = c1_q ? lr_r[0] : rb1_q;
  assign rd2 = c2_q ? lr_r[1] : rb2_q;

  // Fills: a channel's bursts are not interleaved (an HBM pseudo-channel's AXI port returns a
  // burst's beats together; a fill beat of another line, or a lookup beat, within a fill is an
  // error: cache_error_o). Beats 0 and 1 are staged per channel; with beat 2 the bucket waits in
  // pf (the channel takes no beat meanwhile) until its sub-table's write port 0 takes it: the
  // lowest such channel, in every clock the engine does not write there. The line is ready the
  // clock after.
  logic [NCh-1:0]     pf_v, fw_go;
  logic [LI-1:0]      pf_l [NCh];
  logic [BktBits-1:0] pf_d [NCh];
  logic [1023:0]      fstage [NCh];
  logic [1:0]         fcnt [NCh];
  logic [LI-1:0]      fline [NCh];
  logic               fill_err;
  logic [CW-1:0]      fw_sel [2];
  always_comb begin
    fw_go  = '0;
    fw_any = '0;
    for (int h = 0; h < 2; h++) begin
      fw_sel[h] = '0;
      for (int i = NPer - 1; i >= 0; i--) begin  // the lowest channel with a bucket waiting
        if (pf_v[h*NPer + i]) begin
          fw_any[h] = 1'b1;
          fw_sel[h] = CW'(h*NPer + i);
        end
      end
      if (e_we[h]) begin
        lw_we0[h] = e_f[h][LI];
        lw_a0[h]  = e_f[h][HI-1:0];
        lw_s0[h]  = e_slot_we[h*Slots +: Slots];
        lw_d0[h]  = e_wbkt;
      end else begin
        lw_we0[h] = fw_any[h];
        lw_a0[h]  = pf_l[fw_sel[h]][HI-1:0];
        lw_s0[h]  = '1;
        lw_d0[h]  = pf_d[fw_sel[h]];
        if (fw_any[h]) fw_go[fw_sel[h]] = 1'b1;
      end
    end
  end
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      pf_v     <= '0;
      fill_err <= 1'b0;
      for (int c = 0; c < NCh; c++) fcnt[c] <= '0;
    end else begin
      for (int c = 0; c < NCh; c++) begin
        if (fw_go[c]) pf_v[c] <= 1'b0;
        if (rbeat[c] && m_axi_rid[c*IdBits + IdBits - 1]) begin
          fcnt[c] <= (fcnt[c] == 2'd2) ? 2'd0 : fcnt[c] + 2'd1;
          if (fcnt[c] == 2'd2) pf_v[c] <= 1'b1;
          if (fcnt[c] != 2'd0 && fline[c] != m_axi_rid[c*IdBits +: LI]) fill_err <= 1'b1;
        end
        if (rbeat[c] && !m_axi_rid[c*IdBits + IdBits - 1] && fcnt[c] != 2'd0) fill_err <= 1'b1;
      end
    end
  end
  always_ff @(posedge ap_clk) begin
    for (int c = 0; c < NCh; c++) begin
      if (rbeat[c] && m_axi_rid[c*IdBits + IdBits - 1]) begin
        fline[c] <= m_axi_rid[c*IdBits +: LI];
        if (fcnt[c] == 2'd2) begin
          pf_l[c] <= m_axi_rid[c*IdBits +: LI];
          pf_d[c] <= from_hbm({m_axi_rdata[c*512 +: 512], fstage[c]});
        end else begin
          fstage[c][fcnt[c][0]*512 +: 512] <= m_axi_rdata[c*512 +: 512];
        end
      end
    end
  end


  // ---------------------------------------------------------------- write-back and clear
  // Per channel: idle, AW, then 3 W beats (a clear writes zeros). A write-back starts (wb_go) on
  // one channel per sub-table per clock, the lowest with a dirty line to send: the line is read on
  // its sub-table's read port 2 and copied into the channel's buffer wbuf the next clock, before
  // its first W beat. A line written by the engine in the clock it is read stays dirty (the read
  // returns the old data), so it is sent again.
  logic [1:0]      wst_q [NCh];    // 0 idle, 1 AW, 2 W
  logic [1:0]      wbeat_q [NCh];
  logic [LI-1:0]   wline_q [NCh];
  logic [NCh-1:0]       wclr_q;   // the write in progress is a clear
  logic [AddrBits-1:0] waddr_q [NCh];
  logic [31:0]     clr_next_q [NCh];  // next row to clear
  logic [31:0]     clr_out_q [NCh];   // clear writes without BRESP
  logic [NCh-1:0]  wb_take, wb_go, wb_cap_q;
  logic [BktBits-1:0] wbuf [NCh];
  logic [LI-1:0]   wb_line [NCh];
  logic [NCh-1:0]  clr_ch_done;
  logic [HbmBits-1:0] wbkt_h;
  localparam int unsigned RowsPerCh = (1 << BL) >> ChLog2;
  always_comb begin
    for (int c = 0; c < NCh; c++) begin
      wb_take[c] = 1'b0;
      wb_line[c] = '0;
      if (wst_q[c] == 2'd0 && clear_done) begin
        for (int l = Lines - 1; l >= 0; l--) begin
          if (lv[l] && lrdy[l] && ldirty[l] && !lwip[l] && lwo[l] != 2'd3 && chan_of(lt[l], lb[l]) == CW'(c)) begin
            wb_take[c] = 1'b1;
            wb_line[c] = LI'(l);
          end
        end
      end
      clr_ch_done[c] = clr_next_q[c] == 32'(RowsPerCh) && clr_out_q[c] == 32'd0 && wst_q[c] == 2'd0;
      m_axi_awvalid[c]               = wst_q[c] == 2'd1;
      m_axi_awaddr[c*AddrBits +: AddrBits] = waddr_q[c];
      m_axi_awid[c*IdBits +: IdBits] = IdBits'(wline_q[c]);
      m_axi_awlen[c*8 +: 8]          = 8'd2;
      m_axi_wvalid[c]                = wst_q[c] == 2'd2;
      wbkt_h                         = to_hbm(wbuf[c]);
      m_axi_wdata[c*512 +: 512]      = wclr_q[c] ? 512'd0 :
                                       (wbeat_q[c] == 2'd0) ? wbkt_h[0 +: 512] :
                                       (wbeat_q[c] == 2'd1) ? wbkt_h[512 +: 512] : wbkt_h[1024 +: 512];
      m_axi_wstrb[c*64 +: 64]        = '1;
      m_axi_wlast[c]                 = wbeat_q[c] == 2'd2;
    end
  end
  assign m_axi_bready = '1;
  logic [CW-1:0] wb_sel [2];
  always_comb begin
    wb_go = '0;
    for (int h = 0; h < 2; h++) begin
      lr_wbre[h] = 1'b0;
      wb_sel[h]  = '0;
      for (int i = NPer - 1; i >= 0; i--) begin  // the lowest channel with a line to send
        if (wb_take[h*NPer + i]) begin
          lr_wbre[h] = 1'b1;
          wb_sel[h]  = CW'(h*NPer + i);
        end
      end
      lr_wa[h] = wb_line[wb_sel[h]][HI-1:0];
      if (lr_wbre[h]) wb_go[wb_sel[h]] = 1'b1;
    end
  end
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) wb_cap_q <= '0;
    else           wb_cap_q <= wb_go;
  end
  always_ff @(posedge ap_clk) begin
    for (int c = 0; c < NCh; c++) begin
      if (wb_cap_q[c]) wbuf[c] <= lr_w[c / NPer];
    end
  end

  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      clear_done <= !ClearOnReset;
      for (int c = 0; c < NCh; c++) begin
        wst_q[c]      <= 2'd0;
        wbeat_q[c]    <= 2'd0;
        wclr_q[c]     <= 1'b0;
        clr_next_q[c] <= ClearOnReset ? 32'd0 : 32'(RowsPerCh);
        clr_out_q[c]  <= '0;
      end
    end else begin
      if (&clr_ch_done) clear_done <= 1'b1;
      for (int c = 0; c < NCh; c++) begin
        unique case (wst_q[c])
          2'd0: begin
            if (!clear_done && clr_next_q[c] != 32'(RowsPerCh)) begin
              wst_q[c]      <= 2'd1;
              wclr_q[c]     <= 1'b1;
              wline_q[c]    <= '0;
              waddr_q[c]    <= addr_of(BL'({clr_next_q[c][BL-1:0], ChLog2'(0)}));
              clr_next_q[c] <= clr_next_q[c] + 32'd1;
            end else if (wb_go[c]) begin
              wst_q[c]   <= 2'd1;
              wclr_q[c]  <= 1'b0;
              wline_q[c] <= wb_line[c];
              waddr_q[c] <= addr_of(lb[wb_line[c]]);
            end
          end
          2'd1: if (m_axi_awready[c]) begin
            wst_q[c]   <= 2'd2;
            wbeat_q[c] <= 2'd0;
          end
          default: if (m_axi_wready[c]) begin
            wbeat_q[c] <= wbeat_q[c] + 2'd1;
            if (wbeat_q[c] == 2'd2) wst_q[c] <= 2'd0;
          end
        endcase
        clr_out_q[c] <= clr_out_q[c]
                        + ((wst_q[c] == 2'd2 && m_axi_wready[c] && wbeat_q[c] == 2'd2 && wclr_q[c]) ? 32'd1 : 32'd0)
                        - ((m_axi_bvalid[c] && !clear_done) ? 32'd1 : 32'd0);
      end
    end
  end

  // ---------------------------------------------------------------- stale-read guard
  // A line the engine wrote may be freed only when no lookup that read its bucket from HBM before
  // the write landed is still before its read clock R (it would take the stale HBM data there).
  // Lookups in flight, from the issue stage to R, are counted per bucket hash (the bucket's low
  // CntLog2 bits, per sub-table: a counting filter, conservative where buckets share a counter). A
  // scanner visits two lines per clock: a written line whose write-backs are all acknowledged
  // (BRESP) and whose counter is 0 is released; every lookup counted later entered the issue stage
  // after the BRESP, so its read returns the written data.
  localparam int unsigned CntLog2 = (BL < 10) ? BL : 10;
  `FT_HBM_ARRAY(9, 1 << CntLog2, oc1);
  `FT_HBM_ARRAY(9, 1 << CntLog2, oc2);
  logic [CntLog2-1:0] inc1, inc2, dec1, dec2;
  logic inc_v, dec_v;
  assign inc_v = fen && fvld[4] && fkv_q[4];
  assign inc1  = CntLog2'(h1 & 32'(mask));
  assign inc2  = CntLog2'(h2 & 32'(mask));
  assign dec_v = en && r_v && r_kv;
  assign dec1  = CntLog2'(r_a1);
  assign dec2  = CntLog2'(r_a2);
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      for (int i = 0; i < (1 << CntLog2); i++) begin
        oc1[i] <= '0;
        oc2[i] <= '0;
      end
    end else begin
      if (inc_v && !(dec_v && dec1 == inc1)) oc1[inc1] <= oc1[inc1] + 9'd1;
      if (dec_v && !(inc_v && dec1 == inc1)) oc1[dec1] <= oc1[dec1] - 9'd1;
      if (inc_v && !(dec_v && dec2 == inc2)) oc2[inc2] <= oc2[inc2] + 9'd1;
      if (dec_v && !(inc_v && dec2 == inc2)) oc2[dec2] <= oc2[dec2] - 9'd1;
    end
  end
  logic [LI-1:0] hs_q, hs_l0, hs_l1;
  logic          hs_ok0, hs_ok1;
  function automatic logic hs_check(input logic [LI-1:0] l);
    hs_check = lv[l] && lhf[l] && !ldirty[l] && !lwip[l] && lwo[l] == 2'd0 &&
               (lt[l] ? oc2[CntLog2'(lb[l])] : oc1[CntLog2'(lb[l])]) == 9'd0;
  endfunction
  assign hs_l0  = hs_q;
  assign hs_l1  = hs_q + LI'(1);
  assign hs_ok0 = hs_check(hs_l0);
  assign hs_ok1 = hs_check(hs_l1);
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) hs_q <= '0;
    else           hs_q <= hs_q + LI'(2);
  end

  // ---------------------------------------------------------------- forced free
  // The guard keeps a written line while a lookup that may have read its bucket before the write
  // landed is before R. In a small active table nearly every bucket has such a lookup among the
  // 2^RobLog2 in flight, and a lookup may stay unreleased (the core holds its lookups until an AGE
  // is applied) while that AGE waits in the gate for a free line: no progress. So when the gate or
  // the sweep prefetch has waited StarveLimit clocks for a free line, releases stop (ff_st != 0); the
  // scanner picks a written line whose writes are acknowledged and which no op pins; every slot of
  // the reorder buffer, and the lookup in the issue stage, that reads its bucket is marked (ScanPer
  // slots per clock); then, once no released lookup is before R, the line's guard is dropped and
  // releases resume. A marked slot reads its bucket again when it reaches the head (rf_go): that
  // read starts after the BRESP, so the lookup holds the written data whether or not the line is
  // still cached at its R. If the engine writes the line meanwhile, the guard stays (that write has
  // its own BRESP to wait for).
  localparam int unsigned StarveLimit = 64;
  localparam int unsigned ScanPer     = 4;
  logic [6:0]    starve_q;
  logic          ff_wr, ff_pick0, ff_pick1, ff_last, ff_end;
  logic [1:0]    starve_h;   // per sub-table: an op or the sweep waits for a free line
  logic          starve;
  logic [LI-1:0] ff_line, ff_pl;
  logic [RI-1:0] ff_ptr;
  function automatic logic ff_check(input logic [LI-1:0] l);
    ff_check = starve_h[lt[l]] && lv[l] && lhf[l] && lrdy[l] && !lar[l] && !ldirty[l] && !lwip[l] &&
               lwo[l] == 2'd0 && lpin[l] == 3'd0;
  endfunction
  assign starve_h[0] = !fr_hi[0][LI] && ((pinning && g_need[0] && !g_pin[0] && !g_f1[LI]) || (sp_go && !sp_t && !sp_f[LI]));
  assign starve_h[1] = !fr_hi[1][LI] && ((pinning && g_need[1] && !g_pin[1] && !g_f2[LI]) || (sp_go && sp_t && !sp_f[LI]));
  assign starve      = starve_h != 2'b00;
  assign ff_pick0 = ff_st == 2'd1 && starve && ff_check(hs_l0);
  assign ff_pick1 = ff_st == 2'd1 && starve && !ff_pick0 && ff_check(hs_l1);
  assign ff_pl    = ff_pick0 ? hs_l0 : hs_l1;
  assign ff_last  = ff_ptr == RI'(Rob - ScanPer);
  assign ff_end   = ff_st == 2'd2 && ff_last && vld_q[ReadStage-2:0] == '0;
  assign ff_m1    = ff_st == 2'd2 && is_v && is_kv && !ff_t && is_a1 == ff_b;
  assign ff_m2    = ff_st == 2'd2 && is_v && is_kv && ff_t && is_a2 == ff_b;
  assign force_free_o = ff_end && !ff_wr;

  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      ff_st    <= 2'd0;
      starve_q <= '0;
    end else begin
      starve_q <= (starve && ff_st == 2'd0) ? starve_q + ((starve_q == 7'(StarveLimit)) ? 7'd0 : 7'd1) : 7'd0;
      unique case (ff_st)
        2'd0: if (starve_q == 7'(StarveLimit)) ff_st <= 2'd1;
        2'd1: begin
          if (!starve) ff_st <= 2'd0;  // a line came free meanwhile
          if (ff_pick0 || ff_pick1) ff_st <= 2'd2;
        end
        default: if (ff_end) ff_st <= 2'd0;
      endcase
    end
  end
  always_ff @(posedge ap_clk) begin
    if (ff_pick0 || ff_pick1) begin
      ff_line <= ff_pl;
      ff_t    <= lt[ff_pl];
      ff_b    <= lb[ff_pl];
      ff_ptr  <= '0;
      ff_wr   <= 1'b0;
    end
    if (ff_st == 2'd2) begin
      if (!ff_last) ff_ptr <= ff_ptr + RI'(ScanPer);
      if ((e_we[0] && e_f1[LI] && e_f1[LI-1:0] == ff_line) || (e_we[1] && e_f2[LI] && e_f2[LI-1:0] == ff_line))
        ff_wr <= 1'b1;
    end
    if (rf_go) begin
      rf_a1 <= rb_a1[hd];
      rf_a2 <= rb_a2[hd];
      rf_id <= hd;
    end
  end
  // Marks: set by the scan and at allocation, cleared when the head's read is sent again.
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      rb_st1  <= '0;
      rb_st2  <= '0;
      rf_need <= 2'b00;
    end else begin
      if (rf_go) begin
        rb_st1[hd] <= 1'b0;
        rb_st2[hd] <= 1'b0;
        rf_need    <= {rb_st2[hd], rb_st1[hd]};
      end
      if (rf1_take) rf_need[0] <= 1'b0;
      if (rf2_take) rf_need[1] <= 1'b0;
      if (ff_st == 2'd2) begin
        for (int k = 0; k < ScanPer; k++) begin
          if (!ff_t && rb_a1[ff_ptr + RI'(k)] == ff_b) rb_st1[ff_ptr + RI'(k)] <= 1'b1;
          if (ff_t && rb_a2[ff_ptr + RI'(k)] == ff_b)  rb_st2[ff_ptr + RI'(k)] <= 1'b1;
        end
      end
      if (is_done) begin
        rb_st1[tail_q[RI-1:0]] <= is_st1 || ff_m1;
        rb_st2[tail_q[RI-1:0]] <= is_st2 || ff_m2;
      end
    end
  end

  // ---------------------------------------------------------------- line state
  logic [Lines-1:0] lfree;
  always_comb begin
    for (int l = 0; l < Lines; l++) begin
      lfree[l] = lv[l] && lrdy[l] && !lar[l] && !ldirty[l] && !lwip[l] && lwo[l] == 2'd0 && lpin[l] == 3'd0 &&
                 lttl[l] == 6'd0 && !lhf[l] &&
                 !(pin1_hit && g_f1[LI-1:0] == LI'(l)) && !(pin2_hit && g_f2[LI-1:0] == LI'(l)) &&
                 !(sp_hit && sp_f[LI-1:0] == LI'(l));
    end
  end

  logic err_q;
  assign cache_error_o = err_q || fill_err;
  always_ff @(posedge ap_clk or negedge ap_rst_n) begin
    if (!ap_rst_n) begin
      err_q <= 1'b0;
      for (int l = 0; l < Lines; l++) begin
        lv[l]     <= 1'b0;
        lrdy[l]   <= 1'b0;
        lar[l]    <= 1'b0;
        ldirty[l] <= 1'b0;
        lwip[l]   <= 1'b0;
        lwo[l]    <= '0;
        lhf[l]    <= 1'b0;
        lpin[l]   <= '0;
        lttl[l]   <= '0;
      end
    end else begin
      for (int l = 0; l < Lines; l++) begin
        logic [2:0] pin;
        logic [1:0] wo;
        pin = lpin[l];
        wo  = lwo[l];
        // an installed line's hold counts down; a lookup that finds the line at R renews it (its
        // frame's op is likely to follow)
        if (lttl[l] != 6'd0) lttl[l] <= lttl[l] - 6'd1;
        if (en && r_v && r_kv && ((r_f1[LI] && r_f1[LI-1:0] == LI'(l)) || (r_f2[LI] && r_f2[LI-1:0] == LI'(l))))
          lttl[l] <= 6'(InstallHold);
        if (lfree[l]) lv[l] <= 1'b0;
        // pins
        if ((pin1_hit && g_f1[LI-1:0] == LI'(l)) || (alloc1 && alloc1_l == LI'(l))) pin = pin + 3'd1;
        if ((pin2_hit && g_f2[LI-1:0] == LI'(l)) || (alloc2 && alloc2_l == LI'(l))) pin = pin + 3'd1;
        if ((sp_hit && sp_f[LI-1:0] == LI'(l)) || (sp_alloc && sp_l[LI-1:0] == LI'(l))) pin = pin + 3'd1;
        if (sp_drop && sp_line_q == LI'(l)) pin = pin - 3'd1;
        if (unpin && up_p[PinDelay-1][0] && up_l1[PinDelay-1] == LI'(l)) pin = pin - 3'd1;
        if (unpin && up_p[PinDelay-1][1] && up_l2[PinDelay-1] == LI'(l)) pin = pin - 3'd1;
        lpin[l] <= pin;
        // write-backs
        for (int c = 0; c < NCh; c++) begin
          if (wb_go[c] && wb_line[c] == LI'(l)) begin
            lwip[l]   <= 1'b1;
            ldirty[l] <= 1'b0;
          end
          if (wst_q[c] == 2'd2 && !wclr_q[c] && wline_q[c] == LI'(l) && m_axi_wready[c] && wbeat_q[c] == 2'd2) begin
            lwip[l] <= 1'b0;
            wo = wo + 2'd1;
          end
          if (m_axi_bvalid[c] && clear_done && m_axi_bid[c*IdBits +: LI] == LI'(l)) begin
            wo = wo - 2'd1;
          end
          if (fill_take[c] && fill_line[c] == LI'(l)) lar[l] <= 1'b0;
          if (fw_go[c] && pf_l[c] == LI'(l)) lrdy[l] <= 1'b1;  // its data is written
        end
        lwo[l] <= wo;
        // the scanner found no lookup in flight that may hold stale data of the line; or its guard
        // is dropped by force
        if ((hs_ok0 && hs_l0 == LI'(l)) || (hs_ok1 && hs_l1 == LI'(l))) lhf[l] <= 1'b0;
        if (force_free_o && ff_line == LI'(l)) lhf[l] <= 1'b0;
        // engine writes (after the above: a write in the clock the guard is dropped keeps it)
        if ((e_we[0] && e_f1[LI] && e_f1[LI-1:0] == LI'(l)) || (e_we[1] && e_f2[LI] && e_f2[LI-1:0] == LI'(l))) begin
          ldirty[l] <= 1'b1;
          lhf[l]    <= 1'b1;
        end
        // allocations and installs
        if ((alloc1 && alloc1_l == LI'(l)) || (alloc2 && alloc2_l == LI'(l))) begin
          lv[l]     <= 1'b1;
          lb[l]     <= (alloc2 && alloc2_l == LI'(l)) ? g_b2 : g_b1;
          lrdy[l]   <= 1'b0;
          lar[l]    <= 1'b1;
          ldirty[l] <= 1'b0;
          lttl[l]   <= '0;
        end
        if (sp_alloc && sp_l[LI-1:0] == LI'(l)) begin
          lv[l]     <= 1'b1;
          lb[l]     <= sp_b;
          lrdy[l]   <= 1'b0;
          lar[l]    <= 1'b1;
          ldirty[l] <= 1'b0;
          lttl[l]   <= '0;
        end
        if ((ins1 && ins1_l == LI'(l)) || (ins2 && ins2_l == LI'(l))) begin
          lv[l]     <= 1'b1;
          lb[l]     <= (ins2 && ins2_l == LI'(l)) ? r_a2 : r_a1;
          lrdy[l]   <= 1'b1;
          lar[l]    <= 1'b0;
          ldirty[l] <= 1'b0;
          lttl[l]   <= 6'(InstallHold);
        end
      end
      // Errors: the engine reads or writes a bucket no line holds with its data.
      if ((e_re[0] || e_we[0]) && !(e_f1[LI] && lrdy[e_f1[LI-1:0]])) err_q <= 1'b1;
      if ((e_re[1] || e_we[1]) && !(e_f2[LI] && lrdy[e_f2[LI-1:0]])) err_q <= 1'b1;
    end
  end

endmodule

`undef FT_HBM_ARRAY
`default_nettype wire
