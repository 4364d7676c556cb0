#include "host/config/diff.hpp"

#include "host/config/render.hpp"

namespace conductor::config {

std::string_view apply_name(Apply a) { return a == Apply::kRestart ? "restart" : "live"; }

std::string Change::to_string() const {
  const std::string how = " (" + std::string(apply_name(apply)) + ")";
  switch (kind) {
    case ChangeKind::kAdded:
      return section + " added" + how;
    case ChangeKind::kRemoved:
      return section + " removed" + how;
    case ChangeKind::kChanged:
      break;
  }
  auto shown = [](const std::string& v) { return v.empty() ? std::string("(unset)") : v; };
  return section + " " + key + ": " + shown(before) + " -> " + shown(after) + how;
}

bool ConfigDiff::needs_restart() const {
  for (const Change& c : changes)
    if (c.apply == Apply::kRestart) return true;
  return false;
}

std::vector<Change> ConfigDiff::live() const {
  std::vector<Change> out;
  for (const Change& c : changes)
    if (c.apply == Apply::kLive) out.push_back(c);
  return out;
}

std::vector<Change> ConfigDiff::restart() const {
  std::vector<Change> out;
  for (const Change& c : changes)
    if (c.apply == Apply::kRestart) out.push_back(c);
  return out;
}

namespace {

// A value as a Change shows it: "" when unset, "(secret)" for secrets.
std::string shown(const Field& f) {
  if (!f.value) return "";
  return f.secret ? "(secret)" : *f.value;
}

struct Differ {
  ConfigDiff& out;

  template <class T>
  void fields_of(Subject subject, const std::string& section, const T& a, const T& b, Change base) {
    const std::vector<Field> fa = fields(a), fb = fields(b);
    for (size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
      if (fa[i].value == fb[i].value) continue;
      Change c = base;
      c.subject = subject;
      c.kind = ChangeKind::kChanged;
      c.section = section;
      c.key = std::string(fa[i].key);
      c.before = shown(fa[i]);
      c.after = shown(fb[i]);
      c.apply = fb[i].apply;
      out.changes.push_back(std::move(c));
    }
  }

  // Entities matched by `id_of`; `base_of` fills the identifying fields of a Change.
  template <class T, class Id, class Base>
  void list(Subject subject, Apply add_remove, const std::vector<T>& a, const std::vector<T>& b, Id id_of,
            Base base_of) {
    auto find = [&](const std::vector<T>& v, const T& x) -> const T* {
      for (const T& y : v)
        if (id_of(y) == id_of(x)) return &y;
      return nullptr;
    };
    for (const T& x : a) {
      if (find(b, x)) continue;
      Change c = base_of(x);
      c.subject = subject;
      c.kind = ChangeKind::kRemoved;
      c.section = header(x);
      c.apply = add_remove;
      out.changes.push_back(std::move(c));
    }
    for (const T& y : b) {
      const T* x = find(a, y);
      if (!x) {
        Change c = base_of(y);
        c.subject = subject;
        c.kind = ChangeKind::kAdded;
        c.section = header(y);
        c.apply = add_remove;
        out.changes.push_back(std::move(c));
        continue;
      }
      fields_of(subject, header(y), *x, y, base_of(y));
    }
  }
};

}  // namespace

ConfigDiff diff(const ClusterConfig& old, const ClusterConfig& now) {
  ConfigDiff d;
  Differ df{d};
  df.fields_of(Subject::kCluster, "[cluster]", old.cluster, now.cluster, Change{});
  df.list(
      Subject::kSite, Apply::kRestart, old.sites, now.sites, [](const Site& s) { return s.id; },
      [](const Site& s) { return Change{.name = std::to_string(s.id)}; });
  df.list(
      Subject::kOrchestrator, Apply::kRestart, old.orchestrators, now.orchestrators,
      [](const Orchestrator& o) { return o.name; }, [](const Orchestrator& o) { return Change{.name = o.name}; });
  df.list(
      Subject::kMember, Apply::kLive, old.members, now.members, [](const Member& m) { return m.id; },
      [](const Member& m) { return Change{.member = m.id}; });
  df.list(
      Subject::kGroup, Apply::kLive, old.groups, now.groups, [](const SecurityGroup& g) { return g.name; },
      [](const SecurityGroup& g) { return Change{.name = g.name}; });
  df.list(
      Subject::kAutoscale, Apply::kLive, old.autoscale, now.autoscale, [](const Autoscale& a) { return a.group; },
      [](const Autoscale& a) { return Change{.name = a.group}; });
  df.fields_of(Subject::kTimers, "[timers]", old.timers, now.timers, Change{});
  df.fields_of(Subject::kSync, "[sync]", old.sync, now.sync, Change{});
  df.fields_of(Subject::kControl, "[control]", old.control, now.control, Change{});
  df.fields_of(Subject::kDevice, "[device]", old.device, now.device, Change{});
  df.fields_of(Subject::kHash, "[hash]", old.hash, now.hash, Change{});

  for (const SecurityGroup& g : now.groups) {
    const SecurityGroup* before = old.group(g.name);
    if (before && old.weights_of(*before) != now.weights_of(g)) d.rebalance.push_back(g.name);
  }
  return d;
}

ClusterConfig apply_live(const ClusterConfig& old, const ClusterConfig& now) {
  ClusterConfig r = now;
  r.device = old.device;
  r.control.socket = old.control.socket;
  r.control.socket_group = old.control.socket_group;
  r.control.metrics = old.control.metrics;
  r.sync.port = old.sync.port;
  r.timers.heartbeat_port = old.timers.heartbeat_port;
  r.sites = old.sites;
  for (Site& s : r.sites)
    if (const Site* n = now.site(s.id)) {
      const uint8_t vrid = s.vrid;
      s = *n;
      s.vrid = vrid;
    }
  r.orchestrators = old.orchestrators;
  for (Orchestrator& o : r.orchestrators)
    if (const Orchestrator* n = now.orchestrator(o.name)) o.priority = n->priority;
  for (SecurityGroup& g : r.groups)
    if (const SecurityGroup* og = old.group(g.name)) g.id = og->id;
  return r;
}

}  // namespace conductor::config
