// Synchronous first-word-fall-through FIFO: rdata_o shows the head whenever !empty_o; a write is
// visible at the head one clock later. Storage is a plain array with an asynchronous read (LUTRAM
// on an FPGA); writing while full or reading while empty is ignored and flagged by the benches.
`default_nettype none

module sync_fifo #(
  parameter int unsigned Width = 8,   // bits per entry
  parameter int unsigned Depth = 16   // entries, a power of two >= 2
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
  assign rdata_o  = mem_q[rd_q[PtrBits-1:0]];

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
