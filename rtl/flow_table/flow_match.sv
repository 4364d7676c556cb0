// The flow-table lookup's last three stages, shared by the on-chip kernel (rtl/flow_table/
// flow_table.sv) and the HBM kernel (flow_table_hbm.sv): the key compared with the stash and with
// the 8 slots of the key's two buckets, the value selected, the FLOW_RESULT word formed.
//   R (read clock, t+5 on chip): the stash's 17 key chunks compared (stash_i is the engine's
//     stash in this clock, the same view of the engine's writes as the memories' read), its valid
//     bits and values registered; the bucket addresses registered
//   R+1: rd1_i/rd2_i are the two buckets read in R; the slots' key chunks compared, the stash's
//     matches and value
//   R+2: slot matches, value select: res_o (combinational; the caller registers it), the slots and
//     stash entries that matched (m1_o, m2_o, sm_o) and their buckets (a1_o, a2_o) for the marks
// No clock holds both a key compare and a value select (docs/flow_table.md, "Timing").
`default_nettype none

module flow_match #(
  parameter int unsigned BucketLog2Max = 15,
  parameter int unsigned StashSize     = 16
) (
  input  wire logic                                clk_i,
  input  wire logic                                en_i,
  // R
  input  wire logic [StashSize*370-1:0]            stash_i,
  input  wire logic [conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH-1:0] ck_r_i,  // the canonical key
  input  wire logic                                kv_r_i,  // the key is valid
  input  wire logic [BucketLog2Max-1:0]            a1_r_i,
  input  wire logic [BucketLog2Max-1:0]            a2_r_i,
  // R+1
  input  wire logic [4*370-1:0]                    rd1_i,
  input  wire logic [4*370-1:0]                    rd2_i,
  input  wire logic [conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH-1:0] ck_r1_i,
  input  wire logic                                kv_r1_i,
  // R+2
  input  wire logic                                kv_r2_i,
  input  wire logic [63:0]                         tag_r2_i,
  output      logic [conductor_regs_pkg::FLOW_RESULT_BITS-1:0] res_o,
  output      logic                                hit_o,
  output      logic [3:0]                          m1_o,
  output      logic [3:0]                          m2_o,
  output      logic [StashSize-1:0]                sm_o,
  output      logic [BucketLog2Max-1:0]            a1_o,
  output      logic [BucketLog2Max-1:0]            a2_o
);
  localparam int unsigned BL       = BucketLog2Max;
  localparam int unsigned Slots    = 4;
  localparam int unsigned KeyBits  = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;  // 305
  localparam int unsigned SlotBits = 370;
  localparam int unsigned ValLsb   = KeyBits;
  localparam int unsigned VldBit   = SlotBits - 1;

  // A 305-bit equality is 17 chunks of 18 bits (CmpChunks); a chunk's equality is one clock, the
  // AND of the chunks the next.
  localparam int unsigned Chunk     = 18;
  localparam int unsigned CmpChunks = (KeyBits + Chunk - 1) / Chunk;  // 17
  function automatic logic [CmpChunks-1:0] chunk_eq(input logic [KeyBits-1:0] a,
                                                    input logic [KeyBits-1:0] b);
    logic [KeyBits-1:0]         d;
    logic [CmpChunks*Chunk-1:0] x;
    d = a ^ b;
    x = (CmpChunks*Chunk)'(d);
    for (int c = 0; c < CmpChunks; c++) chunk_eq[c] = x[c*Chunk +: Chunk] == '0;
  endfunction

  // R: stash chunk compares, its valid bits and values.
  logic [CmpChunks-1:0]    sce_q [StashSize];
  logic [StashSize-1:0]    svl_q;
  logic [StashSize*64-1:0] sval_q;
  logic [BL-1:0]           a1_q, a2_q;
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      for (int i = 0; i < StashSize; i++) begin
        sce_q[i]           <= chunk_eq(stash_i[i*SlotBits +: KeyBits], ck_r_i);
        svl_q[i]           <= stash_i[i*SlotBits + VldBit] && kv_r_i;
        sval_q[i*64 +: 64] <= stash_i[i*SlotBits + ValLsb +: 64];
      end
      a1_q <= a1_r_i;
      a2_q <= a2_r_i;
    end
  end

  // R+1: slot chunk compares, the stash's matches and their value.
  logic [CmpChunks-1:0]  rce_q [2*Slots];  // sub-table 1 slots 0..3 first
  logic [2*Slots-1:0]    rvl_q;
  logic [2*Slots*64-1:0] rval_q;
  logic [StashSize-1:0]  sm_d, sm_q;
  logic [63:0]           sv_d, sv_q;
  always_comb begin
    sv_d = '0;
    for (int i = 0; i < StashSize; i++) begin
      sm_d[i] = svl_q[i] && &sce_q[i];
      sv_d    = sv_d | (sm_d[i] ? sval_q[i*64 +: 64] : 64'd0);
    end
  end
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      for (int s = 0; s < Slots; s++) begin
        rce_q[s]                   <= chunk_eq(rd1_i[s*SlotBits +: KeyBits], ck_r1_i);
        rce_q[Slots + s]           <= chunk_eq(rd2_i[s*SlotBits +: KeyBits], ck_r1_i);
        rvl_q[s]                   <= rd1_i[s*SlotBits + VldBit] && kv_r1_i;
        rvl_q[Slots + s]           <= rd2_i[s*SlotBits + VldBit] && kv_r1_i;
        rval_q[s*64 +: 64]         <= rd1_i[s*SlotBits + ValLsb +: 64];
        rval_q[(Slots+s)*64 +: 64] <= rd2_i[s*SlotBits + ValLsb +: 64];
      end
      sm_q <= sm_d;
      sv_q <= sv_d;
      a1_o <= a1_q;
      a2_o <= a2_q;
    end
  end

  // R+2: slot matches, value select. While the engine moves an entry it may sit in two slots with
  // the same value: OR the values. A key that is not valid matches nothing (its valid bit is in
  // every *vl_q), so the value is 0 on a miss without a select.
  logic [63:0] hv;
  always_comb begin
    hv = sv_q;
    for (int s = 0; s < Slots; s++) begin
      m1_o[s] = rvl_q[s] && &rce_q[s];
      m2_o[s] = rvl_q[Slots + s] && &rce_q[Slots + s];
      hv = hv | (m1_o[s] ? rval_q[s*64 +: 64] : 64'd0) | (m2_o[s] ? rval_q[(Slots+s)*64 +: 64] : 64'd0);
    end
    sm_o  = sm_q;
    hit_o = sm_q != '0 || m1_o != 4'd0 || m2_o != 4'd0;
    res_o = '0;
    res_o[conductor_regs_pkg::FLOW_RESULT_VALUE_LSB +: 64] = hv;
    res_o[conductor_regs_pkg::FLOW_RESULT_TAG_LSB +: 64]   = tag_r2_i;
    res_o[conductor_regs_pkg::FLOW_RESULT_HIT_LSB]         = hit_o;
    res_o[conductor_regs_pkg::FLOW_RESULT_KEY_VALID_LSB]   = kv_r2_i;
    // The key's buckets, for an op built from this result (FLOW_OP.HINT).
    res_o[conductor_regs_pkg::FLOW_RESULT_BUCKET1_LSB +: conductor_regs_pkg::FLOW_RESULT_BUCKET1_WIDTH] =
        kv_r2_i ? conductor_regs_pkg::FLOW_RESULT_BUCKET1_WIDTH'(a1_o) : '0;
    res_o[conductor_regs_pkg::FLOW_RESULT_BUCKET2_LSB +: conductor_regs_pkg::FLOW_RESULT_BUCKET2_WIDTH] =
        kv_r2_i ? conductor_regs_pkg::FLOW_RESULT_BUCKET2_WIDTH'(a2_o) : '0;
  end
endmodule

`default_nettype wire
