#include "host/device/device.hpp"

#include <cstdio>

#include "common/gen/conductor_regs.hpp"

namespace conductor::device {

using namespace conductor::regs;

uint32_t Identity::bucket_log2_max() const {
  return field_get(caps, ID_CAPS_BUCKET_LOG2_MAX_LSB, ID_CAPS_BUCKET_LOG2_MAX_WIDTH);
}
uint32_t Identity::lanes() const { return field_get(caps, ID_CAPS_LANES_LSB, ID_CAPS_LANES_WIDTH); }
uint32_t Identity::max_sites() const { return field_get(caps, ID_CAPS_MAX_SITES_LSB, ID_CAPS_MAX_SITES_WIDTH); }
uint32_t Identity::max_members() const { return field_get(caps, ID_CAPS_MAX_MEMBERS_LSB, ID_CAPS_MAX_MEMBERS_WIDTH); }

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

namespace {

std::string magic_text(uint32_t m) {
  std::string s;
  for (int i = 3; i >= 0; --i) {
    char c = static_cast<char>((m >> (8 * i)) & 0xFF);
    s += (c >= 0x20 && c < 0x7F) ? c : '.';
  }
  return s;
}

}  // namespace

std::string Identity::to_string() const {
  char b[160];
  std::snprintf(b, sizeof b, "magic %s version %u.%u build %08x buckets 2^%u lanes %u sites %u members %u",
                magic_text(magic).c_str(), version_major(), version_minor(), build_hash, bucket_log2_max(), lanes(),
                max_sites(), max_members());
  return b;
}

bool in_core(std::string_view block) {
  static constexpr std::string_view kCoreBlocks[] = {"id",    "parser",       "dist_hash",   "flow_table",
                                                     "steer", "sync_encoder", "sync_decoder"};
  for (std::string_view b : kCoreBlocks)
    if (b == block) return true;
  return false;
}

Status check_address(uint32_t addr) {
  if (addr & 3u) return make_error(Errc::kInvalidArgument, "register address " + hex32(addr) + " is not word-aligned");
  if (addr >> kAddressBits)
    return make_error(Errc::kInvalidArgument,
                      "register address " + hex32(addr) + " is beyond the core's 20-bit register port");
  return ok_status();
}

Expected<Identity> Device::identity() {
  Identity id;
  struct {
    uint32_t addr;
    uint32_t* dst;
  } const reads[] = {{ID_MAGIC_ADDR, &id.magic},
                     {ID_VERSION_ADDR, &id.version},
                     {ID_BUILD_HASH_ADDR, &id.build_hash},
                     {ID_CAPS_ADDR, &id.caps}};
  for (const auto& r : reads) {
    auto v = read_reg(r.addr);
    if (!v)
      return make_error(v.error().code, std::string(kind()) + " device: reading the ID block: " + v.error().message);
    *r.dst = *v;
  }
  return id;
}

Status check_identity(const Identity& id, std::string_view kind, uint32_t buckets) {
  const std::string who = std::string(kind) + " device";
  if (id.magic != ID_MAGIC_RESET)
    return make_error(Errc::kUnsupported, who + ": ID magic is " + hex32(id.magic) + " ('" + magic_text(id.magic) +
                                              "'), expected " + hex32(ID_MAGIC_RESET) +
                                              " ('CNDR'): not a Conductor core");
  const uint32_t want_major = ID_VERSION_RESET >> 16;
  if (id.version_major() != want_major)
    return make_error(Errc::kUnsupported, who + ": register map version " + std::to_string(id.version_major()) + "." +
                                              std::to_string(id.version_minor()) +
                                              ", this build speaks major version " + std::to_string(want_major) + " (" +
                                              hex32(ID_VERSION_RESET) + ")");
  if (id.max_sites() < 2 || id.max_members() < 64)
    return make_error(Errc::kUnsupported, who + ": supports " + std::to_string(id.max_sites()) + " sites and " +
                                              std::to_string(id.max_members()) +
                                              " members per site; 2 and 64 are needed");
  if (id.bucket_log2_max() > 16 || (uint64_t{1} << id.bucket_log2_max()) < buckets)
    return make_error(Errc::kUnsupported, who + ": its bucket table holds 2^" + std::to_string(id.bucket_log2_max()) +
                                              " entries, the configuration asks for " + std::to_string(buckets) +
                                              " ([hash] buckets)");
  return ok_status();
}

}  // namespace conductor::device
