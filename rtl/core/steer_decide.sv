// The correction rule for one frame, combinational: from the frame's parse status, its DECISION
// (dist_hash) and the flow-table value it sees (hit_i/value_i), the steering (STEER_META without
// OP_DROPPED), the action and the op the frame issues. conductor_core evaluates it a clock ahead of
// its steer stage on the lookup result (and on "miss"), and on an in-flight value in its slow path
// (docs/architecture.md, "The steer pipeline"). Golden model: CoreModel::correct (hls/core).
//
// The register reads the rule needs (MEMBER_UP and SITE_UP of the owner and its backups, the
// backup map of the bucket member and of both backups) are made a clock earlier by steer_reads
// into registers (pre_i), so the rule itself is the destination choice and one selection.
`default_nettype none

module steer_decide (
  input  wire logic [3:0]    status_i,        // parse status
  input  wire logic [63:0]   dec_i,           // DECISION
  input  wire logic          hit_i,           // the flow table (or an in-flight op) holds the flow
  input  wire logic [63:0]   value_i,         // its FLOW_VALUE (when hit_i)
  input  wire logic [51:0]   pre_i,           // steer_reads of dec_i and value_i
  input  wire logic [31:0]   default_dest_i,  // parser.DEFAULT_DEST
  input  wire logic          drop_default_i,  // parser.CTRL.DEFAULT_ACTION
  output      logic [conductor_regs_pkg::STEER_META_BITS-1:0] meta_o,
  output      logic [1:0]    action_o,
  output      logic          has_op_o,
  output      logic          is_insert_o,
  output      logic [3:0]    opcode_o,
  output      logic [63:0]   op_value_o       // the op's FLOW_VALUE (LAST_SEEN set by the caller)
);
  logic [6:0]  owner, lb, rb, bucket_dest, dest;
  logic        owner_site_up, owner_up, lb_up, rb_up, takes_default, dec_valid, to_lb, to_rb;
  logic [15:0] bk_bucket, bk_lb, bk_rb, bk_dest;

  assign bucket_dest = {dec_i[conductor_regs_pkg::DECISION_SITE_LSB], dec_i[conductor_regs_pkg::DECISION_MEMBER_LSB +: 6]};
  assign dec_valid   = dec_i[conductor_regs_pkg::DECISION_VALID_LSB];
  assign owner = {value_i[conductor_regs_pkg::FLOW_VALUE_OWNER_SITE_LSB], value_i[conductor_regs_pkg::FLOW_VALUE_OWNER_MEMBER_LSB +: 6]};
  assign lb    = {value_i[conductor_regs_pkg::FLOW_VALUE_OWNER_SITE_LSB], value_i[conductor_regs_pkg::FLOW_VALUE_LB_MEMBER_LSB +: 6]};
  assign rb    = {value_i[conductor_regs_pkg::FLOW_VALUE_RB_SITE_LSB], value_i[conductor_regs_pkg::FLOW_VALUE_RB_MEMBER_LSB +: 6]};
  assign {bk_bucket, bk_rb, bk_lb, rb_up, lb_up, owner_up, owner_site_up} = pre_i;
  // Owner down: local backup, else remote backup, else the bucket member.
  assign to_lb = owner_site_up && lb_up;
  assign to_rb = !to_lb && rb_up;
  assign dest  = to_lb ? lb : to_rb ? rb : bucket_dest;
  assign bk_dest   = to_lb ? bk_lb : to_rb ? bk_rb : bk_bucket;
  assign takes_default = (status_i == conductor_regs_pkg::STEER_META_STATUS_NON_IP) ||
                         (status_i == conductor_regs_pkg::STEER_META_STATUS_TRUNCATED) ||
                         (status_i == conductor_regs_pkg::STEER_META_STATUS_BAD_HEADER);

  always_comb begin
    meta_o = '0;
    meta_o[conductor_regs_pkg::STEER_META_STATUS_LSB +: 4] = status_i;
    has_op_o = 1'b0;
    is_insert_o = 1'b0;
    opcode_o = 4'd0;
    action_o = conductor_regs_pkg::STEER_META_ACTION_NEW;
    op_value_o = value_i;
    if (takes_default) begin
      meta_o[conductor_regs_pkg::STEER_META_MEMBER_LSB +: 6] = default_dest_i[conductor_regs_pkg::PARSER_DEFAULT_DEST_MEMBER_LSB +: 6];
      meta_o[conductor_regs_pkg::STEER_META_SITE_LSB]        = default_dest_i[conductor_regs_pkg::PARSER_DEFAULT_DEST_SITE_LSB];
      meta_o[conductor_regs_pkg::STEER_META_DELIVER_LSB]     = !drop_default_i;
      meta_o[conductor_regs_pkg::STEER_META_DEFAULTED_LSB]   = 1'b1;
    end else begin
      meta_o[conductor_regs_pkg::STEER_META_HASH_LSB +: 32]   = dec_i[conductor_regs_pkg::DECISION_HASH_LSB +: 32];
      meta_o[conductor_regs_pkg::STEER_META_BUCKET_LSB +: 16] = dec_i[conductor_regs_pkg::DECISION_BUCKET_LSB +: 16];
      meta_o[conductor_regs_pkg::STEER_META_DELIVER_LSB]      = 1'b1;
      meta_o[conductor_regs_pkg::STEER_META_MEMBER_LSB +: 6]  = bucket_dest[5:0];
      meta_o[conductor_regs_pkg::STEER_META_SITE_LSB]         = bucket_dest[6];
      if (!hit_i) begin
        // New connection: follows the bucket; learned with the bucket member's backups.
        meta_o[conductor_regs_pkg::STEER_META_DELIVER_LSB] = dec_valid;
        if (dec_valid) begin
          has_op_o = 1'b1;
          is_insert_o = 1'b1;
          opcode_o = conductor_regs_pkg::FLOW_OP_OPCODE_INSERT;
          op_value_o = '0;
          op_value_o[6:0] = bucket_dest;
          op_value_o[23:8] = bk_bucket;
        end
      end else if (owner_up) begin
        // No op: the flow table marked the entry active in line (the AGE sweep refreshes it).
        meta_o[conductor_regs_pkg::STEER_META_MEMBER_LSB +: 6] = owner[5:0];
        meta_o[conductor_regs_pkg::STEER_META_SITE_LSB]        = owner[6];
        action_o = (dec_valid && owner == bucket_dest) ? conductor_regs_pkg::STEER_META_ACTION_HIT
                                                       : conductor_regs_pkg::STEER_META_ACTION_CORRECTED;
      end else begin
        // Owner down: the backup (or the bucket member) is written back as the owner.
        action_o = conductor_regs_pkg::STEER_META_ACTION_FAILOVER;
        meta_o[conductor_regs_pkg::STEER_META_MEMBER_LSB +: 6] = dest[5:0];
        meta_o[conductor_regs_pkg::STEER_META_SITE_LSB]        = dest[6];
        if (!lb_up && !rb_up && !dec_valid) begin
          meta_o[conductor_regs_pkg::STEER_META_DELIVER_LSB] = 1'b0;
        end else begin
          has_op_o = 1'b1;
          opcode_o = conductor_regs_pkg::FLOW_OP_OPCODE_UPDATE;
          op_value_o[6:0] = dest;
          op_value_o[23:8] = bk_dest;
        end
      end
    end
    meta_o[conductor_regs_pkg::STEER_META_ACTION_LSB +: 2] = action_o;
  end
endmodule

`default_nettype wire
