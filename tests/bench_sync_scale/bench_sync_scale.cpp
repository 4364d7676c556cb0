// bench_sync_scale: how long a joining member takes to receive a HyperSync full sync, against the
// connections per member and against link loss, between real `conductor-member` agents
// (tests/sync_scale/sync_netns_lab.hpp), and what a backup entry costs in the agent's memory.
//
//   bench_sync_scale [--sizes 10000,100000,1000000] [--losses 0,0.01,0.1,0.3] [--loss-size 100000]
//                    [--limit 60] [--loopback] [--smoke] [--out sync_scale.json]
//
// Each point is a fresh lab of two members of one security group: the owner 0/0 with N synthetic
// connections, started first (its start-up full sync to the absent joiner is lost), and the joiner 0/1
// with none, started once the owner is up; the point's time is from the joiner's start until it logs
// "sync: whole with all 1 peers" (the owner's full sync committed: it holds N backup entries), polled
// every 2 ms. [sync] delay = 0s. As root the two run in network namespaces (a bridge, veths,
// 198.18.0.0/15) and loss is iptables' random drop on both members' sync input (every link, both
// directions); the joiner's received datagrams are counted by an iptables rule. Otherwise they run on
// a random 127.X.Y.0/24 and loss is the agents' own --sync-impair shim (no frame counts).
// Memory: the joiner's VmRSS holding N entries minus the VmRSS of the same agent with none (started
// alone in the same lab), divided by N. A point that does not finish within --limit seconds is
// recorded with "seconds": null and "whole": false. No repetitions; progress on stderr.
//
// Output: JSON (--out, default stdout) and, with --out, an SVG beside it (same name, .svg): time vs
// connections (log scale) and time vs loss. BENCH_SYNC_SCALE (e.g. "10000,100000") replaces the
// default sizes. --smoke: one tiny point of each kind (CTest bench_sync_scale_smoke).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "host/common/cli.hpp"
#include "host/member/member_sync.hpp"
#include "tests/sync_scale/sync_netns_lab.hpp"

