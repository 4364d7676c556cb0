#include "tests/common/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <utility>

extern char** environ;

namespace conductor::testing {
namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The test's environment with `extra` (NAME=value) added or replacing same-named entries.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& x : extra) replaced |= x.substr(0, x.find('=')) == name;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (auto& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// Reads what `fd` holds now into `into`; false at end of file or on an error other than EAGAIN.
bool drain(int fd, std::string& into) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace

ExitStatus ExitStatus::from_wait_status(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) s.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  return s;
}

std::string ExitStatus::describe() const {
  if (signal != 0) return "signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  return "exit " + std::to_string(code);
}

std::ostream& operator<<(std::ostream& os, const ExitStatus& s) { return os << s.describe(); }

Process::Process(Process&& o) noexcept { *this = std::move(o); }

Process& Process::operator=(Process&& o) noexcept {
  if (this == &o) return *this;
  kill();
  close_fds();
  pid_ = std::exchange(o.pid_, -1);
  reaped_ = std::exchange(o.reaped_, false);
  status_ = std::exchange(o.status_, std::nullopt);
  in_fd_ = std::exchange(o.in_fd_, -1);
  out_fd_ = std::exchange(o.out_fd_, -1);
  err_fd_ = std::exchange(o.err_fd_, -1);
  out_ = std::move(o.out_);
  err_ = std::move(o.err_);
  output_file_ = std::move(o.output_file_);
  return *this;
}

bool Process::start(SpawnOptions options) {
  kill();
  close_fds();
  *this = Process();
  if (options.argv.empty()) return false;
  output_file_ = options.output_file;

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = merged_environment(options.env);
  std::vector<char*> c_argv = c_strings(argv), c_env = c_strings(env);
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {in, out, err}) close_fd(p[0]), close_fd(p[1]);
  };
  if ((options.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) || (options.pipe_output && ::pipe2(out, O_CLOEXEC) != 0) ||
      (options.pipe_output && !options.merge_stderr && ::pipe2(err, O_CLOEXEC) != 0)) {
    close_all();
    return false;
  }
  const pid_t parent = ::getpid();
  const char* file = options.output_file.empty() ? nullptr : options.output_file.c_str();
  const pid_t pid = ::fork();
  if (pid < 0) {
    close_all();
    return false;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (in[0] >= 0) {
      ::dup2(in[0], 0);
    } else {
      const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null >= 0) ::dup2(null, 0);
    }
    if (file != nullptr) {
      const int fd = ::open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    }
    if (out[1] >= 0) ::dup2(out[1], 1), ::dup2(err[1] >= 0 ? err[1] : out[1], 2);
    ::execvpe(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so that signal() reaches the group whichever runs first
  pid_ = pid;
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  in_fd_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
  for (int fd : {out_fd_, err_fd_})
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return true;
}

void Process::reap_if_exited() {
  if (pid_ <= 0 || reaped_) return;
  int st = 0;
  pid_t r;
  do r = ::waitpid(pid_, &st, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped_ = true;
    status_ = ExitStatus::from_wait_status(st);
  } else if (r < 0) {
    reaped_ = true;  // not our child any more (reaped elsewhere): nothing left to wait for
  }
}

bool Process::running() {
  reap_if_exited();
  return pid_ > 0 && !reaped_;
}

bool Process::signal(int sig) {
  reap_if_exited();
  return pid_ > 0 && !reaped_ && ::kill(-pid_, sig) == 0;
}

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return std::nullopt;
  const auto end = Clock::now() + limit;
  for (;;) {
    reap_if_exited();
    if (reaped_) {
      read_available();
      return status_;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    // Reading the pipes while waiting keeps a chatty child from blocking on a full pipe.
    if (out_fd_ >= 0 || err_fd_ >= 0) {
      read_for(std::min(left, std::chrono::milliseconds{2}));
    } else {
      ::poll(nullptr, 0, static_cast<int>(std::min<int64_t>(left.count(), 2)));
    }
  }
}

std::optional<ExitStatus> Process::kill() {
  if (pid_ <= 0) return std::nullopt;
  reap_if_exited();
  if (!reaped_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case it left its group
    int st = 0;
    pid_t r;
    do r = ::waitpid(pid_, &st, 0);  // SIGKILL cannot be caught: this returns
    while (r < 0 && errno == EINTR);
    reaped_ = true;
    if (r == pid_) status_ = ExitStatus::from_wait_status(st);
  }
  return status_;
}

std::optional<ExitStatus> Process::stop(std::chrono::milliseconds grace) {
  close_stdin();
  if (auto st = wait(grace)) return st;
  return kill();
}

void Process::close_stdin() { close_fd(in_fd_); }

bool Process::read_available() {
  bool open = false;
  if (out_fd_ >= 0) {
    if (drain(out_fd_, out_))
      open = true;
    else
      close_fd(out_fd_);
  }
  if (err_fd_ >= 0) {
    if (drain(err_fd_, err_))
      open = true;
    else
      close_fd(err_fd_);
  }
  return open;
}

bool Process::read_for(std::chrono::milliseconds limit) {
  pollfd p[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  if (::poll(p, 2, static_cast<int>(limit.count())) <= 0) return false;
  const size_t before = out_.size() + err_.size();
  read_available();
  return out_.size() + err_.size() != before;
}

std::vector<std::string> Process::take_lines() {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = out_.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(out_.substr(start, nl - start));
  out_.erase(0, start);
  return lines;
}

std::string Process::output_file_text() const {
  if (output_file_.empty()) return {};
  std::ifstream in(output_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Process::close_fds() {
  close_fd(in_fd_);
  close_fd(out_fd_);
  close_fd(err_fd_);
}

RunResult run(SpawnOptions options, std::chrono::milliseconds deadline) {
  options.pipe_output = true;
  RunResult r;
  Process p;
  if (!p.start(std::move(options))) {
    r.status.code = 127;
    return r;
  }
  const auto end = Clock::now() + deadline;
  // Output until both pipes close, then the exit status, all within the one deadline.
  while (p.read_available() && Clock::now() < end)
    p.read_for(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min<Clock::duration>(end - Clock::now(), std::chrono::milliseconds{100})));
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
  auto st = p.wait(std::max(left, std::chrono::milliseconds{0}));
  if (!st) {
    r.timed_out = true;
    st = p.kill();
  }
  p.read_available();
  r.status = st.value_or(ExitStatus{});
  r.out = p.out();
  r.err = p.err();
  return r;
}

RunResult run(std::vector<std::string> argv, std::chrono::milliseconds deadline) {
  return run(SpawnOptions{.argv = std::move(argv)}, deadline);
}

RunResult run_shell(const std::string& command, std::chrono::milliseconds deadline) {
  return run(SpawnOptions{.argv = {"/bin/sh", "-c", command}, .merge_stderr = true}, deadline);
}

}  // namespace conductor::testing
