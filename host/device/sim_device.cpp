#include "host/device/sim_device.hpp"

#include "rtl_core.hpp"

namespace conductor::device {

SimDevice::SimDevice() : core_(std::make_unique<RtlCore>()) {}
SimDevice::SimDevice(const RtlCoreOptions& options) : core_(std::make_unique<RtlCore>(options)) {}
SimDevice::~SimDevice() = default;

uint64_t SimDevice::cycles() const { return core_->cycle(); }

Status SimDevice::write_reg(uint32_t addr, uint32_t value, uint8_t strb) {
  if (Status s = check_address(addr); !s) return s;
  if (!core_->write_reg(addr, value, strb))
    return make_error(Errc::kInvalidArgument, "sim device: write to " + hex32(addr) + " answered SLVERR");
  return ok_status();
}

Expected<uint32_t> SimDevice::read_reg(uint32_t addr) {
  if (Status s = check_address(addr); !s) return s.error();
  uint32_t v = 0;
  if (!core_->read_reg(addr, &v))
    return make_error(Errc::kInvalidArgument, "sim device: read of " + hex32(addr) + " answered SLVERR");
  return v;
}

Expected<std::vector<FrameResult>> SimDevice::process(const std::vector<TimedFrame>& frames) {
  std::vector<FrameResult> out;
  out.reserve(frames.size());
  size_t next = 0;
  const bool ok = core_->run(
      RtlCore::TimedFrameSource([&](std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time) {
        if (next == frames.size()) return false;
        *bytes = frames[next].frame.bytes;
        *sg = frames[next].frame.sg_id;
        *time = frames[next].time;
        ++next;
        return true;
      }),
      [&](CoreFrameOut&& f) {
        out.push_back(FrameResult{f.meta.site, f.meta.member, f.meta.deliver, static_cast<uint8_t>(f.action)});
      });
  if (!ok) return make_error(Errc::kIo, "sim device: " + core_->error());
  core_->settle();  // let queued flow-table ops finish, so counters read afterwards are final
  return out;
}

}  // namespace conductor::device