namespace conductor::sync_scale {
namespace {

struct Options {
  std::vector<uint32_t> sizes{10000, 100000, 1000000};
  std::vector<double> losses{0.0, 0.01, 0.10, 0.30};
  uint32_t loss_size = 100000;
  double limit_s = 60;
  bool loopback = false;
  std::string out;
};

struct Point {
  uint32_t connections = 0;
  double loss = 0;
  std::optional<double> seconds;
  std::optional<uint64_t> frames_rx, dropped;
  uint64_t rss_base = 0, rss = 0;
};

const MemberId kOwner{0, 0}, kJoiner{0, 1};

uint64_t iptables_count(const std::string& ns, const std::string& target_word) {
  auto r = sh("ip netns exec " + ns + " iptables -L INPUT -v -n -x");
  std::istringstream in(r.output);
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    std::istringstream w(line);
    std::string pkts, bytes, target;
    w >> pkts >> bytes >> target;
    if (pkts.empty() || !std::isdigit(static_cast<unsigned char>(pkts[0]))) continue;
    if (target == target_word) n += std::strtoull(pkts.c_str(), nullptr, 10);
  }
  return n;
}

// One point: a fresh lab, owner with n connections, the joiner timed to whole.
std::optional<Point> run_point(const std::string& bin, uint32_t n, double loss, const Options& o, bool netns,
                               std::string* error) {
  SyncLab lab({kOwner, kJoiner}, netns);
  if (auto e = lab.build_network()) {
    *error = *e;
    return std::nullopt;
  }
  lab.write_config("delay = 0s\n");
  Point p;
  p.connections = n;
  p.loss = loss;
  // The same agent with no backup entries: the joiner alone, the owner not up.
  if (!lab.start(bin, kJoiner, 0, false)) {
    *error = "cannot start " + bin;
    return std::nullopt;
  }
  if (!lab.wait_log(kJoiner, "sync on ", 5s)) {
    *error = "the joiner did not start:\n" + lab.log(kJoiner);
    return std::nullopt;
  }
  std::this_thread::sleep_for(300ms);
  p.rss_base = lab.vm_rss(kJoiner);
  lab.stop(kJoiner);

  if (auto e = lab.set_loss(loss)) {
    *error = *e;
    return std::nullopt;
  }
  if (netns)  // a counting rule after the DROP: what reaches the joiner's sync socket
    sh("ip netns exec " + lab.member_ns(kJoiner) + " iptables -A INPUT -p udp --dport " +
       std::to_string(SyncLab::kSyncPort) + " -j ACCEPT");
  if (!lab.start(bin, kOwner, n, false) || !lab.wait_log(kOwner, "sync on ", 60s)) {
    *error = "the owner did not start:\n" + lab.log(kOwner);
    return std::nullopt;
  }
  std::this_thread::sleep_for(200ms);  // its start-up full sync to the absent joiner is gone
  if (!lab.start(bin, kJoiner, 0, false)) {
    *error = "cannot start the joiner";
    return std::nullopt;
  }
  const auto t0 = lab.started_at(kJoiner);
  const auto whole = lab.wait_log(kJoiner, "sync: whole with all 1 peers",
                                  std::chrono::milliseconds(static_cast<int64_t>(o.limit_s * 1000)));
  if (whole) {
    p.seconds = seconds_between(t0, *whole);
    std::this_thread::sleep_for(100ms);
    p.rss = lab.vm_rss(kJoiner);
  }
  if (netns) {
    p.frames_rx = iptables_count(lab.member_ns(kJoiner), "ACCEPT");
    p.dropped = iptables_count(lab.member_ns(kJoiner), "DROP") + iptables_count(lab.member_ns(kOwner), "DROP");
  }
  return p;
}

nlohmann::json to_json(const Point& p, std::optional<double> lossless) {
  nlohmann::json j{{"connections", p.connections},
                   {"loss", p.loss},
                   {"whole", p.seconds.has_value()},
                   {"seconds", p.seconds ? nlohmann::json(*p.seconds) : nlohmann::json(nullptr)}};
  if (p.seconds && lossless && *lossless > 0) j["ratio_to_lossless"] = *p.seconds / *lossless;
  if (p.seconds) j["connections_per_second"] = p.connections / std::max(*p.seconds, 1e-6);
  j["frames_received_by_joiner"] = p.frames_rx ? nlohmann::json(*p.frames_rx) : nlohmann::json(nullptr);
  j["datagrams_dropped"] = p.dropped ? nlohmann::json(*p.dropped) : nlohmann::json(nullptr);
  j["rss_base_bytes"] = p.rss_base;
  if (p.seconds && p.rss && p.connections) {
    j["rss_bytes"] = p.rss;
    j["bytes_per_backup_entry"] = (static_cast<double>(p.rss) - static_cast<double>(p.rss_base)) / p.connections;
  }
  return j;
}

// Two panels: seconds vs connections (log x), seconds vs loss %. Points that timed out: a red x at the top.
std::string svg(const nlohmann::json& by_n, const nlohmann::json& by_loss, const std::string& mode) {
  const double W = 420, H = 300, L = 60, B = 40, T = 30, R = 20;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << 2 * W << "' height='" << H + 20
    << "' font-family='sans-serif' font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n";
  auto panel = [&](double x0, const nlohmann::json& pts, const char* key, bool logx, const std::string& title,
                   const std::string& xlabel) {
    std::vector<std::pair<double, std::optional<double>>> v;
    for (const auto& p : pts) {
      double x = p[key].get<double>();
      if (std::string(key) == "loss") x *= 100;
      v.emplace_back(x, p["seconds"].is_null() ? std::nullopt : std::optional<double>(p["seconds"].get<double>()));
    }
    double xmin = 1e300, xmax = -1e300, ymax = 0.001;
    for (auto& [x, y] : v) {
      const double xx = logx ? std::log10(std::max(x, 1.0)) : x;
      xmin = std::min(xmin, xx), xmax = std::max(xmax, xx);
      if (y) ymax = std::max(ymax, *y);
    }
    if (v.empty()) xmin = 0, xmax = 1;
    if (xmax - xmin < 1e-9) xmin -= 0.5, xmax += 0.5;
    ymax *= 1.15;
    auto px = [&](double x) {
      const double xx = logx ? std::log10(std::max(x, 1.0)) : x;
      return x0 + L + (xx - xmin) / (xmax - xmin) * (W - L - R);
    };
    auto py = [&](double y) { return T + (1 - y / ymax) * (H - T - B); };
    s << "<text x='" << x0 + W / 2 << "' y='16' text-anchor='middle' font-size='13'>" << title << "</text>\n";
    s << "<line x1='" << x0 + L << "' y1='" << H - B << "' x2='" << x0 + W - R << "' y2='" << H - B
      << "' stroke='black'/>\n<line x1='" << x0 + L << "' y1='" << T << "' x2='" << x0 + L << "' y2='" << H - B
      << "' stroke='black'/>\n";
    for (int i = 0; i <= 4; ++i) {
      const double y = ymax * i / 4;
      s << "<text x='" << x0 + L - 4 << "' y='" << py(y) + 4 << "' text-anchor='end'>" << std::round(y * 100) / 100
        << "</text>\n";
    }
    s << "<text x='" << x0 + 14 << "' y='" << (T + H - B) / 2 << "' transform='rotate(-90 " << x0 + 14 << ' '
      << (T + H - B) / 2 << ")' text-anchor='middle'>seconds to whole</text>\n";
    s << "<text x='" << x0 + (L + W - R) / 2 << "' y='" << H - 8 << "' text-anchor='middle'>" << xlabel << "</text>\n";
    std::string poly;
    for (auto& [x, y] : v) {
      s << "<text x='" << px(x) << "' y='" << H - B + 14 << "' text-anchor='middle'>" << x << "</text>\n";
      if (y) {
        poly += std::to_string(px(x)) + "," + std::to_string(py(*y)) + " ";
        s << "<circle cx='" << px(x) << "' cy='" << py(*y) << "' r='3' fill='steelblue'/>\n";
      } else {
        s << "<text x='" << px(x) << "' y='" << T + 4 << "' text-anchor='middle' fill='red'>x timeout</text>\n";
      }
    }
    if (!poly.empty()) s << "<polyline points='" << poly << "' fill='none' stroke='steelblue'/>\n";
  };
  panel(0, by_n, "connections", true, "full sync to a joining member vs connections (0% loss)",
        "connections per member");
  const std::string at = by_loss.empty() ? "" : std::to_string(by_loss[0]["connections"].get<uint32_t>());
  panel(W, by_loss, "loss", false, "vs loss on every link (" + at + " connections)", "loss %");
  s << "<text x='" << W << "' y='" << H + 14 << "' text-anchor='middle' fill='gray'>bench_sync_scale, " << mode
    << "</text>\n</svg>\n";
  return s.str();
}

int run(int argc, char** argv) {
  Options o;
  bool smoke = false;
  CLI::App app{
      "Seconds until a joining conductor-member holds an owner's N connections (HyperSync full sync), "
      "against N and against loss; memory per backup entry. JSON and an SVG beside it.",
      "bench_sync_scale"};
  cli::setup(app);
  cli::add_list(app, "--sizes", o.sizes, 1, member::kMaxSyntheticConnections,
                "connections per point (default 10000,100000,1000000; "
                "BENCH_SYNC_SCALE sets it too)");
  cli::add_list(app, "--losses", o.losses, 0, 0.99, "loss fractions on every link (default 0,0.01,0.1,0.3)");
  cli::add_uint(app, "--loss-size", o.loss_size, 1, member::kMaxSyntheticConnections,
                "connections of the loss points (100000)");
  cli::add_parsed(
      app, "--limit", o.limit_s, [](const std::string& v) { return cli::parse_real(v, 0.1, 3600); },
      "seconds a point may take before it counts as not whole (60)")
      ->type_name("SECONDS");
  app.add_flag("--loopback", o.loopback, "loopback and the agents' --sync-impair even as root");
  app.add_flag("--smoke", smoke, "one tiny point of each kind (the CTest run)");
  app.add_option("--out", o.out, "the JSON file (an SVG is written beside it); default stdout")->type_name("FILE");
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const char* e = std::getenv("BENCH_SYNC_SCALE")) args.insert(args.begin(), {"--sizes", e});
  if (Status st = cli::parse(app, args); !st) return cli::report(st, "bench_sync_scale");
  if (smoke) {
    o.sizes = {2000};
    o.losses = {0.0, 0.1};
    o.loss_size = 2000;
    o.limit_s = 20;
  }

