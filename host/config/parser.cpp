// Three passes: (1) lines -> sections of key/value entries (syntax, section headers, duplicates);
// (2) each section's entries -> its typed struct through the section's key table (values);
// (3) cross-checks between sections (references, uniqueness, limits). Every pass keeps going after
// an error so one run reports everything; a section whose header or values failed is marked broken
// and skipped by the checks that would only repeat its error.
#include "host/config/parser.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "host/config/diff.hpp"
#include "host/config/text.hpp"
#include "host/config/values.hpp"

namespace conductor::config {

std::string Diagnostic::to_string() const {
  return line == 0 ? file + ": " + message : file + ":" + std::to_string(line) + ": " + message;
}

std::string ParseResult::errors_text() const {
  std::string out;
  for (const Diagnostic& d : errors) out += d.to_string() + "\n";
  return out;
}

namespace {

Error bad(std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); }

template <class T, class U>
Status assign(T& dst, Expected<U> v) {
  if (!v) return v.error();
  dst = static_cast<T>(std::move(*v));
  return ok_status();
}

// ---- value helpers used by several sections ----

Expected<IpAddress> parse_unicast(std::string_view s) {
  auto a = parse_ip(s);
  if (!a) return a.error();
  if (a->is_unspecified()) return bad(a->to_string() + " is the unspecified address, not a host address");
  if (a->is_multicast()) return bad(a->to_string() + " is a multicast address, not a host address");
  if (a->is_v4() && a->bytes[0] == 255 && a->bytes[1] == 255 && a->bytes[2] == 255 && a->bytes[3] == 255)
    return bad("255.255.255.255 is the broadcast address, not a host address");
  return a;
}

Expected<std::vector<IpAddress>> parse_unicast_list(std::string_view s) {
  std::vector<IpAddress> out;
  if (trim(s).empty()) return bad("empty list");
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    std::string_view item =
        trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (item.empty()) return bad("empty item in the list (a stray comma?)");
    auto a = parse_unicast(item);
    if (!a) return a.error();
    if (std::find(out.begin(), out.end(), *a) != out.end()) return bad(a->to_string() + " is listed twice");
    out.push_back(*a);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Expected<std::vector<MemberId>> parse_unique_members(std::string_view s) {
  auto ids = parse_member_list(s);
  if (!ids) return ids.error();
  std::set<MemberId> seen;
  for (MemberId id : *ids)
    if (!seen.insert(id).second) return bad(member_id_text(id) + " is listed twice");
  return ids;
}

Expected<uint64_t> parse_power_of_two(std::string_view s) {
  auto n = parse_uint(s, kMinBuckets, kMaxBuckets);
  if (!n) return n.error();
  if ((*n & (*n - 1)) != 0) return bad(std::to_string(*n) + " is not a power of two (1, 2, 4, ... 65536)");
  return n;
}

Expected<std::string> parse_group_name(std::string_view s) {
  // POSIX portable user/group names.
  const bool ok = !s.empty() && s.size() <= 32 && (std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_') &&
                  std::all_of(s.begin(), s.end(), [](char c) {
                    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                           c == '_' || c == '-';
                  });
  if (!ok) return bad(quote(s) + " is not a group name (lower-case letters, digits, '_' and '-', up to 32)");
  return std::string(s);
}

Expected<std::string> parse_interface_name(std::string_view s) {
  // What the kernel accepts (dev_valid_name): 1..15 bytes, not "." or "..", no '/', ':' or white space.
  if (s.size() > kMaxInterfaceNameLength)
    return bad(quote(s) + " is " + std::to_string(s.size()) + " characters long; an interface name has at most 15");
  if (s == "." || s == "..") return bad(quote(s) + " is not an interface name");
  for (char c : s)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
        !std::isprint(static_cast<unsigned char>(c)))
      return bad(quote(s) + " is not an interface name (no '/', ':' or white space)");
  return std::string(s);
}

Expected<std::string> parse_socket_path(std::string_view s) {
  constexpr size_t kSunPath = 107;  // sizeof(sockaddr_un::sun_path) - 1 on Linux
  if (s.front() != '/') return bad(quote(s) + " is not an absolute path");
  if (s.back() == '/') return bad(quote(s) + " names a directory, not a socket file");
  if (s.size() > kSunPath)
    return bad("path is " + std::to_string(s.size()) + " bytes long; a Unix socket path holds at most 107");
  return std::string(s);
}

Expected<std::optional<Endpoint>> parse_metrics(std::string_view s) {
  if (s == "off") return std::optional<Endpoint>{};
  if (s.find(':') == std::string_view::npos) return bad(quote(s) + " is not ADDRESS:PORT or off (e.g. 127.0.0.1:9816)");
  auto e = parse_endpoint(s);
  if (!e) return e.error();
  if (!e->address.is_loopback())
    return bad(e->address.to_string() +
               " is not a loopback address (127.0.0.0/8 or ::1): the endpoint has no authentication");
  return std::optional<Endpoint>{*e};
}

Expected<uint8_t> parse_site_id(std::string_view s) {
  auto n = parse_uint(s, 0, kMaxSites - 1);
  if (!n) return bad(quote(s) + " is not a site id (sites are 0 and 1)");
  return static_cast<uint8_t>(*n);
}

// ---- section key tables ----

template <class T>
struct KeySpec {
  std::string_view key;
  bool required;
  Status (*apply)(T&, std::string_view);
};

const KeySpec<ClusterSettings> kClusterKeys[] = {
    {"name", false, [](ClusterSettings& c, std::string_view v) { return assign(c.name, parse_name(v)); }},
    {"active-site", false,
     [](ClusterSettings& c, std::string_view v) { return assign(c.active_site, parse_site_id(v)); }},
    {"failback", false, [](ClusterSettings& c, std::string_view v) { return assign(c.failback, parse_bool(v)); }},
};

const KeySpec<Site> kSiteKeys[] = {
    {"name", false, [](Site& s, std::string_view v) { return assign(s.name, parse_name(v)); }},
    {"vrid", false, [](Site& s, std::string_view v) { return assign(s.vrid, parse_uint(v, 1, 255)); }},
    {"advert-interval", false,
     [](Site& s, std::string_view v) -> Status {
       auto d = parse_duration(v, std::chrono::milliseconds{10}, std::chrono::milliseconds{40950});
       if (!d) return d.error();
       if (d->count() % 10'000 != 0)
         return bad(std::string(v) + " is not a multiple of 10ms (VRRP counts centiseconds)");
       s.advert_interval_cs = static_cast<uint16_t>(d->count() / 10'000);
       return ok_status();
     }},
    {"preempt", false, [](Site& s, std::string_view v) { return assign(s.preempt, parse_bool(v)); }},
    {"accept-mode", false, [](Site& s, std::string_view v) { return assign(s.accept_mode, parse_bool(v)); }},
    {"virtual-addresses", false,
     [](Site& s, std::string_view v) { return assign(s.virtual_addresses, parse_unicast_list(v)); }},
};

const KeySpec<Orchestrator> kOrchestratorKeys[] = {
    {"site", true, [](Orchestrator& o, std::string_view v) { return assign(o.site, parse_site_id(v)); }},
    {"address", true, [](Orchestrator& o, std::string_view v) { return assign(o.address, parse_unicast(v)); }},
    {"priority", false,
     [](Orchestrator& o, std::string_view v) -> Status {
       if (v == "255") return bad("255 is reserved for the VRRP address owner (allowed 1..254)");
       return assign(o.priority, parse_uint(v, 1, 254));
     }},
    {"interface", false,
     [](Orchestrator& o, std::string_view v) { return assign(o.interface, parse_interface_name(v)); }},
};

const KeySpec<Member> kMemberKeys[] = {
    {"name", false, [](Member& m, std::string_view v) { return assign(m.name, parse_name(v)); }},
    {"address", false,
     [](Member& m, std::string_view v) -> Status {
       auto a = parse_unicast(v);
       if (!a) return a.error();
       m.address = *a;
       return ok_status();
     }},
    {"weight", false, [](Member& m, std::string_view v) { return assign(m.weight, parse_uint(v, 0, kMaxWeight)); }},
    {"admin", false, [](Member& m, std::string_view v) { return assign(m.admin, parse_admin_state(v)); }},
};

const KeySpec<SecurityGroup> kGroupKeys[] = {
    {"id", false, [](SecurityGroup& g, std::string_view v) { return assign(g.id, parse_uint(v, 0, 255)); }},
    {"members", true, [](SecurityGroup& g, std::string_view v) { return assign(g.members, parse_unique_members(v)); }},
};

const KeySpec<Autoscale> kAutoscaleKeys[] = {
    {"enabled", false, [](Autoscale& a, std::string_view v) { return assign(a.enabled, parse_bool(v)); }},
    {"min-members", false,
     [](Autoscale& a, std::string_view v) { return assign(a.min_members, parse_uint(v, 1, kMaxClusterMembers)); }},
    {"max-members", false,
     [](Autoscale& a, std::string_view v) { return assign(a.max_members, parse_uint(v, 1, kMaxClusterMembers)); }},
    {"spares", false, [](Autoscale& a, std::string_view v) { return assign(a.spares, parse_unique_members(v)); }},
    {"scale-out-cpu", false,
     [](Autoscale& a, std::string_view v) { return assign(a.scale_out_cpu_percent, parse_percent(v)); }},
    {"scale-in-cpu", false,
     [](Autoscale& a, std::string_view v) { return assign(a.scale_in_cpu_percent, parse_percent(v)); }},
    {"scale-out-throughput", false,
     [](Autoscale& a, std::string_view v) -> Status {
       auto r = parse_rate(v);
       if (!r) return r.error();
       a.scale_out_bps = *r;
       return ok_status();
     }},
    {"scale-in-throughput", false,
     [](Autoscale& a, std::string_view v) -> Status {
       auto r = parse_rate(v);
       if (!r) return r.error();
       a.scale_in_bps = *r;
       return ok_status();
     }},
    {"scale-out-after", false,
     [](Autoscale& a, std::string_view v) {
       return assign(a.scale_out_after, parse_duration(v, std::chrono::seconds{1}, std::chrono::hours{1}));
     }},
    {"scale-in-after", false,
     [](Autoscale& a, std::string_view v) {
       return assign(a.scale_in_after, parse_duration(v, std::chrono::seconds{1}, std::chrono::hours{24}));
     }},
    {"cooldown", false,
     [](Autoscale& a, std::string_view v) {
       return assign(a.cooldown, parse_duration(v, std::chrono::seconds{0}, std::chrono::hours{24}));
     }},
};

const KeySpec<Timers> kTimersKeys[] = {
    {"heartbeat-interval", false,
     [](Timers& t, std::string_view v) {
       return assign(t.heartbeat_interval, parse_duration(v, std::chrono::milliseconds{10}, std::chrono::seconds{10}));
     }},
    {"heartbeat-timeout", false,
     [](Timers& t, std::string_view v) {
       return assign(t.heartbeat_timeout, parse_duration(v, std::chrono::milliseconds{20}, std::chrono::seconds{60}));
     }},
    {"heartbeat-port", false,
     [](Timers& t, std::string_view v) { return assign(t.heartbeat_port, parse_uint(v, 1, 65535)); }},
};

const KeySpec<Sync> kSyncKeys[] = {
    {"port", false, [](Sync& s, std::string_view v) { return assign(s.port, parse_uint(v, 1, 65535)); }},
    {"key", true,
     [](Sync& s, std::string_view v) -> Status {
       auto k = parse_hex(v, kSyncKeyBytes, kSyncKeyBytes);
       if (!k) return k.error();
       if (std::all_of(k->begin(), k->end(), [](uint8_t b) { return b == 0; }))
         return bad("an all-zero key authenticates nothing; generate one (e.g. openssl rand -hex 16)");
       std::copy(k->begin(), k->end(), s.key.begin());
       return ok_status();
     }},
    {"delay", false,
     [](Sync& s, std::string_view v) {
       return assign(s.delay, parse_duration(v, std::chrono::seconds{0}, std::chrono::seconds{60}));
     }},
    {"flush", false,
     [](Sync& s, std::string_view v) {
       return assign(s.flush, parse_duration(v, std::chrono::microseconds{100}, std::chrono::seconds{1}));
     }},
    {"mtu", false, [](Sync& s, std::string_view v) { return assign(s.mtu, parse_uint(v, 1280, 9216)); }},
    {"window", false, [](Sync& s, std::string_view v) { return assign(s.window, parse_uint(v, 1, 1024)); }},
    {"rate", false, [](Sync& s, std::string_view v) { return assign(s.rate, parse_rate(v)); }},
};

const KeySpec<Control> kControlKeys[] = {
    {"socket", false, [](Control& c, std::string_view v) { return assign(c.socket, parse_socket_path(v)); }},
    {"socket-group", false, [](Control& c, std::string_view v) { return assign(c.socket_group, parse_group_name(v)); }},
    {"metrics", false, [](Control& c, std::string_view v) { return assign(c.metrics, parse_metrics(v)); }},
    {"log-level", false, [](Control& c, std::string_view v) { return assign(c.log_level, parse_log_level(v)); }},
};

const KeySpec<Device> kDeviceKeys[] = {
    {"type", false, [](Device& d, std::string_view v) { return assign(d.type, parse_device_type(v)); }},
    {"eal-args", false,
     [](Device& d, std::string_view v) -> Status {
       d.eal_args = std::string(v);
       return ok_status();
     }},
};

const KeySpec<Hash> kHashKeys[] = {
    {"mode", false, [](Hash& h, std::string_view v) { return assign(h.mode, parse_hash_mode(v)); }},
    {"key", false,
     [](Hash& h, std::string_view v) -> Status {
       auto k = parse_hex(v, 40, 40);
       if (!k) return k.error();
       std::copy(k->begin(), k->end(), h.key.begin());
       return ok_status();
     }},
    {"buckets", false, [](Hash& h, std::string_view v) { return assign(h.buckets, parse_power_of_two(v)); }},
};

// ---- section kinds ----

using Kind = Subject;  // the configuration's sections, as diff.hpp names them
enum class Arg { kNone, kSiteId, kMemberId, kName };

template <class T, size_t N>
std::vector<std::string_view> key_names(const KeySpec<T> (&specs)[N]) {
  std::vector<std::string_view> out;
  for (const auto& s : specs) out.push_back(s.key);
  return out;
}

struct KindInfo {
  Kind kind;
  std::string_view name;
  Arg arg;
  std::string_view arg_doc;
  std::string_view example;  // a valid header, for messages
  std::vector<std::string_view> keys;
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> k = {
      {Kind::kCluster, "cluster", Arg::kNone, "", "[cluster]", key_names(kClusterKeys)},
      {Kind::kSite, "site", Arg::kSiteId, "ID", "[site 0]", key_names(kSiteKeys)},
      {Kind::kOrchestrator, "orchestrator", Arg::kName, "NAME", "[orchestrator o1]", key_names(kOrchestratorKeys)},
      {Kind::kMember, "member", Arg::kMemberId, "SITE/MEMBER", "[member 0/3]", key_names(kMemberKeys)},
      {Kind::kGroup, "security-group", Arg::kName, "NAME", "[security-group sg1]", key_names(kGroupKeys)},
      {Kind::kAutoscale, "autoscale", Arg::kName, "GROUP", "[autoscale sg1]", key_names(kAutoscaleKeys)},
      {Kind::kTimers, "timers", Arg::kNone, "", "[timers]", key_names(kTimersKeys)},
      {Kind::kSync, "sync", Arg::kNone, "", "[sync]", key_names(kSyncKeys)},
      {Kind::kControl, "control", Arg::kNone, "", "[control]", key_names(kControlKeys)},
      {Kind::kDevice, "device", Arg::kNone, "", "[device]", key_names(kDeviceKeys)},
      {Kind::kHash, "hash", Arg::kNone, "", "[hash]", key_names(kHashKeys)},
  };
  return k;
}

const KindInfo* find_kind(std::string_view name) {
  for (const KindInfo& k : kinds())
    if (k.name == name) return &k;
  return nullptr;
}

// ---- pass 1: lines -> sections ----

struct Entry {
  std::string key;
  std::string value;
  uint32_t line = 0;
};

struct RawSection {
  const KindInfo* info = nullptr;
  std::string arg;  // canonical text of the argument ("0/3", "sg1", "1")
  uint32_t line = 0;
  std::vector<Entry> entries;                        // file order
  std::map<std::string, size_t, std::less<>> index;  // key -> position in entries
  bool broken = false;                               // a value failed: skip checks that would repeat it
  std::set<std::string, std::less<>> failed;         // keys whose value was rejected

  std::string label() const { return "[" + std::string(info->name) + (arg.empty() ? "" : " " + arg) + "]"; }
  void add(Entry e) {
    index.emplace(e.key, entries.size());
    entries.push_back(std::move(e));
  }
  const Entry* entry(std::string_view key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &entries[it->second];
  }
  uint32_t line_of(std::string_view key) const {
    const Entry* e = entry(key);
    return e ? e->line : line;
  }
  // The key was given and its value accepted.
  bool good(std::string_view key) const { return entry(key) && failed.find(key) == failed.end(); }
};

class Ctx {
 public:
  Ctx(std::string_view file, const ParseOptions& o) : file_(file), opt_(o) {}

  void error(uint32_t line, std::string message) { add(errors_, dropped_errors_, line, std::move(message)); }
  void warn(uint32_t line, std::string message) { add(warnings_, dropped_warnings_, line, std::move(message)); }
  bool failed() const { return !errors_.empty(); }
  // No room for more errors: skip work that only makes a message better.
  bool full() const { return errors_.size() >= std::max<size_t>(1, opt_.max_errors); }

  std::vector<Diagnostic> take_errors() { return finish(errors_, dropped_errors_, "error"); }
  std::vector<Diagnostic> take_warnings() { return finish(warnings_, dropped_warnings_, "warning"); }

 private:
  void add(std::vector<Diagnostic>& to, size_t& dropped, uint32_t line, std::string message) {
    if (to.size() >= std::max<size_t>(1, opt_.max_errors)) {
      ++dropped;
      return;
    }
    to.push_back(Diagnostic{file_, line, std::move(message)});
  }
  std::vector<Diagnostic> finish(std::vector<Diagnostic>& d, size_t dropped, std::string_view what) {
    std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    if (dropped > 0)
      d.push_back(Diagnostic{
          file_, 0, std::to_string(dropped) + " more " + std::string(what) + (dropped == 1 ? "" : "s") + " not shown"});
    return std::move(d);
  }

  std::string file_;
  const ParseOptions& opt_;
  std::vector<Diagnostic> errors_, warnings_;
  size_t dropped_errors_ = 0, dropped_warnings_ = 0;
};

// "[member SITE/MEMBER]", "[sync]"
std::string header_doc(const KindInfo& k) {
  return "[" + std::string(k.name) + (k.arg == Arg::kNone ? "" : " " + std::string(k.arg_doc)) + "]";
}

// quote() without the quotes.
std::string printable(std::string_view s) {
  std::string q = quote(s);
  return q.substr(1, q.size() - 2);
}

std::string kind_list() {
  std::string out;
  for (const KindInfo& k : kinds()) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

// Parses a header's inside ("member 0/3"); returns the section or nullptr after reporting why not.
std::optional<RawSection> parse_header(Ctx& ctx, std::string_view inside, uint32_t line) {
  inside = trim(inside);
  size_t sp = inside.find_first_of(" \t");
  std::string_view kind = inside.substr(0, sp);
  std::string_view arg = sp == std::string_view::npos ? std::string_view{} : trim(inside.substr(sp));
  if (kind.empty()) {
    ctx.error(line, "empty section header (sections: " + kind_list() + ")");
    return std::nullopt;
  }
  const KindInfo* info = find_kind(kind);
  if (!info) {
    std::vector<std::string_view> names;
    for (const KindInfo& k : kinds()) names.push_back(k.name);
    auto near = closest(kind, names);
    ctx.error(line, "unknown section [" + printable(kind) + "]" +
                        (near ? " (did you mean [" + std::string(*near) + "]?)" : " (sections: " + kind_list() + ")"));
    return std::nullopt;
  }
  RawSection sec;
  sec.info = info;
  sec.line = line;
  const std::string head = "[" + std::string(info->name) + (arg.empty() ? "" : " " + printable(arg)) + "]";
  if (info->arg == Arg::kNone) {
    if (!arg.empty()) {
      ctx.error(line, "[" + std::string(info->name) + "] takes no argument (got " + quote(arg) + ")");
      return std::nullopt;
    }
    return sec;
  }
  if (arg.empty()) {
    ctx.error(line, head + " needs " + std::string(info->arg_doc) + ", e.g. " + std::string(info->example));
    return std::nullopt;
  }
  switch (info->arg) {
    case Arg::kSiteId: {
      auto n = parse_uint(arg, 0, kMaxSites - 1);
      if (!n) {
        ctx.error(line, head + ": the site id must be 0 or 1");
        return std::nullopt;
      }
      sec.arg = std::to_string(*n);
      break;
    }
    case Arg::kMemberId: {
      auto id = parse_member_id(arg);
      if (!id) {
        ctx.error(line, head + ": " + id.error().message);
        return std::nullopt;
      }
      sec.arg = member_id_text(*id);
      break;
    }
    case Arg::kName: {
      auto n = parse_name(arg);
      if (!n) {
        ctx.error(line, head + ": " + n.error().message);
        return std::nullopt;
      }
      sec.arg = *n;
      break;
    }
    case Arg::kNone:
      break;
  }
  return sec;
}

std::vector<RawSection> read_sections(Ctx& ctx, std::string_view text, const ParseOptions& opt) {
  std::vector<RawSection> sections;
  std::map<std::string, uint32_t> seen;  // label -> header line
  RawSection* current = nullptr;         // nullptr: before any header, or in a rejected section
  bool in_rejected = false;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line_no < UINT32_MAX) ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    // A rejected line that looks like a header ends the current section, so its keys are not
    // reported again as the previous section's.
    auto drop_line = [&](std::string_view seen_text) {
      if (!trim(seen_text).empty() && trim(seen_text).front() == '[') {
        current = nullptr;
        in_rejected = true;
      }
    };
    if (raw.size() > opt.max_line_length) {
      ctx.error(line_no, "line is longer than " + std::to_string(opt.max_line_length) + " characters");
      drop_line(raw.substr(0, 64));
      continue;
    }
    size_t hash = raw.find('#');
    std::string_view body = raw.substr(0, hash);
    bool bad_byte = false;
    for (size_t i = 0; i < raw.size() && !bad_byte; ++i) {
      const auto u = static_cast<unsigned char>(raw[i]);
      if ((u < 0x20 && u != '\t') || u == 0x7f) {
        ctx.error(line_no, "control character " + quote(raw.substr(i, 1)) + " at column " + std::to_string(i + 1));
        bad_byte = true;
      } else if (u >= 0x80 && i < body.size()) {
        ctx.error(line_no, "non-ASCII byte " + quote(raw.substr(i, 1)) + " at column " + std::to_string(i + 1) +
                               " (only comments may hold other characters)");
        bad_byte = true;
      }
    }
    if (bad_byte) {
      drop_line(body);
      continue;
    }
    std::string_view s = trim(body);
    if (s.empty()) continue;

    if (s.front() == '[') {
      current = nullptr;
      in_rejected = true;
      if (s.back() != ']') {
        ctx.error(line_no, s.find(']') == std::string_view::npos ? "section header is missing its closing ']'"
                                                                 : "unexpected text after the section header's ']'");
        continue;
      }
      auto sec = parse_header(ctx, s.substr(1, s.size() - 2), line_no);
      if (!sec) continue;
      if (sections.size() >= opt.max_sections) {
        ctx.error(line_no,
                  "more than " + std::to_string(opt.max_sections) + " sections; the rest of the file is not read");
        break;
      }
      auto [it, fresh] = seen.emplace(sec->label(), line_no);
      if (!fresh) {
        ctx.error(line_no, "duplicate section " + sec->label() + " (first at line " + std::to_string(it->second) + ")");
        continue;
      }
      sections.push_back(std::move(*sec));
      current = &sections.back();
      in_rejected = false;
      continue;
    }

    size_t eq = s.find('=');
    if (eq == std::string_view::npos) {
      ctx.error(line_no, "expected 'key = value' or a [section] header, got " + quote(s));
      continue;
    }
    std::string_view key = trim(s.substr(0, eq));
    std::string_view value = trim(s.substr(eq + 1));
    if (key.empty()) {
      ctx.error(line_no, "missing key before '='");
      continue;
    }
    if (!current) {
      if (!in_rejected)
        ctx.error(line_no, "key " + quote(key) + " is outside any section (start with a header such as [cluster])");
      continue;
    }
    if (const Entry* first = current->entry(key)) {
      ctx.error(line_no, std::string(key) + ": given twice in " + current->label() + " (first at line " +
                             std::to_string(first->line) + ")");
      continue;
    }
    current->add(Entry{std::string(key), std::string(value), line_no});
  }
  return sections;
}

// ---- pass 2: entries -> typed values ----

std::string unknown_key_message(const RawSection& sec, std::string_view key) {
  std::string msg = "unknown key " + quote(key) + " in " + sec.label();
  if (auto near = closest(key, sec.info->keys)) return msg + " (did you mean '" + std::string(*near) + "'?)";
  for (const KindInfo& k : kinds()) {
    if (&k == sec.info) continue;
    if (std::find(k.keys.begin(), k.keys.end(), key) != k.keys.end())
      return msg + " (it belongs in " + header_doc(k) + ")";
  }
  std::string keys;
  for (std::string_view k : sec.info->keys) keys += (keys.empty() ? "" : ", ") + std::string(k);
  return msg + " (keys: " + keys + ")";
}

template <class T, size_t N>
void apply(Ctx& ctx, RawSection& sec, T& target, const KeySpec<T> (&specs)[N]) {
  for (const Entry& e : sec.entries) {
    const KeySpec<T>* spec = nullptr;
    for (const auto& s : specs)
      if (s.key == e.key) spec = &s;
    if (!spec) {
      ctx.error(e.line, unknown_key_message(sec, e.key));
      continue;
    }
    if (e.value.empty()) {
      ctx.error(e.line, e.key + ": empty value");
      sec.broken = true;
      sec.failed.insert(e.key);
      continue;
    }
    if (Status st = spec->apply(target, e.value); !st) {
      ctx.error(e.line, e.key + ": " + st.error().message);
      sec.broken = true;
      sec.failed.insert(e.key);
    }
  }
  for (const auto& s : specs) {
    if (s.required && !sec.entry(s.key)) {
      ctx.error(sec.line, sec.label() + ": missing required key '" + std::string(s.key) + "'");
      sec.broken = true;
    }
  }
}

template <class T>
struct Located {
  T value;
  RawSection* sec;
};

struct Model {
  std::optional<Located<ClusterSettings>> cluster;
  std::vector<Located<Site>> sites;
  std::vector<Located<Orchestrator>> orchestrators;
  std::vector<Located<Member>> members;
  std::vector<Located<SecurityGroup>> groups;
  std::vector<Located<Autoscale>> autoscale;
  std::optional<Located<Timers>> timers;
  std::optional<Located<Sync>> sync;
  std::optional<Located<Control>> control;
  std::optional<Located<Device>> device;
  std::optional<Located<Hash>> hash;
};

Model build(Ctx& ctx, std::vector<RawSection>& sections) {
  Model m;
  for (RawSection& sec : sections) {
    switch (sec.info->kind) {
      case Kind::kCluster: {
        ClusterSettings v;
        apply(ctx, sec, v, kClusterKeys);
        m.cluster = Located<ClusterSettings>{v, &sec};
        break;
      }
      case Kind::kSite: {
        Site v{.id = static_cast<uint8_t>(sec.arg[0] - '0')};  // "0" or "1"
        v.vrid = static_cast<uint8_t>(1 + v.id);
        apply(ctx, sec, v, kSiteKeys);
        m.sites.push_back({v, &sec});
        break;
      }
      case Kind::kOrchestrator: {
        Orchestrator v{.name = sec.arg};
        apply(ctx, sec, v, kOrchestratorKeys);
        m.orchestrators.push_back({v, &sec});
        break;
      }
      case Kind::kMember: {
        Member v{.id = *parse_member_id(sec.arg)};
        apply(ctx, sec, v, kMemberKeys);
        m.members.push_back({v, &sec});
        break;
      }
      case Kind::kGroup: {
        SecurityGroup v{.name = sec.arg};
        apply(ctx, sec, v, kGroupKeys);
        m.groups.push_back({v, &sec});
        break;
      }
      case Kind::kAutoscale: {
        Autoscale v{.group = sec.arg};
        apply(ctx, sec, v, kAutoscaleKeys);
        m.autoscale.push_back({v, &sec});
        break;
      }
      case Kind::kTimers: {
        Timers v;
        apply(ctx, sec, v, kTimersKeys);
        m.timers = Located<Timers>{v, &sec};
        break;
      }
      case Kind::kSync: {
        Sync v;
        apply(ctx, sec, v, kSyncKeys);
        m.sync = Located<Sync>{v, &sec};
        break;
      }
      case Kind::kControl: {
        Control v;
        apply(ctx, sec, v, kControlKeys);
        m.control = Located<Control>{v, &sec};
        break;
      }
      case Kind::kDevice: {
        Device v;
        apply(ctx, sec, v, kDeviceKeys);
        m.device = Located<Device>{v, &sec};
        break;
      }
      case Kind::kHash: {
        Hash v;
        apply(ctx, sec, v, kHashKeys);
        m.hash = Located<Hash>{v, &sec};
        break;
      }
    }
  }
  return m;
}

// ---- pass 3: references and cluster-wide rules ----

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string line_ref(const RawSection* sec) { return sec->label() + " (line " + std::to_string(sec->line) + ")"; }

// The cluster-wide rules, one function per family, run in this order (messages come out in it). What
// a later family needs from an earlier one (which addresses are taken, which members are active in
// which group) is kept in the checker.
class RuleChecker {
 public:
  RuleChecker(Ctx& ctx, Model& m) : ctx_(ctx), m_(m) {
    for (const auto& s : m.sites) site_ids_.insert(s.value.id);
  }

  void run() {
    check_sites();
    check_site_addresses();
    check_orchestrators();
    check_members();
    check_groups();
    for (auto& a : m_.autoscale) check_autoscale(a);
    check_unused_members();
    check_timers();
    check_sync();
  }

 private:
  bool have_site(uint8_t id) const { return site_ids_.count(id) != 0; }

  // Every unicast address names one thing.
  void claim(const IpAddress& a, RawSection* sec, std::string_view key) {
    auto [it, fresh] = owner_.emplace(a, sec);
    if (!fresh)
      ctx_.error(sec->line_of(key),
                 std::string(key) + ": " + a.to_string() + " is already used by " + line_ref(it->second));
  }

  std::vector<std::string> missing_members(const std::vector<MemberId>& ids) const {
    std::vector<std::string> out;
    for (MemberId id : ids)
      if (!members_.count(id)) out.push_back(member_id_text(id));
    return out;
  }

  static std::string no_section_message(std::string_view key, const std::vector<std::string>& ids) {
    return std::string(key) + ": " + join(ids) +
           (ids.size() == 1 ? " has no [member " + ids[0] + "] section" : " have no [member] sections");
  }

  // At least one site, and the active site is one of them.
  void check_sites() {
    if (m_.sites.empty()) {
      ctx_.error(0, "no [site] section: at least one site is required, e.g. [site 0]");
      return;
    }
    const auto& cluster = m_.cluster;
    const uint8_t active = cluster ? cluster->value.active_site : 0;
    if (have_site(active)) return;
    if (cluster && cluster->sec->entry("active-site"))
      ctx_.error(cluster->sec->line_of("active-site"), "active-site: site " + std::to_string(active) +
                                                           " has no [site " + std::to_string(active) + "] section");
    else
      ctx_.error(cluster ? cluster->sec->line : 0, "active-site is " + std::to_string(active) +
                                                       " (the default) but there is no [site " +
                                                       std::to_string(active) + "] section; set [cluster] active-site");
  }

  // A site's VRRP group is one address family; an IPv6 group's first address is link-local.
  void check_site_addresses() {
    for (auto& s : m_.sites) {
      const auto& vips = s.value.virtual_addresses;
      for (const IpAddress& a : vips) claim(a, s.sec, "virtual-addresses");
      if (vips.empty()) continue;
      site_family_[s.value.id] = &vips[0];
      if (std::any_of(vips.begin(), vips.end(), [&](const IpAddress& a) { return a.family != vips[0].family; }))
        ctx_.error(s.sec->line_of("virtual-addresses"),
                   "virtual-addresses: mixes IPv4 and IPv6; a site's VRRP group is one address family");
      else if (!vips[0].is_v4() && !vips[0].is_link_local())
        ctx_.error(
            s.sec->line_of("virtual-addresses"),
            "virtual-addresses: " + vips[0].to_string() +
                " comes first, but an IPv6 VRRP group's first address must be its link-local address (fe80::/10)");
    }
  }

  // Each orchestrator on a known site, in the site's address family, at most two per site; a site
  // with orchestrators has virtual addresses.
  void check_orchestrators() {
    std::map<uint8_t, std::vector<std::string>> per_site;
    for (auto& o : m_.orchestrators) {
      if (o.sec->good("address")) claim(o.value.address, o.sec, "address");
      if (!o.sec->good("site")) continue;
      if (!have_site(o.value.site)) {
        ctx_.error(o.sec->line_of("site"), "site: site " + std::to_string(o.value.site) + " has no [site " +
                                               std::to_string(o.value.site) + "] section");
        continue;
      }
      check_orchestrator_family(o);
      auto& names = per_site[o.value.site];
      if (names.size() >= kMaxOrchestratorsPerSite)
        ctx_.error(o.sec->line, o.sec->label() + ": site " + std::to_string(o.value.site) +
                                    " already has two orchestrators (" + join(names) + ")");
      else
        names.push_back(o.value.name);
    }
    for (auto& s : m_.sites) {
      if (per_site.count(s.value.id) && s.value.virtual_addresses.empty() && !s.sec->broken)
        ctx_.error(s.sec->line, s.sec->label() + ": virtual-addresses is required when the site has orchestrators");
    }
  }

  void check_orchestrator_family(const Located<Orchestrator>& o) {
    auto f = site_family_.find(o.value.site);
    if (f == site_family_.end() || !o.sec->good("address") || o.value.address.family == f->second->family) return;
    ctx_.error(o.sec->line_of("address"), "address: " + o.value.address.to_string() + " is " +
                                              (o.value.address.is_v4() ? "IPv4" : "IPv6") + " but site " +
                                              std::to_string(o.value.site) + "'s virtual addresses are " +
                                              (f->second->is_v4() ? "IPv4" : "IPv6"));
  }

  // Each member on a known site, its address unique.
  void check_members() {
    for (auto& mem : m_.members) {
      members_[mem.value.id] = mem.sec;
      if (!have_site(mem.value.id.site))
        ctx_.error(mem.sec->line, mem.sec->label() + ": site " + std::to_string(mem.value.id.site) + " has no [site " +
                                      std::to_string(mem.value.id.site) + "] section");
      if (mem.value.address) claim(*mem.value.address, mem.sec, "address");
    }
  }

  // Group ids unique; a group's members exist and serve no other group.
  void check_groups() {
    std::map<uint8_t, RawSection*> group_ids;
    for (auto& g : m_.groups) {
      group_names_.insert(g.value.name);
      if (!g.sec->failed.count("id")) {
        auto [it, fresh] = group_ids.emplace(g.value.id, g.sec);
        if (!fresh)
          ctx_.error(g.sec->line_of("id"), "id: " + std::to_string(g.value.id) + " is already the id of " +
                                               line_ref(it->second) +
                                               (g.sec->entry("id") ? "" : " (the default id is 0)"));
      }
      auto missing = missing_members(g.value.members);
      if (!missing.empty()) {
        ctx_.error(g.sec->line_of("members"), no_section_message("members", missing));
        g.sec->broken = true;
      }
      claim_group_members(g);
    }
  }

  void claim_group_members(Located<SecurityGroup>& g) {
    std::vector<std::string> taken;
    const RawSection* taken_by = nullptr;
    for (MemberId id : g.value.members) {
      auto [it, fresh] = active_in_.emplace(id, g.sec);
      if (!fresh) {
        taken.push_back(member_id_text(id));
        taken_by = it->second;
      }
    }
    if (taken.empty()) return;
    ctx_.error(g.sec->line_of("members"), "members: " + join(taken) + (taken.size() == 1 ? " is" : " are") +
                                              " already in " + line_ref(taken_by) + " (a member serves one group)");
    g.sec->broken = true;
  }

  const Located<SecurityGroup>* find_group(std::string_view name) const {
    for (const auto& g : m_.groups)
      if (g.value.name == name) return &g;
    return nullptr;
  }

  // An autoscale policy: its group and spares exist, then its thresholds (check_autoscale_limits).
  void check_autoscale(Located<Autoscale>& a) {
    Autoscale& p = a.value;
    for (MemberId id : p.spares) spares_.insert(id);
    const Located<SecurityGroup>* g = find_group(p.group);
    if (!g) {
      std::vector<std::string_view> names;
      if (!ctx_.full()) names.assign(group_names_.begin(), group_names_.end());
      auto near = closest(p.group, names);
      ctx_.error(a.sec->line, a.sec->label() + ": no [security-group " + p.group + "] section" +
                                  (near ? " (did you mean " + std::string(*near) + "?)" : ""));
    }
    auto missing = missing_members(p.spares);
    if (!missing.empty()) ctx_.error(a.sec->line_of("spares"), no_section_message("spares", missing));
    for (MemberId id : p.spares) {
      if (auto it = active_in_.find(id); it != active_in_.end())
        ctx_.error(a.sec->line_of("spares"), "spares: " + member_id_text(id) + " is an active member of " +
                                                 line_ref(it->second) + "; a spare must not be in any group");
    }
    if (a.sec->broken) return;
    check_autoscale_limits(a, g && !g->sec->broken ? g : nullptr);
  }

  // min/max members, CPU and throughput hysteresis; `g` is the policy's group when it is sound.
  void check_autoscale_limits(Located<Autoscale>& a, const Located<SecurityGroup>* g) {
    Autoscale& p = a.value;
    if (g && !a.sec->entry("max-members"))  // default: every member and every spare
      p.max_members =
          static_cast<uint32_t>(std::clamp<size_t>(g->value.members.size() + p.spares.size(), 1, kMaxClusterMembers));
    // (With the default max-members, the check against the group's size below says it better.)
    const bool min_above_max = p.min_members > p.max_members && a.sec->entry("max-members");
    if (min_above_max)
      ctx_.error(a.sec->line_of("min-members"), "min-members: " + std::to_string(p.min_members) +
                                                    " is above max-members " + std::to_string(p.max_members));
    check_autoscale_hysteresis(a);
    if (g && !min_above_max) check_autoscale_against_group(a, *g);
  }

  void check_autoscale_hysteresis(const Located<Autoscale>& a) {
    const Autoscale& p = a.value;
    if (p.scale_in_cpu_percent >= p.scale_out_cpu_percent)
      ctx_.error(a.sec->line_of("scale-in-cpu"),
                 "scale-in-cpu: " + std::to_string(p.scale_in_cpu_percent) + "% must be below scale-out-cpu " +
                     std::to_string(p.scale_out_cpu_percent) + "% (the gap is the hysteresis)");
    if (p.scale_out_bps.has_value() != p.scale_in_bps.has_value()) {
      const bool out = p.scale_out_bps.has_value();
      ctx_.error(a.sec->line_of(out ? "scale-out-throughput" : "scale-in-throughput"),
                 std::string(out ? "scale-out-throughput" : "scale-in-throughput") + ": needs " +
                     (out ? "scale-in-throughput" : "scale-out-throughput") + " as well (both thresholds or neither)");
    } else if (p.scale_out_bps && *p.scale_in_bps >= *p.scale_out_bps) {
      ctx_.error(a.sec->line_of("scale-in-throughput"),
                 "scale-in-throughput: " + format_rate(*p.scale_in_bps) + " must be below scale-out-throughput " +
                     format_rate(*p.scale_out_bps) + " (the gap is the hysteresis)");
    }
  }

  // The group's size lies within min..max members, and max is reachable with the spares.
  void check_autoscale_against_group(const Located<Autoscale>& a, const Located<SecurityGroup>& g) {
    const Autoscale& p = a.value;
    const size_t n = g.value.members.size();
    const std::string gname = "[security-group " + g.value.name + "]";
    if (n < p.min_members)
      ctx_.error(a.sec->line_of("min-members"), "min-members: " + std::to_string(p.min_members) + " is more than the " +
                                                    std::to_string(n) + " members of " + gname);
    else if (n > p.max_members)
      ctx_.error(a.sec->line_of("max-members"), "max-members: " + std::to_string(p.max_members) + " is less than the " +
                                                    std::to_string(n) + " members of " + gname);
    else if (p.max_members > n + p.spares.size())
      ctx_.error(a.sec->line_of("max-members"), "max-members: " + std::to_string(p.max_members) + " is more than the " +
                                                    std::to_string(n) + " members of " + gname + " plus " +
                                                    std::to_string(p.spares.size()) +
                                                    (p.spares.size() == 1 ? " spare" : " spares"));
  }

  // A warning, not an error: a member in no group and no spare pool never carries traffic.
  void check_unused_members() {
    for (auto& mem : m_.members) {
      if (!active_in_.count(mem.value.id) && !spares_.count(mem.value.id))
        ctx_.warn(mem.sec->line, mem.sec->label() + ": the member is in no security group and no spare pool");
    }
  }

  void check_timers() {
    if (!m_.timers || m_.timers->sec->broken) return;
    const Timers& t = m_.timers->value;
    if (t.heartbeat_timeout < 2 * t.heartbeat_interval)
      ctx_.error(m_.timers->sec->line_of("heartbeat-timeout"),
                 "heartbeat-timeout: " + format_duration(t.heartbeat_timeout) +
                     " must be at least twice heartbeat-interval (" + format_duration(t.heartbeat_interval) + ")");
  }

  // The sync key has no default.
  void check_sync() {
    if (!m_.sync) ctx_.error(0, "no [sync] section: its key (the HyperSync authentication key) is required");
  }

  Ctx& ctx_;
  Model& m_;
  std::set<uint8_t> site_ids_;
  std::map<IpAddress, const RawSection*> owner_;     // unicast address -> the section that uses it
  std::map<uint8_t, const IpAddress*> site_family_;  // site -> its first virtual address
  std::map<MemberId, RawSection*> members_;          // [member] sections
  std::map<MemberId, RawSection*> active_in_;        // member -> the group it serves
  std::set<std::string> group_names_;
  std::set<MemberId> spares_;
};

void check(Ctx& ctx, Model& m) { RuleChecker(ctx, m).run(); }

ClusterConfig assemble(Model& m) {
  ClusterConfig c;
  if (m.cluster) c.cluster = m.cluster->value;
  for (auto& s : m.sites) c.sites.push_back(s.value);
  std::sort(c.sites.begin(), c.sites.end(), [](const Site& a, const Site& b) { return a.id < b.id; });
  for (auto& o : m.orchestrators) c.orchestrators.push_back(o.value);
  for (auto& mem : m.members) c.members.push_back(mem.value);
  std::sort(c.members.begin(), c.members.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
  for (auto& g : m.groups) c.groups.push_back(g.value);
  for (auto& a : m.autoscale) c.autoscale.push_back(a.value);
  if (m.timers) c.timers = m.timers->value;
  if (m.sync) c.sync = m.sync->value;
  if (m.control) c.control = m.control->value;
  if (m.device) c.device = m.device->value;
  if (m.hash) c.hash = m.hash->value;
  return c;
}

}  // namespace

ParseResult parse_config(std::string_view text, std::string_view file, const ParseOptions& options) {
  Ctx ctx(file, options);
  std::vector<RawSection> sections = read_sections(ctx, text, options);
  Model model = build(ctx, sections);
  check(ctx, model);
  ParseResult r;
  if (!ctx.failed()) r.config = assemble(model);
  r.errors = ctx.take_errors();
  if (r.ok()) r.warnings = ctx.take_warnings();  // a rejected file's warnings would only be noise
  return r;
}

Expected<ClusterConfig> load_config(const std::string& path, std::vector<Diagnostic>* warnings,
                                    const ParseOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    return make_error(std::filesystem::exists(path, ec) ? Errc::kIo : Errc::kNotFound, path + ": cannot open the file");
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > options.max_file_size)
      return make_error(Errc::kInvalidArgument, path + ": larger than " + std::to_string(options.max_file_size) +
                                                    " bytes; not a configuration file?");
  }
  if (in.bad()) return make_error(Errc::kIo, path + ": read error");
  ParseResult r = parse_config(text, path, options);
  if (warnings) *warnings = r.warnings;
  if (!r.ok()) {
    std::string msg = r.errors_text();
    if (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return make_error(Errc::kInvalidArgument, std::move(msg));
  }
  return std::move(*r.config);
}

const std::vector<SectionSchema>& config_schema() {
  static const std::vector<SectionSchema> schema = [] {
    std::vector<SectionSchema> out;
    for (const KindInfo& k : kinds()) out.push_back(SectionSchema{k.name, k.arg_doc, k.keys});
    return out;
  }();
  return schema;
}

}  // namespace conductor::config
