#include "core/core_model.hpp"

#include "common/gen/conductor_regs.hpp"

namespace conductor {

SteerMeta core_steer(const CoreRegs& regs, ParseStatus status, const Decision& dec) {
  SteerMeta m;
  m.status = status;
  if (status_takes_default(status)) {
    m.defaulted = true;
    m.member = static_cast<uint8_t>((regs.default_dest >> regs::PARSER_DEFAULT_DEST_MEMBER_LSB) & 0x3F);
    m.site = static_cast<uint8_t>((regs.default_dest >> regs::PARSER_DEFAULT_DEST_SITE_LSB) & 1);
    m.deliver = ((regs.parser_ctrl >> regs::PARSER_CTRL_DEFAULT_ACTION_LSB) & 1) == 0;
  } else {
    m.hash = dec.hash;
    m.bucket = dec.bucket;
    m.member = dec.member;
    m.site = dec.site;
    m.deliver = dec.valid;
  }
  return m;
}

void core_count(CoreCounters& c, const SteerMeta& meta) {
  ++c.rx_pkts;
  switch (meta.status) {
    case ParseStatus::kOk: ++c.parsed_ok; break;
    case ParseStatus::kNonIp: ++c.non_ip; break;
    case ParseStatus::kTruncated: ++c.truncated; break;
    case ParseStatus::kBadHeader: ++c.bad_header; break;
    case ParseStatus::kExtLimit: ++c.ext_limit; break;
  }
  if (meta.defaulted) ++c.defaulted;
  if (!meta.deliver) ++c.dropped;
}

SteerMeta core_process(const CoreRegs& regs, const uint8_t* frame, size_t len, uint8_t sg_id,
                       CoreCounters* counters) {
  ParseResult p = parse_frame(frame, len, sg_id);
  Decision dec = dist_hash_model(regs.hash, p.key);
  SteerMeta meta = core_steer(regs, p.status, dec);
  if (counters) core_count(*counters, meta);
  return meta;
}

}  // namespace conductor
