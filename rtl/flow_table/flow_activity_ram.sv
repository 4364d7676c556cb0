// Activity marks of one flow-table sub-table: one bit per slot, a word of Slots bits per bucket
// (docs/flow_table.md, "Activity"). The lookup pipeline sets the bits of the slots its lookups hit
// on port A (write only, bit enables); the engine reads a bucket's bits for an AGE op and writes
// them on port B (bit enables: 1 for a new or moved entry, 0 for an entry the AGE refreshed, all 0
// while it clears the table after reset). Both ports may write one word in the same clock: port B
// is applied after port A, and the engine never clears a bit that port A sets in that clock (its
// keep mask), so the order only matters for equal values. Reads return the word as it was before
// the clock's writes (registered output, advances with re_b_i).
// On an UltraScale+ part the bits fit LUTRAM or a BRAM with byte enables (4-bit words): 2^15
// buckets x 4 bits = 128 Kbit per sub-table.
`default_nettype none

module flow_activity_ram #(
  parameter int unsigned BucketLog2Max = 9,  // buckets = 2^BucketLog2Max
  parameter int unsigned Slots         = 4
) (
  input  wire logic                     clk_i,
  // Port A: lookup marks
  input  wire logic                     we_a_i,
  input  wire logic [BucketLog2Max-1:0] addr_a_i,
  input  wire logic [Slots-1:0]         set_a_i,    // slots whose bit becomes 1
  // Port B: engine
  input  wire logic                     re_b_i,
  input  wire logic                     we_b_i,
  input  wire logic [BucketLog2Max-1:0] addr_b_i,
  input  wire logic [Slots-1:0]         wmask_b_i,  // slots written
  input  wire logic [Slots-1:0]         wdata_b_i,
  output      logic [Slots-1:0]         rdata_b_o
);
  localparam int unsigned Buckets = 2 ** BucketLog2Max;

  logic [Slots-1:0] mem_q [Buckets];

  always_ff @(posedge clk_i) begin
    if (re_b_i) rdata_b_o <= mem_q[addr_b_i];
  end

  always_ff @(posedge clk_i) begin
    for (int s = 0; s < Slots; s++) begin
      if (we_a_i && set_a_i[s]) mem_q[addr_a_i][s] <= 1'b1;
      if (we_b_i && wmask_b_i[s]) mem_q[addr_b_i][s] <= wdata_b_i[s];
    end
  end
endmodule

`default_nettype wire