  bool netns = false;
  std::string mode = "loopback (--sync-impair loss)";
  if (!o.loopback) {
    if (auto why = SyncLab::netns_unavailable()) {
      std::fprintf(stderr, "bench_sync_scale: loopback: %s\n", why->c_str());
    } else {
      netns = true;
      mode = "network namespaces (iptables loss)";
    }
  }
  const std::string bin = CONDUCTOR_MEMBER_BIN;
  auto point = [&](uint32_t n, double loss) -> std::optional<Point> {
    std::fprintf(stderr, "bench_sync_scale: %u connections, loss %.0f%% ...", n, loss * 100);
    std::fflush(stderr);
    std::string err;
    auto p = run_point(bin, n, loss, o, netns, &err);
    if (!p) {
      std::fprintf(stderr, " failed: %s\n", err.c_str());
      return std::nullopt;
    }
    if (p->seconds)
      std::fprintf(stderr, " whole in %.3f s\n", *p->seconds);
    else
      std::fprintf(stderr, " not whole within %.0f s\n", o.limit_s);
    return p;
  };

  nlohmann::json by_n = nlohmann::json::array(), by_loss = nlohmann::json::array();
  std::optional<double> lossless_at_loss_size;
  bool have_lossless_point = false;  // the 0% point at --loss-size was measured above (whole or not)
  std::optional<Point> base_for_memory;
  for (uint32_t n : o.sizes) {
    auto p = point(n, 0.0);
    if (!p) return 1;
    by_n.push_back(to_json(*p, p->seconds));
    if (n == o.loss_size) lossless_at_loss_size = p->seconds, have_lossless_point = true;
    if (p->seconds && (!base_for_memory || n > base_for_memory->connections)) base_for_memory = p;
  }
  for (double l : o.losses) {
    std::optional<Point> p;
    if (l == 0 && have_lossless_point) {
      for (const auto& j : by_n)
        if (j["connections"] == o.loss_size) by_loss.push_back(j);
      continue;
    }
    p = point(o.loss_size, l);
    if (!p) return 1;
    if (l == 0) lossless_at_loss_size = p->seconds;
    by_loss.push_back(to_json(*p, lossless_at_loss_size));
  }
  nlohmann::json out{
      {"bench", "sync_scale"},
      {"mode", mode},
      {"topology", "owner 0/0 with N connections, joiner 0/1 (0 connections) started once the owner is up"},
      {"sync_delay", "0s"},
      {"limit_s", o.limit_s},
      {"vs_connections", by_n},
      {"vs_loss", by_loss}};
  if (base_for_memory && base_for_memory->rss) {
    const auto& b = *base_for_memory;
    out["memory"] = {
        {"backup_entries", b.connections},
        {"rss_with_entries_bytes", b.rss},
        {"rss_without_bytes", b.rss_base},
        {"bytes_per_backup_entry", (static_cast<double>(b.rss) - static_cast<double>(b.rss_base)) / b.connections}};
  }
  const std::string text = out.dump(2) + "\n";
  if (o.out.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream(o.out) << text;
    std::string svg_path = o.out;
    if (svg_path.size() > 5 && svg_path.compare(svg_path.size() - 5, 5, ".json") == 0)
      svg_path.resize(svg_path.size() - 5);
    svg_path += ".svg";
    std::ofstream(svg_path) << svg(by_n, by_loss, mode);
    std::fprintf(stderr, "bench_sync_scale: %s, %s\n", o.out.c_str(), svg_path.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace conductor::sync_scale

int main(int argc, char** argv) { return conductor::sync_scale::run(argc, argv); }
