// HyperSync feed of conductor_core (issue 11, docs/hypersync.md §13.2): the flow table's events
// (FLOW_EVENT, one per clock at most, never back-pressured) become SYNC_RECORDs for the core's
// sync_encoder, through a queue that never holds the events back.
//
//   event                                   record (steer.SYNC.ENABLE)
//   INSERT DONE (a learned connection)      NEW,    with steer.SYNC.AT_INSERT
//   MATURED (the sweep: delayed notice)     NEW
//   REFRESHED (KEEPALIVE: a synced entry    UPDATE (its LAST_SEEN moved on)
//     the sweep found active)
//   UPDATE DONE (owner or backups moved)    UPDATE, when the entry is synced
//   EXPIRED, DELETE DONE                    DELETE, when the entry is synced
//
// "Synced" is FLOW_SYNC.SYNCED with EPOCH = flow_table.SYNC_MATURE.GEN, or any entry under
// AT_INSERT (every connection was sent when it was learned). A connection that ends before it
// matures costs no record. KEY and VALUE are the event's; DEST is steer.SYNC.DEST; CREATED and NOW
// are the value's LAST_SEEN (the table does the delaying, so the encoder's thresholds are 0).
// A record that finds the queue full is dropped and counted (SYNC_DROPPED): the data path never
// waits for sync; the host then resyncs the table by flipping SYNC_MATURE.GEN (docs/hypersync.md).
module sync_feed #(
  parameter int unsigned Depth = 16  // records queued ahead of the encoder (power of two)
) (
  input  wire logic         clk_i,
  input  wire logic         rst_ni,
  input  wire logic [31:0]  sync_i,         // steer.SYNC
  input  wire logic         gen_i,          // flow_table.SYNC_MATURE.GEN
  input  wire logic         clear_i,        // counter clear (steer.COUNTER_CLEAR)
  input  wire logic [conductor_regs_pkg::FLOW_EVENT_BITS-1:0] ev_tdata_i,
  input  wire logic         ev_tvalid_i,
  output      logic [447:0] m_rec_tdata_o,  // SYNC_RECORD
  output      logic         m_rec_tvalid_o,
  input  wire logic         m_rec_tready_i,
  output      logic [31:0]  records_o,      // SYNC_RECORDS
  output      logic [31:0]  dropped_o       // SYNC_DROPPED
);
  localparam int unsigned KeyBits = conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH;  // 305
  localparam int unsigned SyncLsb = conductor_regs_pkg::FLOW_VALUE_SYNC_FLAGS_LSB;

  logic [3:0]  status, opcode;
  logic [63:0] value;
  logic        enable, at_insert, synced;
  logic [1:0]  op;  // SYNC_RECORD.OP; INVALID: no record
  assign status    = ev_tdata_i[conductor_regs_pkg::FLOW_EVENT_STATUS_LSB +: 4];
  assign opcode    = ev_tdata_i[conductor_regs_pkg::FLOW_EVENT_OPCODE_LSB +: 4];
  assign value     = ev_tdata_i[conductor_regs_pkg::FLOW_EVENT_VALUE_LSB +: 64];
  assign enable    = sync_i[conductor_regs_pkg::STEER_SYNC_ENABLE_LSB];
  assign at_insert = sync_i[conductor_regs_pkg::STEER_SYNC_AT_INSERT_LSB];
  assign synced    = at_insert || (value[SyncLsb + conductor_regs_pkg::FLOW_SYNC_SYNCED_LSB] &&
                                   value[SyncLsb + conductor_regs_pkg::FLOW_SYNC_EPOCH_LSB] == gen_i);
  always_comb begin
    op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_INVALID);
    if (status == 4'(conductor_regs_pkg::FLOW_EVENT_STATUS_MATURED)) begin
      op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_NEW);
    end else if (status == 4'(conductor_regs_pkg::FLOW_EVENT_STATUS_REFRESHED)) begin
      op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_UPDATE);  // a keepalive: synced by construction
    end else if (status == 4'(conductor_regs_pkg::FLOW_EVENT_STATUS_EXPIRED)) begin
      if (synced) op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_DELETE);
    end else if (status == 4'(conductor_regs_pkg::FLOW_EVENT_STATUS_DONE)) begin
      if (opcode == 4'(conductor_regs_pkg::FLOW_OP_OPCODE_INSERT) && at_insert)
        op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_NEW);
      else if (opcode == 4'(conductor_regs_pkg::FLOW_OP_OPCODE_UPDATE) && synced)
        op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_UPDATE);
      else if (opcode == 4'(conductor_regs_pkg::FLOW_OP_OPCODE_DELETE) && synced)
        op = 2'(conductor_regs_pkg::SYNC_RECORD_OP_DELETE);
    end
  end

  // The record, registered with its push (the event's decode and the queue's full flag meet here).
  logic [447:0] rec_q;
  logic         push_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) push_q <= 1'b0;
    else push_q <= ev_tvalid_i && enable && op != 2'(conductor_regs_pkg::SYNC_RECORD_OP_INVALID);
  end
  logic [447:0] rec;
  always_comb begin
    rec = '0;
    rec[conductor_regs_pkg::SYNC_RECORD_KEY_LSB +: KeyBits] = ev_tdata_i[conductor_regs_pkg::FLOW_EVENT_KEY_LSB +: KeyBits];
    rec[conductor_regs_pkg::SYNC_RECORD_VALUE_LSB +: 64] = value;
    rec[conductor_regs_pkg::SYNC_RECORD_OP_LSB +: conductor_regs_pkg::SYNC_RECORD_OP_WIDTH] = op;
    rec[conductor_regs_pkg::SYNC_RECORD_DEST_LSB +: 8] = sync_i[conductor_regs_pkg::STEER_SYNC_DEST_LSB +: 8];
    rec[conductor_regs_pkg::SYNC_RECORD_CREATED_LSB +: 32] = value[conductor_regs_pkg::FLOW_VALUE_LAST_SEEN_LSB +: 32];
    rec[conductor_regs_pkg::SYNC_RECORD_NOW_LSB +: 32] = value[conductor_regs_pkg::FLOW_VALUE_LAST_SEEN_LSB +: 32];
  end
  always_ff @(posedge clk_i) rec_q <= rec;

  logic full, empty;
  logic [$clog2(Depth):0] count;
  sync_fifo #(.Width(448), .Depth(Depth), .RegHead(1'b1)) u_queue (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (push_q && !full),
    .wdata_i (rec_q),
    .re_i    (m_rec_tready_i && !empty),
    .rdata_o (m_rec_tdata_o),
    .empty_o (empty),
    .full_o  (full),
    .count_o (count)
  );
  assign m_rec_tvalid_o = !empty;

  logic [31:0] records_q, dropped_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      records_q <= '0;
      dropped_q <= '0;
    end else if (clear_i) begin
      records_q <= '0;
      dropped_q <= '0;
    end else begin
      if (push_q && !full) records_q <= records_q + 32'd1;
      if (push_q && full) dropped_q <= dropped_q + 32'd1;
    end
  end
  assign records_o = records_q;
  assign dropped_o = dropped_q;

  logic unused;
  assign unused = ^{count, sync_i[31:16], sync_i[7:2], ev_tdata_i[conductor_regs_pkg::FLOW_EVENT_BITS-1:392],
                    ev_tdata_i[383:369]};
endmodule
