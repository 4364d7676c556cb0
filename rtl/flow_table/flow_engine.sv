// Flow-table operation engine: executes FLOW_OP words in order on port B of the two sub-tables
// and on the stash, with exactly the results of FlowTableCore::execute (hls/flow_table).
//
// Front end (every state one clock with en_i):
//   Idle     an op is waiting (s_op TVALID): copy its TDATA (AXI-Stream keeps it stable until the
//            handshake, which comes last). An op with FLOW_OP.HINT (not AGE) carries its buckets:
//            its canonical key is formed from TDATA and its buckets are read in this clock (the
//            Read below), so it goes straight to Compare.
//   Canon    canonical key, fields
//   Hash     4 clocks through flow_hash: the key's two buckets
//   Read     read both buckets (or the AGE unit's bucket) once no pending write conflicts: no write
//            slot writes in this clock (port B), none holds a write to either bucket, a stash
//            entry or an AGE, the op decided in this clock (d2_q) shares neither bucket and did not
//            find its key in the stash, and at most the event going out now is left; an AGE waits
//            for an idle back end
//   Compare  the 305-bit key compares of both buckets and the stash, into registers (an AGE: its
//            unit's expiry candidates); an op that
//            cannot need a walk (not an INSERT into two full buckets: valid bits only) is accepted
//            here when a write slot and the event registers are free by the next clock (the
//            handshake H), and is decided in H + 1 while the front end takes the next op (Idle)
//   Decide   match / free slots / stash; stage the op's one write and its events (also in H + 1
//            of an op accepted in Compare); an op that needs no walk and was not accepted in
//            Compare is accepted in this clock when a write slot is free, else it waits in Accept;
//            a walk starts once the back end is idle (WalkWait)
//   Walk     9 clocks per step: hash the 4 victims, read their other buckets, pick the lowest slot
//            whose bucket has room, else continue through the LFSR's choice (WalkRead, WalkLoad)
//   Stash    the walk failed: first free stash entry, else FULL
//   CmRead/CmWrite  the walk's moves from the free end of the path back, two clocks each; every
//            key stays in at least one of its slots throughout, so these writes change no lookup
//   Accept   s_op TREADY after a walk, an AGE or a busy back end: the handshake (clock H) once the
//            back end is idle; the staged write goes to a write slot
// So a hinted op without a walk takes 2 clocks (Read, Compare/handshake; its Decide overlaps the
// next op's Read): one insert per 2 clocks.
// Activity (docs/flow_table.md, "Activity"): the lookup pipeline marks the slots it hits in the
// activity memories (flow_activity_ram, port A) and the stash bits here (mark_stash_i), in clock
// t + ReadStage + 1 of a lookup accepted in clock t. The engine writes a 1 with every new or moved
// entry (insert, walk move). An AGE decides in its handshake clock H from the marks as they were
// in clock H - 1 (the unit's activity word read in H - 1, the stash bits registered in H - 1), so
// it sees the marks of lookups accepted in H - 8 or earlier: a marked entry gets LAST_SEEN := TIME
// and its mark cleared (except where a lookup marks it in clocks H - 1 .. H + ReadStage - 1, the
// keep mask, so no later mark is lost), an unmarked one expires when idle past its timeout.
// Back end: pushes the op's events (one per clock, from the clock after it is staged: H + 1, or
// H + 2 when accepted in Compare; one clock later for an op that found its key and was handshaken
// at Decide, whose found value enters its event and write in the clock after Decide, the patch
// clock); one of two write slots performs the staged write in clock H + ReadStage - 1, and the
// counters take the op's effect in the clock after it is staged. Decide works from registers
// (Compare's matches and free-slot summary) and port B's data only through the found value.
// The lookup pipeline reads table and stash ReadStage clocks after its own handshake, so a lookup
// accepted in clock H or later sees the op and one accepted earlier does not: the visibility rule
// of docs/flow_table.md. Everything advances only with en_i (the global enable of the lookup
// pipeline), so the rule holds in enabled clocks under any back-pressure.
// After reset the engine clears both sub-tables and the activity memories (2^BucketLog2Max clocks;
// the activity memories only with ClearTable = 0) before init_done_o.
`default_nettype none

module flow_engine #(
  parameter int unsigned BucketLog2Max = 9,   // buckets per sub-table = 2^BucketLog2Max
  parameter int unsigned StashSize     = 16,  // stash entries, a power of two 2..32
  parameter int unsigned WalkMax       = 16,  // largest WALK_STEPS
  parameter int unsigned ReadStage     = 5,   // lookup read clock after its handshake (>= Slots+1)
  // 1: the initialisation clears both sub-tables on port B (on-chip memories); 0: it clears the
  // activity memories only, and the table's memory is cleared by its owner (flow_table_hbm clears
  // the HBM over AXI)
  parameter bit          ClearTable    = 1'b1
) (
  input  wire logic                       clk_i,
  input  wire logic                       rst_ni,
  input  wire logic                       en_i,
  // Registers (clamped by the caller)
  input  wire logic [4:0]                 bucket_log2_i,
  input  wire logic [5:0]                 walk_steps_i,
  input  wire logic [31:0]                timeout_new_i,
  input  wire logic [31:0]                timeout_est_i,
  input  wire logic [31:0]                timeout_closing_i,
  input  wire logic [3:0]                 mature_sweeps_i,   // SYNC_MATURE.SWEEPS; 0: no maturing
  input  wire logic                       mature_gen_i,      // SYNC_MATURE.GEN
  input  wire logic                       keepalive_i,       // SYNC_MATURE.KEEPALIVE
  input  wire logic [31:0]                seed1_i,
  input  wire logic [31:0]                seed2_i,
  input  wire logic                       counter_clear_i,
  // Operations (FLOW_OP)
  input  wire logic [conductor_regs_pkg::FLOW_OP_BITS-1:0] s_op_tdata_i,
  input  wire logic                       s_op_tvalid_i,
  output      logic                       s_op_tready_o,
  // Events (FLOW_EVENT) into the event FIFO
  output      logic                       ev_we_o,
  output      logic [conductor_regs_pkg::FLOW_EVENT_BITS-1:0] ev_data_o,
  input  wire logic                       ev_room_i,   // room for 4 more events
  // Port B of sub-table 1 (bit 0 / low half) and 2 (bit 1 / high half)
  output      logic [1:0]                 ram_re_o,
  output      logic [1:0]                 ram_we_o,
  output      logic [2*BucketLog2Max-1:0] ram_addr_o,
  output      logic [7:0]                 ram_slot_we_o,
  output      logic [1479:0]              ram_wbkt_o,   // the bucket word a write puts in the written slots
  input  wire logic [2*1480-1:0]          ram_rdata_i,
  // Port B of the activity memories of sub-table 1 (bit 0 / low half) and 2 (bit 1 / high half)
  output      logic [1:0]                 act_re_o,
  output      logic [1:0]                 act_we_o,
  output      logic [2*BucketLog2Max-1:0] act_addr_o,
  output      logic [7:0]                 act_wmask_o,
  output      logic [7:0]                 act_wdata_o,
  input  wire logic [7:0]                 act_rdata_i,
  // The lookup pipeline's marks of this clock (already gated by en_i): activity memory writes
  // (sub-table 1 / 2: write, bucket, slots) and stash entries
  input  wire logic [1:0]                 mark_we_i,
  input  wire logic [2*BucketLog2Max-1:0] mark_addr_i,
  input  wire logic [7:0]                 mark_set_i,
  input  wire logic [StashSize-1:0]       mark_stash_i,
  // Stash, for the lookup pipeline
  output      logic [StashSize*370-1:0]   stash_o,
  output      logic                       init_done_o,
  // Counters (block flow_table)
  output      logic [31:0]                occupancy_o,
  output      logic [31:0]                stash_used_o,
  output      logic [31:0]                now_o,
  output      logic [31:0]                age_cursor_o,
  output      logic [31:0]                first_full_occupancy_o,
  output      logic [31:0]                inserts_o,
  output      logic [31:0]                insert_full_o,
  output      logic [31:0]                insert_exists_o,
  output      logic [31:0]                updates_o,
  output      logic [31:0]                touches_o,
  output      logic [31:0]                deletes_o,
  output      logic [31:0]                not_found_o,
  output      logic [31:0]                expiries_o,
  output      logic [31:0]                age_steps_o,
  output      logic [31:0]                invalid_ops_o,
  output      logic [31:0]                moves_o,
  output      logic [31:0]                matured_o
);
  localparam int unsigned BL       = BucketLog2Max;
  localparam int unsigned Slots    = 4;
  localparam int unsigned KeyBits  = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;  // 305
  localparam int unsigned SlotBits = 370;                  // key, value, valid (FLOW_ENTRY 369:0)
  localparam int unsigned ValLsb   = KeyBits;              // 305
  localparam int unsigned VldBit   = SlotBits - 1;         // 369
  localparam int unsigned SyncLsb  = conductor_regs_pkg::FLOW_VALUE_SYNC_FLAGS_LSB;  // within a value
  localparam int unsigned BktBits  = Slots * SlotBits;     // 1480
  localparam int unsigned PathLen  = WalkMax + 1;
  localparam int unsigned SI       = $clog2(StashSize);
  localparam int unsigned UnitBits = BL + 2;               // sweep units < 2 * 2^BL + StashSize
  localparam logic [15:0] LfsrReset = 16'hACE1;
  localparam logic [15:0] LfsrTaps  = 16'hB400;
  localparam logic [2:0]  BackLoad  = 3'(ReadStage - 1);

  // FLOW_OP / FLOW_EVENT fields
  localparam int unsigned OpKeyLsb = conductor_regs_pkg::FLOW_OP_KEY_LSB;
  localparam int unsigned OpValLsb = conductor_regs_pkg::FLOW_OP_VALUE_LSB;
  localparam int unsigned OpTimLsb = conductor_regs_pkg::FLOW_OP_TIME_LSB;
  localparam int unsigned OpTagLsb = conductor_regs_pkg::FLOW_OP_TAG_LSB;
  localparam int unsigned OpOpcLsb = conductor_regs_pkg::FLOW_OP_OPCODE_LSB;

  // Opcodes, statuses and WHERE values: the enums FLOW_OP_OPCODE_*, FLOW_EVENT_STATUS_* and
  // FLOW_EVENT_WHERE_* of conductor_regs_pkg (rtl/csr/conductor.regs).

  localparam logic [1:0] FinNone  = 2'd0;
  localparam logic [1:0] FinTable = 2'd1;
  localparam logic [1:0] FinStash = 2'd2;

  if (ReadStage < Slots + 1 || ReadStage > 8) begin : gen_bad_stage
    $error("ReadStage must be within Slots+1..8 (the back end pushes up to Slots events first)");
  end
  if (StashSize < 2 || StashSize > 32 || (2 ** SI) != StashSize) begin : gen_bad_stash
    $error("StashSize must be a power of two within 2..32");
  end
  if (WalkMax < 1 || WalkMax > 63) begin : gen_bad_walk
    $error("WalkMax must be within 1..63");
  end
  if (BL < 1 || BL > 25) begin : gen_bad_bl
    $error("BucketLog2Max must be within 1..25 (FLOW_OP.BUCKET1/2 are 25 bits)");
  end

  // Selects with constant part-select bounds only. Yosys 0.23 lowers a part-select whose start is
  // a variable times the width (x[i*W +: W]) into shifters over the whole vector, and a write to
  // one into a shift of the data and a mask: for the 2,960-bit write slots that was 8 LUT levels
  // and some 70,000 LUTs where a 2:1 select per bit is 1 level. So every indexed access here is an
  // explicit compare with each constant index.
  function automatic logic [SlotBits-1:0] bkt_slot(input logic [BktBits-1:0] b, input logic [1:0] s);
    bkt_slot = '0;
    for (int i = 0; i < Slots; i++) if (s == 2'(i)) bkt_slot = b[i*SlotBits +: SlotBits];
  endfunction
  function automatic logic [SlotBits-1:0] stash_ent(input logic [StashSize*SlotBits-1:0] st,
                                                    input logic [SI-1:0] i);
    stash_ent = '0;
    for (int e = 0; e < StashSize; e++) if (i == SI'(e)) stash_ent = st[e*SlotBits +: SlotBits];
  endfunction
  function automatic logic [BL-1:0] bl_of4(input logic [4*BL-1:0] v, input logic [1:0] s);
    bl_of4 = '0;
    for (int i = 0; i < 4; i++) if (s == 2'(i)) bl_of4 = v[i*BL +: BL];
  endfunction
  function automatic logic [1:0] two_of4(input logic [7:0] v, input logic [1:0] s);
    two_of4 = '0;
    for (int i = 0; i < 4; i++) if (s == 2'(i)) two_of4 = v[i*2 +: 2];
  endfunction
  function automatic logic [1:0] onehot2(input logic b);  // bit b of a 2-bit vector
    onehot2 = b ? 2'b10 : 2'b01;
  endfunction
  function automatic logic bit_of(input logic [StashSize-1:0] v, input logic [SI-1:0] i);
    bit_of = 1'b0;
    for (int e = 0; e < StashSize; e++) if (i == SI'(e)) bit_of = v[e];
  endfunction

  typedef enum logic [3:0] {
    FsInit, FsIdle, FsCanon, FsHash, FsRead, FsCompare, FsDecide, FsWalk, FsWalkRead, FsWalkLoad,
    FsStash, FsCmRead, FsCmWrite, FsAccept, FsWalkWait
  } fstate_e;

  // ---------------------------------------------------------------- state
  fstate_e               fs_d, fs_q;
  logic [BL-1:0]         init_addr_d, init_addr_q;
  logic                  init_done_d, init_done_q;
  logic [conductor_regs_pkg::FLOW_OP_BITS-1:0] opw_d, opw_q;
  logic [3:0]            opc_d, opc_q;
  logic                  kv_d, kv_q;
  logic [KeyBits-1:0]    ck_d, ck_q;
  logic [63:0]           val_d, val_q;
  logic [31:0]           tim_d, tim_q;
  logic [15:0]           tag_d, tag_q;
  logic [1:0]            hc_d, hc_q;
  logic [BL-1:0]         b1_d, b1_q, b2_d, b2_q;
  logic [UnitBits-1:0]   au_d, au_q;              // AGE unit (from the cursor in the first Hash clock)
  // The unit decoded in the last Hash clock, so no port-B or activity address decodes au_q: in the
  // stash, in sub-table 2, its bucket in its sub-table, its stash entry. Only these are used while
  // an AGE's write is pending; au_q may change under them.
  logic                  au_st_d, au_st_q, au_t2_d, au_t2_q;
  logic [BL-1:0]         au_b_d, au_b_q;
  logic [SI-1:0]         au_si_d, au_si_q;
  logic [31:0]           anext_d, anext_q;        // AGE_CURSOR after this AGE
  logic                  cur_t_d, cur_t_q;
  logic [BL-1:0]         cur_b_d, cur_b_q;
  logic [BktBits-1:0]    cur_d, cur_q;
  logic [5:0]            step_d, step_q;
  logic [3:0]            sc_d, sc_q;
  logic [4*BL-1:0]       alt_d, alt_q;
  logic [3:0]            ok_d, ok_q, fr_d, fr_q;
  logic [7:0]            fsl_d, fsl_q;            // first free slot of each candidate bucket
  logic [PathLen-1:0]    path_t_d, path_t_q;
  logic [PathLen*BL-1:0] path_b_d, path_b_q;
  logic [PathLen*2-1:0]  path_s_d, path_s_q;
  logic [5:0]            len_d, len_q;
  logic [5:0]            cmj_d, cmj_q;
  logic [15:0]           lfsr_d, lfsr_q;
  logic [StashSize*SlotBits-1:0] stash_d, stash_q;
  logic [StashSize-1:0]  sact_d, sact_q;           // stash activity
  logic [4:0]            age_vld_d, age_vld_q, age_cand_d, age_cand_q;  // AGE unit: valid, idle past timeout
  logic [4:0]            age_uns_d, age_uns_q, age_rip_d, age_rip_q;    // ... valid and unsynced, ripe (FLOW_SYNC)
  logic [4:0]            age_syn_d, age_syn_q;    // ... valid and synced, under KEEPALIVE
  logic [3:0]            keep_d, keep_q;          // marks on the AGE unit since clock H - 1
  // Staged effect of the op (written by the front end before Accept, used by the back end).
  logic [1:0]            fin_kind_d, fin_kind_q;
  logic                  fin_t_d, fin_t_q;
  logic [BL-1:0]         fin_b_d, fin_b_q;
  logic [3:0]            fin_mask_d, fin_mask_q;
  logic [BktBits-1:0]    fin_wbkt_d, fin_wbkt_q;  // per-slot images (a single-slot write repeats one)
  logic                  fin_actset_d, fin_actset_q;  // the write puts a new entry: mark it
  logic [3:0]            fin_actclr_d, fin_actclr_q;  // AGE: marks to clear (refreshed entries)
  logic [SI-1:0]         fin_sidx_d, fin_sidx_q;
  logic [3:0]            ev_status_d, ev_status_q, ev_opc_d, ev_opc_q;
  logic [1:0]            ev_where_d, ev_where_q;
  logic [5:0]            ev_moves_d, ev_moves_q;
  logic [15:0]           ev_tag_d, ev_tag_q;
  logic [BktBits-1:0]    ev_ent_d, ev_ent_q;
  logic [3:0]            ev_mask_d, ev_mask_q;
  logic [3:0]            ev_mat_d, ev_mat_q;      // AGE: the events of these slots are MATURED (else EXPIRED)
  logic [3:0]            ev_kal_d, ev_kal_q;      // AGE: ... REFRESHED (KEEPALIVE)
  // Staged counter effects.
  logic                  c_ins_d, c_ins_q, c_full_d, c_full_q, c_exists_d, c_exists_q;
  logic                  c_upd_d, c_upd_q, c_tch_d, c_tch_q, c_del_d, c_del_q, c_nf_d, c_nf_q;
  logic                  c_inv_d, c_inv_q, c_age_d, c_age_q, c_sinc_d, c_sinc_q, c_sdec_d, c_sdec_q;
  logic [5:0]            c_moves_d, c_moves_q;
  // Back end: the events of the last accepted op, two write slots (ops are accepted >= 2 clocks
  // apart and write 4 clocks after their handshake), and the counter effects of the op accepted in
  // the previous clock.
  logic [3:0]            bk_evm_d, bk_evm_q;
  logic [2*3-1:0]        ws_cnt_d, ws_cnt_q;      // per slot i at [i*3 +: 3]: clocks to the write (1: this clock), 0: free
  logic [1:0]            ws_one_d, ws_one_q;      // slot i's count is 1 / is 0, kept beside the counts so
  logic [1:0]            ws_zero_d, ws_zero_q;    // that no port-B address or handshake decodes them
  logic [1:0]            ws_age_d, ws_age_q;
  logic [2*2-1:0]        ws_kind_d, ws_kind_q;
  logic [1:0]            ws_t_d, ws_t_q;
  logic [2*BL-1:0]       ws_b_d, ws_b_q;
  logic [2*4-1:0]        ws_mask_d, ws_mask_q;
  logic [2*BktBits-1:0]  ws_wbkt_d, ws_wbkt_q;
  logic [1:0]            ws_actset_d, ws_actset_q;
  logic [2*4-1:0]        ws_actclr_d, ws_actclr_q;
  logic [2*SI-1:0]       ws_sidx_d, ws_sidx_q;
  logic                  cnt_go_d, cnt_go_q;          // apply the c_* effects this clock
  logic                  d2_d, d2_q;                  // the op handshaken in Compare last clock is decided now
  // The found entry's value after the op (nv) is registered at Decide and put into the op's event
  // and write in the next clock (the patch clock), so no clock holds both the selection of the found
  // entry from port B's data and what depends on it. The event of an op staged at Decide is held
  // for that clock.
  logic [63:0]           nv_d, nv_q;
  logic                  pt_ev_d, pt_ev_q;            // patch the event's value
  logic                  pt_ws_d, pt_ws_q;            // patch the write's image
  logic                  pt_in_d, pt_in_q;            // ... in write slot pt_slot as well (handshaken at Decide)
  logic                  pt_slot_d, pt_slot_q;
  logic [2:0]            c_nexp_d, c_nexp_q;          // an AGE's expired table entries
  logic                  c_sexp_d, c_sexp_q;          // an AGE's expired stash entry
  // Counters.
  logic [31:0] occ_d, occ_q, sused_d, sused_q, now_d, now_q, cursor_d, cursor_q, ffull_d, ffull_q;
  logic [31:0] n_ins_d, n_ins_q, n_full_d, n_full_q, n_exists_d, n_exists_q, n_upd_d, n_upd_q;
  logic [31:0] n_tch_d, n_tch_q, n_del_d, n_del_q, n_nf_d, n_nf_q, n_exp_d, n_exp_q;
  logic [31:0] n_age_d, n_age_q, n_inv_d, n_inv_q, n_mov_d, n_mov_q, n_mat_d, n_mat_q;

  // ---------------------------------------------------------------- geometry
  // Static settings (CTRL, registered in flow_table): decoded into registers here, so no path of
  // the engine starts at the shift and clamp of BUCKET_LOG2. A CTRL write takes effect 2 clocks
  // after its W handshake (the AXI-Lite B response comes later still).
  logic [BL-1:0]       mask;
  logic [UnitBits-1:0] nb, nb2, units;
  logic [5:0]          steps;
  always_ff @(posedge clk_i) begin
    mask  <= BL'((32'd1 << bucket_log2_i) - 32'd1);
    nb    <= UnitBits'(32'd1 << bucket_log2_i);
    nb2   <= UnitBits'(32'd2 << bucket_log2_i);
    units <= UnitBits'((32'd2 << bucket_log2_i) + StashSize);
    steps <= walk_steps_i;
  end

  // ---------------------------------------------------------------- canonical key, hash
  logic [KeyBits-1:0] canon_key;
  logic               canon_valid;
  flow_canon u_canon (
    .key_i   (opw_q[OpKeyLsb +: conductor_regs_pkg::FLOW_KEY_BITS]),
    .ckey_o  (canon_key),
    .valid_o (canon_valid)
  );

  // A hinted op: canonical key straight from TDATA, buckets from its hint.
  logic [KeyBits-1:0] in_ckey;
  logic               in_kv, in_hint;
  logic [BL-1:0]      in_b1, in_b2;
  flow_canon u_canon_in (
    .key_i   (s_op_tdata_i[OpKeyLsb +: conductor_regs_pkg::FLOW_KEY_BITS]),
    .ckey_o  (in_ckey),
    .valid_o (in_kv)
  );
  assign in_hint = s_op_tdata_i[conductor_regs_pkg::FLOW_OP_HINT_LSB] &&
                   s_op_tdata_i[OpOpcLsb +: 4] != conductor_regs_pkg::FLOW_OP_OPCODE_AGE;
  assign in_b1   = BL'(s_op_tdata_i[conductor_regs_pkg::FLOW_OP_BUCKET1_LSB +: BL]) & mask;
  assign in_b2   = BL'(s_op_tdata_i[conductor_regs_pkg::FLOW_OP_BUCKET2_LSB +: BL]) & mask;

  logic [KeyBits-1:0] hash_key;
  logic [31:0]        h1, h2;
  flow_hash #(.KeyBits(KeyBits)) u_hash (
    .clk_i   (clk_i),
    .en_i    (en_i),
    .key_i   (hash_key),
    .seed1_i (seed1_i),
    .seed2_i (seed2_i),
    .h1_o    (h1),
    .h2_o    (h2)
  );
  // Hash input: the op's key in the first Hash clock, victim sc (0..3) in Walk clocks 0..3.
  logic [SlotBits-1:0] victim;
  assign victim = bkt_slot(cur_q, sc_q[1:0]);
  always_comb begin
    hash_key = ck_q;
    if (fs_q == FsWalk && sc_q < 4'd4) hash_key = victim[KeyBits-1:0];
  end

  // ---------------------------------------------------------------- bucket and stash views
  logic [BktBits-1:0] rd1, rd2;
  assign rd1 = ram_rdata_i[0 +: BktBits];
  assign rd2 = ram_rdata_i[BktBits +: BktBits];

  // Key matches of the op's two buckets and of the stash, compared in Compare (the clock after the
  // read) and registered for Decide: no clock holds both a 305-bit compare and what depends on it.
  // Port B keeps its read data until the next read, and no read happens in Compare, so Decide still
  // sees the buckets; the stash cannot change between Read and Decide (rd_ok_*). Free slots come
  // from the valid bits alone (Compare, Decide, Stash).
  logic [3:0]           m1_c, m2_c, m1, m2, free1, free2;
  logic [StashSize-1:0] ms_c, ms, sfree;
  always_comb begin
    for (int s = 0; s < Slots; s++) begin
      m1_c[s]  = rd1[s*SlotBits + VldBit] && rd1[s*SlotBits +: KeyBits] == ck_q;
      m2_c[s]  = rd2[s*SlotBits + VldBit] && rd2[s*SlotBits +: KeyBits] == ck_q;
      free1[s] = !rd1[s*SlotBits + VldBit];
      free2[s] = !rd2[s*SlotBits + VldBit];
    end
    for (int i = 0; i < StashSize; i++) begin
      ms_c[i]  = stash_q[i*SlotBits + VldBit] && stash_q[i*SlotBits +: KeyBits] == ck_q;
      sfree[i] = !stash_q[i*SlotBits + VldBit];
    end
  end
  // First set bits and counts.
  logic [1:0]    m1_at, m2_at, f1_at, f2_at;
  logic [SI-1:0] ms_at, sf_at;
  logic [2:0]    f1_n, f2_n;
  always_comb begin
    m1_at = '0;
    m2_at = '0;
    f1_at = '0;
    f2_at = '0;
    f1_n  = '0;
    f2_n  = '0;
    for (int s = Slots - 1; s >= 0; s--) begin
      if (m1[s]) m1_at = 2'(s);
      if (m2[s]) m2_at = 2'(s);
      if (free1[s]) f1_at = 2'(s);
      if (free2[s]) f2_at = 2'(s);
      f1_n = f1_n + 3'(free1[s]);
      f2_n = f2_n + 3'(free2[s]);
    end
    ms_at = '0;
    sf_at = '0;
    // (the free-slot summary is registered in Compare below)
    for (int i = StashSize - 1; i >= 0; i--) begin
      if (ms[i]) ms_at = SI'(i);
      if (sfree[i]) sf_at = SI'(i);
    end
  end
  // Registered in Compare for Decide, so no decision reads port B's data: the matches, whether
  // both buckets are full, which bucket has more free slots and the first free slot of each.
  logic       full2, f1ge;
  logic [1:0] f1at, f2at;
  always_ff @(posedge clk_i) begin
    if (en_i && fs_q == FsCompare) begin
      m1    <= m1_c;
      m2    <= m2_c;
      ms    <= ms_c;
      full2 <= free1 == 4'd0 && free2 == 4'd0;
      f1ge  <= f1_n >= f2_n;
      f1at  <= f1_at;
      f2at  <= f2_at;
    end
  end

  // Expiry of the AGE unit's slots (bucket rd of the unit's sub-table, or the stash entry).
  logic [BktBits-1:0]  age_bkt;
  logic [SlotBits-1:0] age_sent;
  logic [3:0]          age_exp;
  logic                age_sexp;
  logic                age_in_t2, age_in_stash;
  logic [SI-1:0]       age_sidx;
  assign age_in_stash = au_st_q;
  assign age_in_t2    = au_t2_q;
  assign age_sidx     = au_si_q;
  assign age_bkt      = age_in_t2 ? rd2 : rd1;
  // The unit's stash entry, taken in Read (an AGE reads from an idle back end, so the stash does not
  // change until its handshake): Compare's expiry test starts from a register.
  always_ff @(posedge clk_i) begin
    if (en_i && fs_q == FsRead) age_sent <= stash_ent(stash_q, age_sidx);
  end

  // Five candidates: the unit bucket's four slots and the unit stash entry.
  logic [4:0]    x_valid, x_exp, x_uns, x_rip, x_syn;
  logic [5*64-1:0] x_val;
  logic [5*32-1:0] x_to, x_idle;
  assign x_val   = {age_sent[ValLsb +: 64], age_bkt[3*SlotBits + ValLsb +: 64],
                    age_bkt[2*SlotBits + ValLsb +: 64], age_bkt[1*SlotBits + ValLsb +: 64],
                    age_bkt[ValLsb +: 64]};
  assign x_valid = {age_sent[VldBit], age_bkt[3*SlotBits + VldBit], age_bkt[2*SlotBits + VldBit],
                    age_bkt[1*SlotBits + VldBit], age_bkt[VldBit]};
  always_comb begin
    for (int s = 0; s < 5; s++) begin
      unique case (x_val[s*64 + conductor_regs_pkg::FLOW_VALUE_STATE_LSB +: 2])
        2'd0:    x_to[s*32 +: 32] = timeout_new_i;
        2'd1:    x_to[s*32 +: 32] = timeout_est_i;
        default: x_to[s*32 +: 32] = timeout_closing_i;
      endcase
      x_idle[s*32 +: 32] = tim_q - x_val[s*64 + conductor_regs_pkg::FLOW_VALUE_LAST_SEEN_LSB +: 32];
      x_exp[s] = x_valid[s] && x_to[s*32 +: 32] != 32'd0 && x_idle[s*32 +: 32] > x_to[s*32 +: 32];
      // Delayed notifications: valid and not offered to sync in this generation (SYNCED with EPOCH =
  // GEN), and
  // ripe: this sweep is its
      // SYNC_MATURE-th (the count saturates at 15, so a count of 15 is always ripe).
      x_uns[s] = x_valid[s] && mature_sweeps_i != 4'd0 &&
                 !(x_val[s*64 + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SYNCED_LSB] &&
                   x_val[s*64 + SyncLsb + conductor_regs_pkg::FLOW_SYNC_EPOCH_LSB] == mature_gen_i);
      // Keepalive: valid and synced (a refresh from its mark is reported).
      x_syn[s] = x_valid[s] && keepalive_i &&
                 x_val[s*64 + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SYNCED_LSB] &&
                 x_val[s*64 + SyncLsb + conductor_regs_pkg::FLOW_SYNC_EPOCH_LSB] == mature_gen_i;
      x_rip[s] = x_val[s*64 + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SWEEPS_LSB +: 4] == 4'd15 ||
                 x_val[s*64 + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SWEEPS_LSB +: 4] + 4'd1 >= mature_sweeps_i;
    end
  end
  // Registered in Compare (an AGE goes Read, Compare, Decide), so Decide's event mask and staged
  // write start from registers: the unit's entries that are valid and idle past their timeout.
  logic [4:0] x_valid_q, x_exp_q, x_uns_q, x_rip_q, x_syn_q;
  always_ff @(posedge clk_i) begin
    if (en_i && fs_q == FsCompare) begin
      x_valid_q <= x_valid;
      x_exp_q   <= x_exp;
      x_uns_q   <= x_uns;
      x_syn_q   <= x_syn;
      x_rip_q   <= x_rip;
    end
  end
  assign age_exp  = x_exp_q[3:0];
  assign age_sexp = x_exp_q[4];
  // Each slot's FLOW_SYNC.SWEEPS + 1 (saturating at 15) in the AGE's staged bucket (ev_ent_q, its
  // stash entry in slot 0): what Accept writes for an unsynced entry that stays.
  logic [4*4-1:0] ev_sweeps1;
  always_comb begin
    for (int s = 0; s < Slots; s++) begin
      ev_sweeps1[s*4 +: 4] = ev_ent_q[s*SlotBits + ValLsb + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SWEEPS_LSB +: 4];
      if (ev_sweeps1[s*4 +: 4] != 4'd15) ev_sweeps1[s*4 +: 4] = ev_sweeps1[s*4 +: 4] + 4'd1;
    end
  end

  // The unit stash entry's mark as of the previous clock (the unit does not change during an AGE), and whether the walk's step is its last (step_q changes only
  // in the step's decision clock, 9 clocks apart): registers, so neither waits for a select or a
  // subtraction.
  logic sact_unit_q, wlast_q;
  always_ff @(posedge clk_i) begin
    if (en_i) sact_unit_q <= bit_of(sact_q, age_sidx);
    wlast_q <= step_q == steps - 6'd1;
  end

  // The AGE's decision in its handshake clock: marks as of the previous clock (aa_act), entries
  // that were valid and idle past their timeout at Compare (age_vld_q, age_cand_q; the unit cannot
  // change before the handshake: one op at a time, lookups do not write entries).
  logic [3:0] aa_act, aa_vld, aa_cand, aa_exp, aa_ref, aa_uns, aa_rip, aa_sync, aa_mat, aa_syn, aa_kal, mark_unit;
  logic [2:0] aa_nexp;
  logic [BktBits-1:0] aa_wbkt;
  always_comb begin
    if (age_in_stash) begin
      aa_act  = {3'b000, sact_unit_q};
      aa_vld  = {3'b000, age_vld_q[4]};
      aa_cand = {3'b000, age_cand_q[4]};
      aa_uns  = {3'b000, age_uns_q[4]};
      aa_rip  = {3'b000, age_rip_q[4]};
      aa_syn  = {3'b000, age_syn_q[4]};
    end else begin
      aa_act  = age_in_t2 ? act_rdata_i[7:4] : act_rdata_i[3:0];
      aa_vld  = age_vld_q[3:0];
      aa_cand = age_cand_q[3:0];
      aa_uns  = age_uns_q[3:0];
      aa_rip  = age_rip_q[3:0];
      aa_syn  = age_syn_q[3:0];
    end
    aa_ref  = aa_vld & aa_act;
    aa_exp  = aa_cand & ~aa_act;
    aa_sync = aa_uns & ~aa_exp;  // stays, unsynced: counts this sweep
    aa_mat  = aa_sync & aa_rip;  // ... and matures now
    aa_kal  = aa_ref & aa_syn;   // refreshed and synced: a keepalive (REFRESHED)
    aa_nexp = 3'(aa_exp[0]) + 3'(aa_exp[1]) + 3'(aa_exp[2]) + 3'(aa_exp[3]);
    // Expired slots become empty, refreshed ones take LAST_SEEN := TIME, unsynced ones count the
    // sweep (FLOW_SYNC.SWEEPS + 1, saturating) and take SYNCED when they mature.
    aa_wbkt = '0;
    for (int s = 0; s < Slots; s++) begin
      if (aa_ref[s] || aa_sync[s]) aa_wbkt[s*SlotBits +: SlotBits] = ev_ent_q[s*SlotBits +: SlotBits];
      if (aa_ref[s]) aa_wbkt[s*SlotBits + ValLsb + conductor_regs_pkg::FLOW_VALUE_LAST_SEEN_LSB +: 32] = tim_q;
      if (aa_sync[s]) begin
        aa_wbkt[s*SlotBits + ValLsb + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SWEEPS_LSB +: 4] = ev_sweeps1[s*4 +: 4];
        if (aa_rip[s]) begin
          aa_wbkt[s*SlotBits + ValLsb + SyncLsb + conductor_regs_pkg::FLOW_SYNC_SYNCED_LSB] = 1'b1;
          aa_wbkt[s*SlotBits + ValLsb + SyncLsb + conductor_regs_pkg::FLOW_SYNC_EPOCH_LSB]  = mature_gen_i;
        end
      end
    end
    // This clock's lookup marks on the unit's slots (bit 0: its stash entry).
    if (age_in_stash) mark_unit = {3'b000, bit_of(mark_stash_i, age_sidx)};
    else if (age_in_t2) mark_unit = (mark_we_i[1] && mark_addr_i[BL +: BL] == au_b_q) ? mark_set_i[7:4] : 4'd0;
    else mark_unit = (mark_we_i[0] && mark_addr_i[0 +: BL] == au_b_q) ? mark_set_i[3:0] : 4'd0;
  end

  // ---------------------------------------------------------------- walk helpers
  logic other_t;  // the sub-table the walk's candidates are in
  assign other_t = !cur_t_q;
  // Candidate of the current walk clock (sc 3..6): the victim's bucket in the other sub-table,
  // and whether that bucket is already on the path.
  logic [BL-1:0] cand_b;
  logic          cand_on_path;
  always_comb begin
    cand_b = BL'((cur_t_q ? h1 : h2) & 32'(mask));
    cand_on_path = 1'b0;
    for (int p = 0; p < PathLen; p++) begin
      if (6'(p) < len_q && path_t_q[p] == !cur_t_q && path_b_q[p*BL +: BL] == cand_b)
        cand_on_path = 1'b1;
    end
  end
  // Free slots of the candidate bucket read in the previous clock (sc 4..7).
  logic [BktBits-1:0] cand_rd;
  logic               cand_free;
  logic [1:0]         cand_fslot;
  assign cand_rd = cur_t_q ? rd1 : rd2;
  always_comb begin
    cand_free  = 1'b0;
    cand_fslot = '0;
    for (int s = Slots - 1; s >= 0; s--) begin
      if (!cand_rd[s*SlotBits + VldBit]) begin
        cand_free  = 1'b1;
        cand_fslot = 2'(s);
      end
    end
  end
  // Step decision (sc 8): lowest ok slot with room; else the LFSR's pick among ok slots.
  logic        wk_found;
  logic [1:0]  wk_s, wk_pick;
  logic        wk_pick_ok;
  logic [15:0] lfsr_nx;
  assign lfsr_nx = (lfsr_q >> 1) ^ (lfsr_q[0] ? LfsrTaps : 16'd0);
  always_comb begin
    wk_found = 1'b0;
    wk_s     = '0;
    for (int s = Slots - 1; s >= 0; s--) begin
      if (ok_q[s] && fr_q[s]) begin
        wk_found = 1'b1;
        wk_s     = 2'(s);
      end
    end
    wk_pick_ok = 1'b0;
    wk_pick    = '0;
    for (int j = Slots - 1; j >= 0; j--) begin
      logic [1:0] s;
      s = lfsr_nx[1:0] + 2'(j);
      if (ok_q[s]) begin
        wk_pick_ok = 1'b1;
        wk_pick    = s;
      end
    end
  end

  logic [BL-1:0] wk_alt;  // the found slot's bucket in the other sub-table, and its free slot
  logic [1:0]    wk_fsl;
  assign wk_alt = bl_of4(alt_q, wk_s);
  assign wk_fsl = two_of4(fsl_q, wk_s);

  // Commit: path entries j (dst) and j-1 (src), in registers loaded the clock before they are
  // used (when the walk finds its free slot, and in each CmWrite for the next pair), so no port-B
  // address comes out of an indexed read of the path.
  logic          cm_t_src, cm_t_dst, cm_ld, cm_t_src_n, cm_t_dst_n;
  logic [BL-1:0] cm_b_src, cm_b_dst, cm_b_src_n, cm_b_dst_n;
  logic [1:0]    cm_s_src, cm_s_dst, cm_s_src_n, cm_s_dst_n;
  always_ff @(posedge clk_i) begin
    if (cm_ld) begin
      cm_t_src <= cm_t_src_n;
      cm_b_src <= cm_b_src_n;
      cm_s_src <= cm_s_src_n;
      cm_t_dst <= cm_t_dst_n;
      cm_b_dst <= cm_b_dst_n;
      cm_s_dst <= cm_s_dst_n;
    end
  end
  logic [BktBits-1:0] cm_src_bkt;
  assign cm_src_bkt = cm_t_src ? rd2 : rd1;

  // ---------------------------------------------------------------- back end
  // ws_fin: the slot writing in this clock (at most one: handshakes are >= 2 clocks apart).
  logic bk_idle, ws_any_fin, ws_free, ws_pick, ws_fin, ev_last;
  always_comb begin
    bk_idle    = ws_zero_q == 2'b11 && bk_evm_q == 4'd0 && !d2_q && !pt_ws_q;
    ws_any_fin = ws_one_q != 2'b00;
    ws_fin     = ws_one_q[1];
    ws_free    = (ws_one_q | ws_zero_q) != 2'b00;
    ws_pick    = !(ws_one_q[0] || ws_zero_q[0]);
    // At most the event going out now: at most one bit set, as a 4-input function (the form
    // x & (x - 1) == 0 maps to a carry chain and two LUTs more on every handshake path).
    ev_last    = bk_evm_q == 4'b0000 || bk_evm_q == 4'b0001 || bk_evm_q == 4'b0010 ||
                 bk_evm_q == 4'b0100 || bk_evm_q == 4'b1000;
  end
  // The writing slot's fields (slot ws_fin).
  logic [1:0]         wf_kind;
  logic               wf_t, wf_actset;
  logic [BL-1:0]      wf_b;
  logic [3:0]         wf_mask, wf_actclr;
  logic [BktBits-1:0] wf_wbkt;
  logic [SI-1:0]      wf_sidx;
  always_comb begin
    wf_kind   = ws_fin ? ws_kind_q[3:2] : ws_kind_q[1:0];
    wf_t      = ws_fin ? ws_t_q[1] : ws_t_q[0];
    wf_actset = ws_fin ? ws_actset_q[1] : ws_actset_q[0];
    wf_b      = ws_fin ? ws_b_q[BL +: BL] : ws_b_q[0 +: BL];
    wf_mask   = ws_fin ? ws_mask_q[7:4] : ws_mask_q[3:0];
    wf_actclr = ws_fin ? ws_actclr_q[7:4] : ws_actclr_q[3:0];
    wf_wbkt   = ws_fin ? ws_wbkt_q[BktBits +: BktBits] : ws_wbkt_q[0 +: BktBits];
    wf_sidx   = ws_fin ? ws_sidx_q[SI +: SI] : ws_sidx_q[0 +: SI];
  end

  // May an op read its buckets (t1 b1, t2 b2) in this clock? Its Decide (next clock) must see every
  // earlier op's effect: no write on port B now, no pending write to either bucket, no pending
  // stash or AGE write (the stash and the AGE's marks are read at Decide), and the event registers
  // free by Decide. An AGE reads only from an idle back end. The op handshaken in Compare last
  // clock, decided in this one (d2_q), has its write in no slot yet: its staged write (fin_*_d,
  // from the registered matches and the valid bits) counts as a slot's.
  logic rd_ok_in, rd_ok_q;  // for the hinted TDATA's buckets, for b1_q/b2_q
  always_comb begin
    rd_ok_in = !ws_any_fin && ev_last;
    rd_ok_q  = !ws_any_fin && ev_last;
    for (int i = 0; i < 2; i++) begin
      if (!ws_zero_q[i]) begin
        if (ws_age_q[i] || ws_kind_q[i*2 +: 2] == FinStash) begin
          rd_ok_in = 1'b0;
          rd_ok_q  = 1'b0;
        end
        if (ws_kind_q[i*2 +: 2] == FinTable && ws_b_q[i*BL +: BL] == (ws_t_q[i] ? in_b2 : in_b1)) rd_ok_in = 1'b0;
        if (ws_kind_q[i*2 +: 2] == FinTable && ws_b_q[i*BL +: BL] == (ws_t_q[i] ? b2_q : b1_q)) rd_ok_q = 1'b0;
      end
    end
    // The op decided now writes at most t1[b1_q], t2[b2_q] or, found in the stash, the stash: from
    // registers, whether or not it writes.
    if (d2_q && (ms != '0 || in_b1 == b1_q || in_b2 == b2_q)) rd_ok_in = 1'b0;
  end

  logic [1:0] ev_pick;
  always_comb begin
    ev_pick = '0;
    for (int s = Slots - 1; s >= 0; s--) begin
      if (bk_evm_q[s]) ev_pick = 2'(s);
    end
  end
  logic [SlotBits-1:0] ev_slot;
  assign ev_slot = bkt_slot(ev_ent_q, ev_pick);
  always_comb begin
    ev_data_o = '0;
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_KEY_LSB +: KeyBits] = ev_slot[KeyBits-1:0];
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_VALUE_LSB +: 64]    = ev_slot[ValLsb +: 64];
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_STATUS_LSB +: 4]    =
        ev_mat_q[ev_pick] ? 4'(conductor_regs_pkg::FLOW_EVENT_STATUS_MATURED) :
        ev_kal_q[ev_pick] ? 4'(conductor_regs_pkg::FLOW_EVENT_STATUS_REFRESHED) : ev_status_q;
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_OPCODE_LSB +: 4]    = ev_opc_q;
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_WHERE_LSB +: 2]     = ev_where_q;
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_MOVES_LSB +: 6]     = ev_moves_q;
    ev_data_o[conductor_regs_pkg::FLOW_EVENT_TAG_LSB +: 16]      = ev_tag_q;
  end
  assign ev_we_o = en_i && bk_evm_q != 4'd0 && !pt_ev_q;

  // Handshake: in Compare for an op that cannot need a walk (not AGE; not an INSERT into two full
  // buckets) when a write slot and the event registers are free by the next clock, where it is
  // decided (d2_q) beside the next op's Read; else in Decide for an op that needs no walk (not AGE)
  // when a write slot is free, or in Accept from an idle back end. dec_final: the Decide clock's
  // decision is final.
  logic accept, dec_final, cmp_early;
  logic dec_walk;  // Decide: an INSERT or UPSERT of a new key into two full buckets starts a walk
  // The op adds its key when absent: INSERT, or UPSERT (which otherwise updates like UPDATE).
  logic adds;
  assign adds = opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_INSERT || opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT;
  assign cmp_early     = opc_q != conductor_regs_pkg::FLOW_OP_OPCODE_AGE &&
                         !(kv_q && adds && free1 == 4'd0 && free2 == 4'd0);
  assign s_op_tready_o = en_i && ev_room_i &&
                         ((fs_q == FsAccept && bk_idle) ||
                          (fs_q == FsCompare && cmp_early && ws_free && ev_last) ||
                          (fs_q == FsDecide && dec_final && ws_free && bk_evm_q == 4'd0));
  assign accept        = s_op_tready_o && s_op_tvalid_i;

  // ---------------------------------------------------------------- front end
  logic [63:0] new_val;  // the op's VALUE with LAST_SEEN = TIME
  assign new_val = {tim_q, val_q[31:0]};

  // The op key's entry: found, where (sub-table 1, 2 or stash), its value, and the value an
  // UPDATE or TOUCH leaves (a DELETE reports the value it removes).
  logic        found;
  logic [1:0]  where;
  logic [63:0] fval, nv;
  logic [SlotBits-1:0] f1_ent, f2_ent, fs_ent;  // the first matching entry of each place
  assign f1_ent = bkt_slot(rd1, m1_at);
  assign f2_ent = bkt_slot(rd2, m2_at);
  assign fs_ent = stash_ent(stash_q, ms_at);
  always_comb begin
    found = (m1 != 4'd0) || (m2 != 4'd0) || (ms != '0);
    if (m1 != 4'd0) begin
      where = conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE1;
      fval  = f1_ent[ValLsb +: 64];
    end else if (m2 != 4'd0) begin
      where = conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE2;
      fval  = f2_ent[ValLsb +: 64];
    end else begin
      where = conductor_regs_pkg::FLOW_EVENT_WHERE_STASH;
      fval  = fs_ent[ValLsb +: 64];
    end
    nv = (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_UPDATE || opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT) ? new_val :
         (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_TOUCH)  ? {tim_q, fval[31:0]} : fval;
  end
  // The op needs a walk (an INSERT or UPSERT of a new key into two full buckets); AGE decides at
  // Accept.
  assign dec_final = opc_q != conductor_regs_pkg::FLOW_OP_OPCODE_AGE && !(kv_q && adds && !found && full2);

  // ---------------------------------------------------------------- next state, in four stages
  // Each always_comb below owns the _d values of its registers, and its share of port B's and the
  // activity memory's enables (ORed into the ports after them). In the order they hand data on:
  //   front_end   the op's way through Canon, Hash, Read, Compare, Decide, the cuckoo walk (Walk*),
  //               the moves (Cm*) and Accept: fs_q, the op, hash, walk and path registers, port-B
  //               reads and the initialisation's and moves' writes;
  //   staged      the op's effect, decided at Decide (or beside the next op's Read, d2_q), its
  //               value patched in the next clock, and completed in Stash, CmWrite and Accept: fin_*
  //               (its write), ev_* (its events), c_* (its counts), the AGE's candidates, marks and
  //               cursor;
  //   slots       the two write slots (count down, patch, load the staged effect at the
  //               handshake), the events going out, the stash's writes and its activity;
  //   counters    the counts of the op handshaken last clock into the counters.
  logic [1:0] fe_ram_re, fe_ram_we, fe_act_we;  // front end
  logic [1:0] st_act_re;                        // staged: an AGE's marks
  logic [1:0] sl_ram_we, sl_act_we;             // slots: the write of this clock
  assign ram_re_o = fe_ram_re;
  assign ram_we_o = fe_ram_we | sl_ram_we;
  assign act_re_o = st_act_re;
  assign act_we_o = fe_act_we | sl_act_we;

  // An op is decided in this clock (in Decide, or handshaken in Compare last clock), and it starts
  // a cuckoo walk: an INSERT or UPSERT of a new key into two full buckets. (An op handshaken in Compare never
  // walks: cmp_early.)
  logic deciding;
  assign deciding = fs_q == FsDecide || d2_q;
  assign dec_walk = en_i && deciding && !dec_final && opc_q != conductor_regs_pkg::FLOW_OP_OPCODE_AGE;

  always_comb begin : front_end
    fs_d        = fs_q;
    init_addr_d = init_addr_q;
    init_done_d = init_done_q;
    opw_d       = opw_q;
    opc_d       = opc_q;
    kv_d        = kv_q;
    ck_d        = ck_q;
    val_d       = val_q;
    tim_d       = tim_q;
    tag_d       = tag_q;
    hc_d        = hc_q;
    b1_d        = b1_q;
    b2_d        = b2_q;
    au_d        = au_q;
    au_st_d     = au_st_q;
    au_t2_d     = au_t2_q;
    au_b_d      = au_b_q;
    au_si_d     = au_si_q;
    anext_d     = anext_q;
    cur_t_d     = cur_t_q;
    cur_b_d     = cur_b_q;
    cur_d       = cur_q;
    step_d      = step_q;
    sc_d        = sc_q;
    alt_d       = alt_q;
    ok_d        = ok_q;
    fr_d        = fr_q;
    fsl_d       = fsl_q;
    path_t_d    = path_t_q;
    path_b_d    = path_b_q;
    path_s_d    = path_s_q;
    len_d       = len_q;
    cmj_d       = cmj_q;
    cm_ld       = 1'b0;
    cm_t_src_n  = cur_t_q;
    cm_b_src_n  = cur_b_q;
    cm_s_src_n  = wk_s;
    cm_t_dst_n  = !cur_t_q;
    cm_b_dst_n  = wk_alt;
    cm_s_dst_n  = wk_fsl;
    lfsr_d      = lfsr_q;
    d2_d        = d2_q;
    fe_ram_re   = 2'b00;
    fe_ram_we   = 2'b00;
    fe_act_we   = 2'b00;

    if (en_i) begin
      d2_d = 1'b0;
      if (dec_walk) begin  // the walk starts from the sub-table 1 bucket
        cur_t_d = 1'b0;
        cur_b_d = b1_q;
        cur_d   = rd1;
        step_d  = '0;
        sc_d    = '0;
        len_d   = '0;
      end

      unique case (fs_q)
        FsInit: begin
          fe_ram_we     = ClearTable ? 2'b11 : 2'b00;
          fe_act_we     = 2'b11;
          init_addr_d   = init_addr_q + 1'b1;
          if (init_addr_q == {BL{1'b1}}) begin
            init_done_d = 1'b1;
            fs_d        = FsIdle;
          end
        end

        FsIdle: begin
          if (s_op_tvalid_i) begin
            opw_d = s_op_tdata_i;
            if (!in_hint) begin
              fs_d = FsCanon;
            end else if (rd_ok_in) begin  // hinted: Canon, Hash and Read in one clock
              opc_d      = s_op_tdata_i[OpOpcLsb +: 4];
              kv_d       = in_kv;
              ck_d       = in_ckey;
              val_d      = s_op_tdata_i[OpValLsb +: 64];
              tim_d      = s_op_tdata_i[OpTimLsb +: 32];
              tag_d      = s_op_tdata_i[OpTagLsb +: 16];
              b1_d       = in_b1;
              b2_d       = in_b2;
              fe_ram_re  = 2'b11;
              fs_d       = FsCompare;
            end
          end
        end

        FsCanon: begin
          opc_d = opw_q[OpOpcLsb +: 4];
          kv_d  = canon_valid;
          ck_d  = canon_key;
          val_d = opw_q[OpValLsb +: 64];
          tim_d = opw_q[OpTimLsb +: 32];
          tag_d = opw_q[OpTagLsb +: 16];
          hc_d  = '0;
          fs_d  = FsHash;
        end

        FsHash: begin  // hc 0: key into the hash; 3: buckets out
          hc_d = hc_q + 2'd1;
          // AGE unit (the cursor is not written while an op is in the front end), decoded in
          // hc 3 with the cursor after it.
          if (hc_q == 2'd0) au_d = (cursor_q >= 32'(units)) ? '0 : UnitBits'(cursor_q);
          if (hc_q == 2'd3) begin
            b1_d    = BL'(h1 & 32'(mask));
            b2_d    = BL'(h2 & 32'(mask));
            au_st_d = au_q >= nb2;
            au_t2_d = au_q < nb2 && au_q >= nb;
            au_b_d  = au_q >= nb ? BL'(au_q - nb) : BL'(au_q);
            au_si_d = SI'(au_q - nb2);
            anext_d = (32'(au_q) + 32'd1 == 32'(units)) ? 32'd0 : 32'(au_q) + 32'd1;
            fs_d    = FsRead;
          end
        end

        FsRead: begin
          if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_AGE ? bk_idle : rd_ok_q) begin
            if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_AGE) begin
              if (!au_st_q) begin
                fe_ram_re = onehot2(au_t2_q);
              end
            end else begin
              fe_ram_re   = 2'b11;
            end
            fs_d = FsCompare;
          end
        end

        FsCompare: begin  // the matches into registers; the handshake when no walk can follow
          if (accept) begin
            d2_d = 1'b1;
            fs_d = FsIdle;
          end else begin
            fs_d = FsDecide;
          end
        end

        FsDecide: begin  // the decision: stage `staged` below
          if (dec_walk) fs_d = steps == 6'd0 ? FsStash : FsWalkWait;
          else fs_d = accept ? FsIdle : FsAccept;
        end

        FsWalk: begin
          sc_d = sc_q + 4'd1;
          if (sc_q >= 4'd3 && sc_q <= 4'd6) fe_ram_re = onehot2(other_t);
          for (int s = 0; s < 4; s++) begin
            if (sc_q == 4'(s + 3)) begin  // candidate s: record, read its bucket
              alt_d[s*BL +: BL] = cand_b;
              ok_d[s]           = !cand_on_path;
            end
            if (sc_q == 4'(s + 4)) begin  // the bucket of candidate s arrived
              fr_d[s]         = cand_free;
              fsl_d[s*2 +: 2] = cand_fslot;
            end
          end
          if (sc_q == 4'd8) begin
            if (wk_found) begin
              for (int p = 0; p < PathLen; p++) begin  // entries len and len + 1
                if (len_q == 6'(p)) begin
                  path_t_d[p]          = cur_t_q;
                  path_b_d[p*BL +: BL] = cur_b_q;
                  path_s_d[p*2 +: 2]   = wk_s;
                end
                if (p >= 1 && len_q == 6'(p - 1)) begin
                  path_t_d[p]          = !cur_t_q;
                  path_b_d[p*BL +: BL] = wk_alt;
                  path_s_d[p*2 +: 2]   = wk_fsl;
                end
              end
              len_d = len_q + 6'd2;
              cmj_d = len_q + 6'd1;
              cm_ld = 1'b1;  // entries len (src) and len + 1 (dst), as written here
              fs_d  = FsCmRead;
            end else if (wlast_q) begin
              fs_d = FsStash;
            end else begin
              lfsr_d = lfsr_nx;
              if (!wk_pick_ok) begin
                fs_d = FsStash;
              end else begin
                for (int p = 0; p < PathLen; p++) begin
                  if (len_q == 6'(p)) begin
                    path_t_d[p]          = cur_t_q;
                    path_b_d[p*BL +: BL] = cur_b_q;
                    path_s_d[p*2 +: 2]   = wk_pick;
                  end
                end
                len_d   = len_q + 6'd1;
                cur_t_d = !cur_t_q;
                cur_b_d = bl_of4(alt_q, wk_pick);
                step_d  = step_q + 6'd1;
                fs_d    = FsWalkRead;
              end
            end
          end
        end

        FsWalkWait: begin  // the walk reads and writes port B: earlier ops' writes land first
          if (bk_idle) fs_d = FsWalk;
        end

        FsWalkRead: begin
          fe_ram_re = onehot2(cur_t_q);
          fs_d = FsWalkLoad;
        end

        FsWalkLoad: begin
          cur_d = cur_t_q ? rd2 : rd1;
          sc_d  = '0;
          fs_d  = FsWalk;
        end

        FsStash: fs_d = FsAccept;  // the walk failed or was not allowed: `staged` takes the stash

        FsCmRead: begin
          fe_ram_re = onehot2(cm_t_src);
          fs_d = FsCmWrite;
        end

        FsCmWrite: begin
          fe_ram_we = onehot2(cm_t_dst);
          fe_act_we = onehot2(cm_t_dst);  // a moved entry is marked
          cmj_d = cmj_q - 6'd1;
          if (cmj_q == 6'd1) begin
            fs_d = FsAccept;  // the new key into the first path slot: `staged`
          end else begin
            cm_ld      = 1'b1;  // the pair of cmj - 1: entries cmj - 2 (src) and cmj - 1 (dst)
            for (int p = 0; p < PathLen; p++) begin
              if (cmj_q == 6'(p + 2)) begin
                cm_t_src_n = path_t_q[p];
                cm_b_src_n = path_b_q[p*BL +: BL];
                cm_s_src_n = path_s_q[p*2 +: 2];
              end
              if (cmj_q == 6'(p + 1)) begin
                cm_t_dst_n = path_t_q[p];
                cm_b_dst_n = path_b_q[p*BL +: BL];
                cm_s_dst_n = path_s_q[p*2 +: 2];
              end
            end
            fs_d = FsCmRead;
          end
        end

        FsAccept: begin
          if (accept) fs_d = FsIdle;
        end

        default: fs_d = FsIdle;
      endcase
    end
  end

  always_comb begin : staged
    age_vld_d   = age_vld_q;
    age_cand_d  = age_cand_q;
    age_uns_d   = age_uns_q;
    age_syn_d   = age_syn_q;
    age_rip_d   = age_rip_q;
    keep_d      = keep_q;
    cursor_d    = cursor_q;
    fin_kind_d  = fin_kind_q;
    fin_t_d     = fin_t_q;
    fin_b_d     = fin_b_q;
    fin_mask_d  = fin_mask_q;
    fin_wbkt_d  = fin_wbkt_q;
    fin_actset_d = fin_actset_q;
    fin_actclr_d = fin_actclr_q;
    fin_sidx_d  = fin_sidx_q;
    ev_status_d = ev_status_q;
    ev_opc_d    = ev_opc_q;
    ev_where_d  = ev_where_q;
    ev_moves_d  = ev_moves_q;
    ev_tag_d    = ev_tag_q;
    ev_ent_d    = ev_ent_q;
    ev_mask_d   = ev_mask_q;
    ev_mat_d    = ev_mat_q;
    ev_kal_d    = ev_kal_q;
    c_ins_d     = c_ins_q;
    c_full_d    = c_full_q;
    c_exists_d  = c_exists_q;
    c_upd_d     = c_upd_q;
    c_tch_d     = c_tch_q;
    c_del_d     = c_del_q;
    c_nf_d      = c_nf_q;
    c_inv_d     = c_inv_q;
    c_age_d     = c_age_q;
    c_sinc_d    = c_sinc_q;
    c_sdec_d    = c_sdec_q;
    c_moves_d   = c_moves_q;
    c_nexp_d    = c_nexp_q;
    c_sexp_d    = c_sexp_q;
    nv_d        = nv_q;
    pt_ev_d     = pt_ev_q;
    pt_ws_d     = pt_ws_q;
    st_act_re   = 2'b00;

    if (en_i) begin
      pt_ev_d = 1'b0;
      pt_ws_d = 1'b0;
      if ((!ws_zero_q[0] && ws_age_q[0]) || (!ws_zero_q[1] && ws_age_q[1])) keep_d = keep_q | mark_unit;

      // ---- Decide: the op read two clocks ago, in state Decide or, handshaken in Compare, beside
      // the front end's next clock (d2_q). Its effect is staged here (fin_*, the events, the
      // counters); the handshake (slots) moves it into a write slot.
      if (deciding) begin
        // Defaults of the staged effect: one event, no write, no counter.
        fin_kind_d  = FinNone;
        fin_wbkt_d  = '0;
        fin_actset_d = 1'b0;
        fin_actclr_d = '0;
        keep_d      = mark_unit;  // the marks of clock H - 1 when the handshake is next clock
        // The unit's marks, read for the next clock.
        if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_AGE && !age_in_stash) begin
          st_act_re = onehot2(age_in_t2);
        end
        ev_status_d = conductor_regs_pkg::FLOW_EVENT_STATUS_DONE;
        ev_opc_d    = opc_q;
        ev_where_d  = conductor_regs_pkg::FLOW_EVENT_WHERE_NONE;
        ev_moves_d  = '0;
        ev_tag_d    = tag_q;
        ev_ent_d    = '0;
        ev_ent_d[0 +: KeyBits] = ck_q;
        ev_mask_d   = 4'b0001;
        ev_mat_d    = 4'b0000;
        ev_kal_d    = 4'b0000;
        {c_ins_d, c_full_d, c_exists_d, c_upd_d, c_tch_d, c_del_d, c_nf_d, c_inv_d, c_age_d,
         c_sinc_d, c_sdec_d, c_sexp_d} = '0;
        nv_d = nv;
        c_moves_d = '0;
        c_nexp_d  = '0;

        if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_AGE) begin
          // Candidates only: the handshake clock decides with the activity marks (aa_*).
          c_age_d     = 1'b1;
          ev_status_d = conductor_regs_pkg::FLOW_EVENT_STATUS_EXPIRED;
          ev_ent_d    = '0;
          age_vld_d   = x_valid_q;
          age_cand_d  = x_exp_q;
          age_uns_d   = x_uns_q;
          age_syn_d   = x_syn_q;
          age_rip_d   = x_rip_q;
          if (age_in_stash) begin
            ev_where_d  = conductor_regs_pkg::FLOW_EVENT_WHERE_STASH;
            ev_ent_d[0 +: SlotBits] = age_sent;
            ev_mask_d   = {3'b000, age_sexp};
            fin_sidx_d  = age_sidx;
          end else begin
            ev_where_d = age_in_t2 ? conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE2
                                   : conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE1;
            ev_ent_d   = age_bkt;
            ev_mask_d  = age_exp;
            fin_kind_d = FinTable;
            fin_t_d    = age_in_t2;
            fin_b_d    = au_b_q;
            fin_mask_d = age_exp;
          end
        end else if (opc_q == 4'd0 || opc_q > conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT || !kv_q) begin
          ev_status_d = conductor_regs_pkg::FLOW_EVENT_STATUS_INVALID;
          ev_ent_d    = '0;
          c_inv_d     = 1'b1;
        end else begin
          // Location of the found entry, for UPDATE / UPSERT / TOUCH / DELETE.
          fin_t_d    = where == conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE2;
          fin_b_d    = where == 2'd1 ? b2_q : b1_q;
          fin_mask_d = 4'd1 << (where == 2'd1 ? m2_at : m1_at);
          fin_sidx_d = ms_at;

          if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_INSERT ||
              (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT && !found)) begin
            if (found) begin
              ev_status_d = conductor_regs_pkg::FLOW_EVENT_STATUS_EXISTS;
              ev_where_d  = where;
              pt_ev_d     = 1'b1;  // the event's value: the found one (nv), next clock
              c_exists_d  = 1'b1;
            end else begin
              ev_ent_d[ValLsb +: 64] = new_val;
              fin_wbkt_d   = {Slots{1'b1, new_val, ck_q}};
              fin_actset_d = 1'b1;
              if (!full2) begin
                fin_kind_d = FinTable;
                fin_t_d    = !f1ge;
                fin_b_d    = f1ge ? b1_q : b2_q;
                fin_mask_d = 4'd1 << (f1ge ? f1at : f2at);
                ev_where_d = f1ge ? conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE1
                                  : conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE2;
                c_ins_d    = 1'b1;
              end
              // else both buckets full: the front end walks (dec_walk), Stash or CmWrite below
              // stages the insert.
            end
          end else if (!found) begin
            ev_status_d = conductor_regs_pkg::FLOW_EVENT_STATUS_NOT_FOUND;
            c_nf_d      = 1'b1;
          end else begin
            fin_kind_d  = where == conductor_regs_pkg::FLOW_EVENT_WHERE_STASH ? FinStash : FinTable;
            // The value follows on the next clock.
            fin_wbkt_d  = (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_DELETE) ? '0 : {Slots{1'b1, 64'd0, ck_q}};
            pt_ws_d     = opc_q != conductor_regs_pkg::FLOW_OP_OPCODE_DELETE;
            pt_ev_d     = 1'b1;
            ev_where_d  = where;
            c_upd_d  = opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_UPDATE || opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_UPSERT;
            c_tch_d  = opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_TOUCH;
            c_del_d  = opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_DELETE;
            c_sdec_d = opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_DELETE &&
                       where == conductor_regs_pkg::FLOW_EVENT_WHERE_STASH;
          end
        end
      end

      // ---- patch clock: the value of the op decided last clock into its event and its write
      // image (the write slot's copy: slots)
      if (pt_ev_q) ev_ent_d[ValLsb +: 64] = nv_q;
      if (pt_ws_q) begin
        for (int s = 0; s < Slots; s++) fin_wbkt_d[s*SlotBits + ValLsb +: 64] = nv_q;
      end

      // ---- the states that complete an INSERT's walk or an AGE
      case (fs_q)
        FsStash: begin  // the walk failed or was not allowed
          if (sfree != '0) begin
            fin_kind_d = FinStash;
            fin_sidx_d = sf_at;
            ev_where_d = conductor_regs_pkg::FLOW_EVENT_WHERE_STASH;
            c_ins_d    = 1'b1;
            c_sinc_d   = 1'b1;
          end else begin
            ev_status_d = conductor_regs_pkg::FLOW_EVENT_STATUS_FULL;
            c_full_d    = 1'b1;
          end
        end

        FsCmWrite: begin
          if (cmj_q == 6'd1) begin
            // The new key into the first path slot: the op's one visible write.
            fin_kind_d = FinTable;
            fin_t_d    = path_t_q[0];
            fin_b_d    = path_b_q[0 +: BL];
            fin_mask_d = 4'd1 << path_s_q[0 +: 2];
            ev_where_d = conductor_regs_pkg::FLOW_EVENT_WHERE_TABLE1;
            ev_moves_d = len_q - 6'd1;
            c_ins_d    = 1'b1;
            c_moves_d  = len_q - 6'd1;
          end
        end

        FsAccept: begin
          keep_d = mark_unit;
          // Re-read each clock until the handshake.
          if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_AGE && !age_in_stash) begin
            st_act_re = st_act_re | onehot2(age_in_t2);
          end
          if (accept && c_age_q) begin
            // The AGE's effect, decided now: expired slots emptied and reported, marked ones
            // refreshed and their marks cleared.
            cursor_d     = anext_q;
            keep_d       = keep_q | mark_unit;
            fin_kind_d   = age_in_stash ? ((aa_exp[0] || aa_ref[0] || aa_sync[0]) ? FinStash : FinNone) : FinTable;
            fin_mask_d   = aa_exp | aa_ref | aa_sync;
            fin_wbkt_d   = aa_wbkt;
            fin_actclr_d = aa_ref;
            ev_mask_d    = aa_exp | aa_mat | aa_kal;
            ev_mat_d     = aa_mat;
            ev_kal_d     = aa_kal;
            for (int s = 0; s < Slots; s++) begin  // a matured or refreshed entry's event: its value after the op
              if (aa_mat[s] || aa_kal[s]) ev_ent_d[s*SlotBits +: SlotBits] = aa_wbkt[s*SlotBits +: SlotBits];
            end
            c_nexp_d     = aa_nexp;
            c_sexp_d     = age_in_stash && aa_exp[0];
          end
        end

        default: ;
      endcase
    end
  end

  always_comb begin : slots
    stash_d     = stash_q;
    sact_d      = sact_q;
    bk_evm_d    = bk_evm_q;
    ws_cnt_d    = ws_cnt_q;
    ws_one_d    = ws_one_q;
    ws_zero_d   = ws_zero_q;
    ws_age_d    = ws_age_q;
    ws_kind_d   = ws_kind_q;
    ws_t_d      = ws_t_q;
    ws_b_d      = ws_b_q;
    ws_mask_d   = ws_mask_q;
    ws_wbkt_d   = ws_wbkt_q;
    ws_actset_d = ws_actset_q;
    ws_actclr_d = ws_actclr_q;
    ws_sidx_d   = ws_sidx_q;
    cnt_go_d    = cnt_go_q;
    pt_in_d     = pt_in_q;
    pt_slot_d   = pt_slot_q;
    sl_ram_we   = 2'b00;
    sl_act_we   = 2'b00;

    if (en_i) begin
      // ---- activity: the stash's marks of this clock
      sact_d   = sact_q | mark_stash_i;
      cnt_go_d = 1'b0;
      pt_in_d  = 1'b0;
      // ---- the event going out, the counts down, the write of this clock
      if (bk_evm_q != 4'd0 && !pt_ev_q) bk_evm_d = bk_evm_q & ~(4'd1 << ev_pick);
      for (int i = 0; i < 2; i++) begin
        if (ws_cnt_q[i*3 +: 3] != 3'd0) ws_cnt_d[i*3 +: 3] = ws_cnt_q[i*3 +: 3] - 3'd1;
        // The flags of the decremented count (a slot the handshake loads below is cleared there:
        // BackLoad and BackLoad - 1 are neither 0 nor 1, ReadStage >= 5).
        ws_one_d[i]  = ws_cnt_q[i*3 +: 3] == 3'd2;
        ws_zero_d[i] = ws_one_q[i] || ws_zero_q[i];
      end
      if (ws_any_fin) begin
        if (wf_kind == FinTable) begin
          sl_ram_we = onehot2(wf_t);
          if (wf_actset || wf_actclr != 4'd0) sl_act_we = onehot2(wf_t);
        end else if (wf_kind == FinStash) begin
          for (int e = 0; e < StashSize; e++) begin
            if (wf_sidx == SI'(e)) begin
              stash_d[e*SlotBits +: SlotBits] = wf_wbkt[SlotBits-1:0];
              if (wf_actset) sact_d[e] = 1'b1;
              else if (wf_actclr[0] && !(keep_q[0] || mark_unit[0])) sact_d[e] = 1'b0;
            end
          end
        end
      end

      // ---- patch clock: the value of the op decided last clock into its write slot, when it was
      // handshaken at Decide
      if (pt_ws_q) begin
        for (int i = 0; i < 2; i++) begin
          if (pt_in_q && pt_slot_q == 1'(i)) begin
            for (int s = 0; s < Slots; s++) ws_wbkt_d[i*BktBits + s*SlotBits + ValLsb +: 64] = nv_q;
          end
        end
      end

      // ---- handshake: the staged write into a free slot, the events out from the next clock,
      // the counters in the next clock. An op handshaken in Compare (clock H) is staged in H + 1,
      // one clock closer to its write in H + ReadStage - 1.
      if ((accept && fs_q != FsCompare) || d2_q) begin
        for (int i = 0; i < 2; i++) begin
          if (ws_pick == 1'(i)) begin
            ws_cnt_d[i*3 +: 3]              = d2_q ? BackLoad - 3'd1 : BackLoad;
            ws_one_d[i]                     = 1'b0;
            ws_zero_d[i]                    = 1'b0;
            ws_age_d[i]                     = c_age_d;
            ws_kind_d[i*2 +: 2]             = fin_kind_d;
            ws_t_d[i]                       = fin_t_d;
            ws_b_d[i*BL +: BL]              = fin_b_d;
            ws_mask_d[i*4 +: 4]             = fin_mask_d;
            ws_wbkt_d[i*BktBits +: BktBits] = fin_wbkt_d;
            ws_actset_d[i]                  = fin_actset_d;
            ws_actclr_d[i*4 +: 4]           = fin_actclr_d;
            ws_sidx_d[i*SI +: SI]           = fin_sidx_d;
          end
        end
        bk_evm_d = ev_mask_d;
        cnt_go_d = 1'b1;
        if (deciding) begin  // handshaken at Decide: its slot is patched next clock
          pt_in_d   = 1'b1;
          pt_slot_d = ws_pick;
        end
      end
    end
  end

  always_comb begin : counters
    occ_d      = occ_q;
    sused_d    = sused_q;
    now_d      = now_q;
    ffull_d    = ffull_q;
    n_ins_d    = n_ins_q;
    n_full_d   = n_full_q;
    n_exists_d = n_exists_q;
    n_upd_d    = n_upd_q;
    n_tch_d    = n_tch_q;
    n_del_d    = n_del_q;
    n_nf_d     = n_nf_q;
    n_exp_d    = n_exp_q;
    n_age_d    = n_age_q;
    n_inv_d    = n_inv_q;
    n_mov_d    = n_mov_q;
    n_mat_d    = n_mat_q;
    if (en_i && cnt_go_q) begin
      now_d      = tim_q;
      occ_d      = occ_q + 32'(c_ins_q) - 32'(c_del_q) - 32'(c_nexp_q);
      sused_d    = sused_q + 32'(c_sinc_q) - 32'(c_sdec_q) - 32'(c_sexp_q);
      n_ins_d    = n_ins_q + 32'(c_ins_q);
      n_full_d   = n_full_q + 32'(c_full_q);
      n_exists_d = n_exists_q + 32'(c_exists_q);
      n_upd_d    = n_upd_q + 32'(c_upd_q);
      n_tch_d    = n_tch_q + 32'(c_tch_q);
      n_del_d    = n_del_q + 32'(c_del_q);
      n_nf_d     = n_nf_q + 32'(c_nf_q);
      n_exp_d    = n_exp_q + 32'(c_nexp_q);
      n_age_d    = n_age_q + 32'(c_age_q);
      n_inv_d    = n_inv_q + 32'(c_inv_q);
      n_mov_d    = n_mov_q + 32'(c_moves_q);
      // An AGE's matured entries are its MATURED event slots, staged with its handshake (ev_mat_q;
      // 0 for every other op): counted from the register, not from the handshake's decision.
      n_mat_d    = n_mat_q + 32'(ev_mat_q[0]) + 32'(ev_mat_q[1]) + 32'(ev_mat_q[2]) + 32'(ev_mat_q[3]);
      if (c_full_q && ffull_q == 32'd0) ffull_d = occ_q;
    end
    if (counter_clear_i) begin
      ffull_d    = '0;
      n_ins_d    = '0;
      n_full_d   = '0;
      n_exists_d = '0;
      n_upd_d    = '0;
      n_tch_d    = '0;
      n_del_d    = '0;
      n_nf_d     = '0;
      n_exp_d    = '0;
      n_age_d    = '0;
      n_inv_d    = '0;
      n_mov_d    = '0;
      n_mat_d    = '0;
    end
  end

  // ---------------------------------------------------------------- port B address and data
  // Port B of both memories serves either the write slot writing in this clock or the front end:
  // the front end reads and moves only when no slot writes in that clock (rd_ok_*, an idle back
  // end for an AGE and a walk). So port B's address and write data are selected by the state and
  // that slot alone, the enables above carry every condition, and no address waits for one. Both
  // halves get the same address and data; only the enabled half uses them.
  always_comb begin
    ram_addr_o    = {b2_q, b1_q};
    ram_slot_we_o = {2{4'd1 << cm_s_dst}};  // CmWrite: the move's destination slot
    ram_wbkt_o    = {Slots{bkt_slot(cm_src_bkt, cm_s_src)}};
    act_addr_o    = {2{au_b_q}};            // an AGE's marks (Decide, Accept)
    act_wmask_o   = {2{4'd1 << cm_s_dst}};  // CmWrite: a moved entry is marked
    act_wdata_o   = 8'hFF;
    unique case (fs_q)
      FsInit: begin  // clear both sub-tables and their marks
        ram_addr_o    = {2{init_addr_q}};
        ram_slot_we_o = 8'hFF;
        ram_wbkt_o    = '0;
        act_addr_o    = {2{init_addr_q}};
        act_wmask_o   = 8'hFF;
        act_wdata_o   = 8'h00;
      end
      FsIdle:     ram_addr_o = {in_b2, in_b1};  // a hinted op's buckets
      FsRead:     if (opc_q == conductor_regs_pkg::FLOW_OP_OPCODE_AGE) ram_addr_o = {2{au_b_q}};
      FsWalk:     ram_addr_o = {2{cand_b}};     // the victim's other bucket
      FsWalkRead: ram_addr_o = {2{cur_b_q}};
      FsCmRead:   ram_addr_o = {2{cm_b_src}};
      FsCmWrite: begin
        ram_addr_o = {2{cm_b_dst}};
        act_addr_o = {2{cm_b_dst}};
      end
      default: ;
    endcase
    if (ws_any_fin) begin
      // A new entry is marked; a refreshed one loses its mark unless a lookup marked it since
      // clock H - 1.
      ram_addr_o    = {2{wf_b}};
      ram_slot_we_o = {2{wf_mask}};
      ram_wbkt_o    = wf_wbkt;
      act_addr_o    = {2{wf_b}};
      act_wmask_o   = {2{wf_actset ? wf_mask : wf_actclr & ~(keep_q | mark_unit)}};
      act_wdata_o   = {2{wf_actset ? 4'hF : 4'h0}};
    end
  end

  // ---------------------------------------------------------------- registers
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fs_q        <= FsInit;
      init_addr_q <= '0;
      init_done_q <= 1'b0;
      lfsr_q      <= LfsrReset;
      stash_q     <= '0;
      sact_q      <= '0;
      bk_evm_q    <= '0;
      ws_cnt_q    <= '0;
      ws_one_q    <= '0;
      ws_zero_q   <= '1;
      cnt_go_q    <= 1'b0;
      d2_q        <= 1'b0;
      pt_ev_q     <= 1'b0;
      pt_ws_q     <= 1'b0;
      pt_in_q     <= 1'b0;
      occ_q       <= '0;
      sused_q     <= '0;
      now_q       <= '0;
      cursor_q    <= '0;
      ffull_q     <= '0;
      n_ins_q     <= '0;
      n_full_q    <= '0;
      n_exists_q  <= '0;
      n_upd_q     <= '0;
      n_tch_q     <= '0;
      n_del_q     <= '0;
      n_nf_q      <= '0;
      n_exp_q     <= '0;
      n_age_q     <= '0;
      n_inv_q     <= '0;
      n_mov_q     <= '0;
      n_mat_q     <= '0;
    end else begin
      fs_q        <= fs_d;
      init_addr_q <= init_addr_d;
      init_done_q <= init_done_d;
      lfsr_q      <= lfsr_d;
      stash_q     <= stash_d;
      sact_q      <= sact_d;
      bk_evm_q    <= bk_evm_d;
      ws_cnt_q    <= ws_cnt_d;
      ws_one_q    <= ws_one_d;
      ws_zero_q   <= ws_zero_d;
      cnt_go_q    <= cnt_go_d;
      d2_q        <= d2_d;
      pt_ev_q     <= pt_ev_d;
      pt_ws_q     <= pt_ws_d;
      pt_in_q     <= pt_in_d;
      occ_q       <= occ_d;
      sused_q     <= sused_d;
      now_q       <= now_d;
      cursor_q    <= cursor_d;
      ffull_q     <= ffull_d;
      n_ins_q     <= n_ins_d;
      n_full_q    <= n_full_d;
      n_exists_q  <= n_exists_d;
      n_upd_q     <= n_upd_d;
      n_tch_q     <= n_tch_d;
      n_del_q     <= n_del_d;
      n_nf_q      <= n_nf_d;
      n_exp_q     <= n_exp_d;
      n_age_q     <= n_age_d;
      n_inv_q     <= n_inv_d;
      n_mov_q     <= n_mov_d;
      n_mat_q     <= n_mat_d;
    end
  end

  // Datapath registers: no reset needed (every use is preceded by a write in the FSM).
  always_ff @(posedge clk_i) begin
    opw_q       <= opw_d;
    opc_q       <= opc_d;
    kv_q        <= kv_d;
    ck_q        <= ck_d;
    val_q       <= val_d;
    tim_q       <= tim_d;
    tag_q       <= tag_d;
    hc_q        <= hc_d;
    b1_q        <= b1_d;
    b2_q        <= b2_d;
    au_q        <= au_d;
    au_st_q     <= au_st_d;
    au_t2_q     <= au_t2_d;
    au_b_q      <= au_b_d;
    au_si_q     <= au_si_d;
    anext_q     <= anext_d;
    cur_t_q     <= cur_t_d;
    cur_b_q     <= cur_b_d;
    cur_q       <= cur_d;
    step_q      <= step_d;
    sc_q        <= sc_d;
    alt_q       <= alt_d;
    ok_q        <= ok_d;
    fr_q        <= fr_d;
    fsl_q       <= fsl_d;
    path_t_q    <= path_t_d;
    path_b_q    <= path_b_d;
    path_s_q    <= path_s_d;
    len_q       <= len_d;
    cmj_q       <= cmj_d;
    fin_kind_q  <= fin_kind_d;
    fin_t_q     <= fin_t_d;
    fin_b_q     <= fin_b_d;
    fin_mask_q  <= fin_mask_d;
    fin_wbkt_q  <= fin_wbkt_d;
    fin_actset_q <= fin_actset_d;
    fin_actclr_q <= fin_actclr_d;
    age_vld_q   <= age_vld_d;
    age_cand_q  <= age_cand_d;
    age_uns_q   <= age_uns_d;
    age_syn_q   <= age_syn_d;
    age_rip_q   <= age_rip_d;
    keep_q      <= keep_d;
    fin_sidx_q  <= fin_sidx_d;
    ev_status_q <= ev_status_d;
    ev_opc_q    <= ev_opc_d;
    ev_where_q  <= ev_where_d;
    ev_moves_q  <= ev_moves_d;
    ev_tag_q    <= ev_tag_d;
    ev_ent_q    <= ev_ent_d;
    ev_mask_q   <= ev_mask_d;
    ev_mat_q    <= ev_mat_d;
    ev_kal_q    <= ev_kal_d;
    c_ins_q     <= c_ins_d;
    c_full_q    <= c_full_d;
    c_exists_q  <= c_exists_d;
    c_upd_q     <= c_upd_d;
    c_tch_q     <= c_tch_d;
    c_del_q     <= c_del_d;
    c_nf_q      <= c_nf_d;
    c_inv_q     <= c_inv_d;
    c_age_q     <= c_age_d;
    c_sinc_q    <= c_sinc_d;
    c_sdec_q    <= c_sdec_d;
    c_moves_q   <= c_moves_d;
    c_nexp_q    <= c_nexp_d;
    c_sexp_q    <= c_sexp_d;
    ws_age_q    <= ws_age_d;
    ws_kind_q   <= ws_kind_d;
    ws_t_q      <= ws_t_d;
    ws_b_q      <= ws_b_d;
    ws_mask_q   <= ws_mask_d;
    ws_wbkt_q   <= ws_wbkt_d;
    ws_actset_q <= ws_actset_d;
    ws_actclr_q <= ws_actclr_d;
    ws_sidx_q   <= ws_sidx_d;
    nv_q        <= nv_d;
    pt_slot_q   <= pt_slot_d;
  end

  assign stash_o                = stash_q;
  assign init_done_o            = init_done_q;
  assign occupancy_o            = occ_q;
  assign stash_used_o           = sused_q;
  assign now_o                  = now_q;
  assign age_cursor_o           = cursor_q;
  assign first_full_occupancy_o = ffull_q;
  assign inserts_o              = n_ins_q;
  assign insert_full_o          = n_full_q;
  assign insert_exists_o        = n_exists_q;
  assign updates_o              = n_upd_q;
  assign touches_o              = n_tch_q;
  assign deletes_o              = n_del_q;
  assign not_found_o            = n_nf_q;
  assign expiries_o             = n_exp_q;
  assign age_steps_o            = n_age_q;
  assign invalid_ops_o          = n_inv_q;
  assign moves_o                = n_mov_q;
  assign matured_o              = n_mat_q;

`ifndef SYNTHESIS
  // Simulation only (Yosys defines SYNTHESIS): the write slots' flags are their counts' "is 1" and
  // "is 0", kept in step by the back end and the handshake; every co-simulation clock checks it,
  // and that the op decided beside the front end was handshaken in Compare, the clock before.
  always_ff @(posedge clk_i) begin
    if (init_done_q) begin
      for (int i = 0; i < 2; i++) begin
        if (ws_one_q[i] != (ws_cnt_q[i*3 +: 3] == 3'd1) || ws_zero_q[i] != (ws_cnt_q[i*3 +: 3] == 3'd0))
          $fatal(1, "flow_engine: write slot %0d: flags one=%b zero=%b, count %0d", i, ws_one_q[i],
                 ws_zero_q[i], ws_cnt_q[i*3 +: 3]);
      end
      if (d2_q && fs_q != FsIdle) $fatal(1, "flow_engine: an op is decided beside state %0d", fs_q);
    end
  end
`endif

  // FLOW_OP bits outside its fields; the parts of selected entries that are not used.
  logic unused_bits;
  assign unused_bits = ^{opw_q[conductor_regs_pkg::FLOW_OP_BITS-1:OpOpcLsb + 4],
                         victim[SlotBits-1:KeyBits], ev_slot[VldBit],
                         f1_ent[VldBit], f1_ent[KeyBits-1:0], f2_ent[VldBit], f2_ent[KeyBits-1:0],
                         fs_ent[VldBit], fs_ent[KeyBits-1:0]};
endmodule

`default_nettype wire
