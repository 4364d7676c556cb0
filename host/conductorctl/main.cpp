// conductorctl: the command-line client of conductord's control socket (docs/conductord.md).
//
//   conductorctl [--socket PATH | --config FILE] [--timeout SECONDS] COMMAND [WORDS...]
//   conductorctl --help
//
// Prints the command's output on stdout. Exit codes: 0 the command succeeded; 1 it failed (the
// daemon's message on stderr); 2 usage or connection errors.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "host/common/cli.hpp"
#include "host/conductord/ctl_protocol.hpp"
#include "host/config/parser.hpp"

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = conductor::cli::kExitUsage;

int usage_error(const std::string& why) {
  std::fprintf(stderr, "conductorctl: %s\nRun 'conductorctl --help' for the options.\n", why.c_str());
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace conductor;
  std::string socket_path;
  std::string config_path;
  int timeout_s = 30;
  CLI::App app{
      "conductorctl [--socket PATH | --config FILE] [--timeout SECONDS] COMMAND [WORDS...]\n"
      "The command-line client of conductord's control socket (docs/conductord.md).",
      "conductorctl"};
  cli::setup(app);
  app.footer(
      "Commands: conductorctl help (asks the daemon).\n"
      "Exit codes: 0 the command succeeded; 1 it failed (the daemon's message on stderr);\n"
      "2 usage or connection errors.");
  app.prefix_command();  // the first word that is not an option starts the command; the rest is its words
  app.add_option("--socket", socket_path,
                 "conductord's control socket (default: [control] socket of --config, else\n"
                 "$CONDUCTOR_SOCKET, else /run/conductor/conductord.sock)")
      ->type_name("PATH");
  app.add_option("--config", config_path, "take the socket path from this configuration file")->type_name("FILE");
  cli::add_parsed(
      app, "--timeout", timeout_s,
      [](const std::string& v) -> Expected<int> {
        auto t = cli::parse_uint(v, 1, 3600);
        if (!t) return make_error(Errc::kInvalidArgument, "'" + v + "' is not 1..3600 seconds");
        return static_cast<int>(*t);
      },
      "how long to wait for the answer (default 30)")
      ->type_name("SECONDS");
  if (Status s = cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s)
    return cli::report(s, "conductorctl");
  const std::vector<std::string> words = app.remaining();
  if (words.empty()) return usage_error("no command given");
  if (words[0].size() > 1 && words[0][0] == '-') return usage_error("unknown option '" + words[0] + "'");
  if (socket_path.empty() && !config_path.empty()) {
    auto c = config::load_config(config_path);
    if (!c) {
      std::fprintf(stderr, "conductorctl: %s\n", c.error().message.c_str());
      return kUsage;
    }
    socket_path = c->control.socket;
  }
  if (socket_path.empty())
    if (const char* env = std::getenv("CONDUCTOR_SOCKET"); env && *env) socket_path = env;
  if (socket_path.empty()) socket_path = "/run/conductor/conductord.sock";

  std::string line;
  for (const std::string& w : words) line += (line.empty() ? "" : " ") + w;
  if (auto parsed = daemon::parse_request(line); !parsed) return usage_error(parsed.error().message);
  line += "\n";

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return usage_error("socket path too long: " + socket_path);
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    std::fprintf(stderr, "conductorctl: cannot connect to %s: %s%s\n", socket_path.c_str(), std::strerror(e),
                 e == ENOENT || e == ECONNREFUSED ? " (is conductord running?)"
                 : e == EACCES                    ? " (not in the socket's group?)"
                                                  : "");
    return kUsage;
  }
  for (size_t off = 0; off < line.size();) {
    ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      std::fprintf(stderr, "conductorctl: sending to %s: %s\n", socket_path.c_str(), std::strerror(errno));
      return kUsage;
    }
    off += static_cast<size_t>(n);
  }
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{timeout_s};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      std::fprintf(stderr, "conductorctl: no answer from %s within %d s\n", socket_path.c_str(), timeout_s);
      return kUsage;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
    if (in.size() > daemon::kMaxResponseBytes + 4096) {
      std::fprintf(stderr, "conductorctl: the answer is larger than 1 MiB\n");
      return kUsage;
    }
  }
  ::close(fd);
  auto r = daemon::parse_response(in);
  if (!r) {
    std::fprintf(stderr, "conductorctl: %s\n", r.error().message.c_str());
    return kUsage;
  }
  std::fputs(r->body.c_str(), stdout);
  if (!r->ok) {
    std::fprintf(stderr, "conductorctl: %s (%s)\n", r->message.c_str(), std::string(errc_name(r->code)).c_str());
    return kFailed;
  }
  return kOk;
}
