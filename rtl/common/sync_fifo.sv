// Synchronous first-word-fall-through FIFO: rdata_o shows the head whenever !empty_o; a write is
// visible at the head one clock later. Storage is a plain array with an asynchronous read (LUTRAM
// on an FPGA); writing while full or reading while empty is ignored and flagged by the benches.
// RegHead = 1 keeps the head in a register as well, with the same timing (a write into an empty
// FIFO, or one that empties this clock, goes straight into it): rdata_o then starts at a flop, not
// at the storage's read through the read pointer, for a consumer with deep logic on the head.
`default_nettype none

module sync_fifo #(
  parameter int unsigned Width = 8,   // bits per entry
  parameter int unsigned Depth = 16,  // entries, a power of two >= 2
  parameter bit          RegHead = 1'b0  // rdata_o from a register (same timing)
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,
  input  wire logic             we_i,
  input  wire logic [Width-1:0] wdata_i,
  input  wire logic             re_i,
  output      logic [Width-1:0] rdata_o,
  output      logic             empty_o,
  output      logic             full_o,
  output      logic [$clog2(Depth):0] count_o
);
  localparam int unsigned PtrBits = $clog2(Depth);

  if (Depth < 2 || (2 ** PtrBits) != Depth) begin : gen_bad_depth
    $error("Depth must be a power of two >= 2");
  end

  logic [Width-1:0] mem_q [Depth];
  logic [PtrBits:0] wr_q, rd_q;
  logic             do_write, do_read;

  assign empty_o  = (wr_q == rd_q);
  assign full_o   = (wr_q[PtrBits] != rd_q[PtrBits]) && (wr_q[PtrBits-1:0] == rd_q[PtrBits-1:0]);
  assign count_o  = wr_q - rd_q;
  assign do_write = we_i && !full_o;
  assign do_read  = re_i && !empty_o;
  if (RegHead) begin : gen_reg_head
    // The head after this clock: with a read, the next entry (or this clock's write when the
    // FIFO holds only the head); without one, the head (or this clock's write when empty). Each
    // candidate is formed from registers and the write; the read picks one at the end.
    logic [Width-1:0] head_q, next_entry, head_d;
    logic [PtrBits:0] rd1_q;  // rd_q + 1
    assign next_entry = (do_write && wr_q == rd1_q) ? wdata_i : mem_q[rd1_q[PtrBits-1:0]];
    assign head_d     = do_read ? next_entry : (do_write && empty_o) ? wdata_i : head_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) rd1_q <= (PtrBits + 1)'(1);
      else if (do_read) rd1_q <= rd1_q + 1'b1;
    end
    always_ff @(posedge clk_i) head_q <= head_d;
    assign rdata_o = head_q;
  end else begin : gen_mem_head
    assign rdata_o = mem_q[rd_q[PtrBits-1:0]];
  end

  always_ff @(posedge clk_i) begin
    if (do_write) mem_q[wr_q[PtrBits-1:0]] <= wdata_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q <= '0;
      rd_q <= '0;
    end else begin
      if (do_write) wr_q <= wr_q + 1'b1;
      if (do_read)  rd_q <= rd_q + 1'b1;
    end
  end
endmodule

`default_nettype wire
