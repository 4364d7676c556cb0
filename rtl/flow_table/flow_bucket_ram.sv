// One flow-table sub-table: 2^BucketLog2Max buckets of Slots slots, one bucket per memory word.
// Port A: the lookup pipeline's read (registered data, advances with en_a_i). Port B: the engine's
// read or slot-masked write. A read on A and a write on B to the same bucket in one clock return
// the old word (read first), as UltraRAM does for port A before port B. On an UltraScale+ part a
// slot is padded to 378 bits (42 URAM 9-bit bytes) so that a bucket is exactly 21 URAM columns and
// the slot mask maps onto byte-write enables (docs/flow_table.md, "Memory cost").
`default_nettype none

module flow_bucket_ram #(
  parameter int unsigned BucketLog2Max = 9,    // buckets = 2^BucketLog2Max
  parameter int unsigned SlotBits      = 370,  // FLOW_ENTRY bits 369:0
  parameter int unsigned Slots         = 4
) (
  input  wire logic                         clk_i,
  // Port A: lookup read
  input  wire logic                         en_a_i,
  input  wire logic [BucketLog2Max-1:0]     addr_a_i,
  output      logic [Slots*SlotBits-1:0]    rdata_a_o,
  // Port B: engine read / write
  input  wire logic                         re_b_i,
  input  wire logic                         we_b_i,
  input  wire logic [BucketLog2Max-1:0]     addr_b_i,
  input  wire logic [Slots-1:0]             slot_we_b_i,  // slots written by a write
  input  wire logic [Slots*SlotBits-1:0]    wbkt_b_i,     // slot s takes its slot-s bits
  output      logic [Slots*SlotBits-1:0]    rdata_b_o
);
  localparam int unsigned Buckets = 2 ** BucketLog2Max;

  logic [Slots*SlotBits-1:0] mem_q [Buckets];

  always_ff @(posedge clk_i) begin
    if (en_a_i) rdata_a_o <= mem_q[addr_a_i];
  end

  always_ff @(posedge clk_i) begin
    if (re_b_i) rdata_b_o <= mem_q[addr_b_i];
  end

  always_ff @(posedge clk_i) begin
    if (we_b_i) begin
      for (int s = 0; s < Slots; s++) begin
        if (slot_we_b_i[s]) mem_q[addr_b_i][s*SlotBits +: SlotBits] <= wbkt_b_i[s*SlotBits +: SlotBits];
      end
    end
  end
endmodule

`default_nettype wire
