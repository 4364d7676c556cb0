// Child processes for tests: the one way a test starts a program. A Process is spawned with an argv
// and optional extra environment, in its own process group, with stdout/stderr inherited, written to
// a file, or read through pipes; stdin is /dev/null or, on request, a pipe. Every wait takes a deadline. The destructor
// sends SIGKILL to the whole group and reaps the child, so a failing assertion leaves nothing
// running; the child also gets SIGKILL if the test process dies first (PR_SET_PDEATHSIG).
//
//   Process p({.argv = {CONDUCTORD_BIN, "--config", conf}, .output_file = dir + "/daemon.log"});
//   ASSERT_TRUE(p.started());
//   p.signal(SIGTERM);
//   auto st = p.wait(5s);          // nullopt: still running at the deadline
//   EXPECT_TRUE(st && st->ok()) << p.output_file_text();
//
//   RunResult r = run({"/bin/tool", "--flag"}, 60s);   // to completion, stdout and stderr apart
#pragma once

#include <sys/types.h>

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace conductor::testing {

// How a process ended.
struct ExitStatus {
  int code = -1;   // exit code when it exited normally, else -1
  int signal = 0;  // the signal that ended it, else 0

  static ExitStatus from_wait_status(int status);
  bool ok() const { return signal == 0 && code == 0; }
  // The shell's convention: the exit code, or 128 + the signal.
  int shell_code() const { return signal != 0 ? 128 + signal : code; }
  std::string describe() const;  // "exit 3", "signal 9 (Killed)"
  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
  friend std::ostream& operator<<(std::ostream& os, const ExitStatus& s);  // describe(), for test messages
};

struct SpawnOptions {
  std::vector<std::string> argv;   // argv[0]: a path, or a program name looked up in PATH
  std::vector<std::string> env{};  // NAME=value entries added to (or replacing in) the environment
  std::string output_file{};       // set: stdout and stderr both to this file (created, truncated)
  bool pipe_output = false;        // stdout and stderr to pipes (read_available, out, err)
  bool merge_stderr = false;       // with pipe_output: stderr on the stdout pipe (one ordered stream)
  bool pipe_stdin = false;         // stdin from a pipe (stdin_fd, close_stdin); else /dev/null
};

class Process {
 public:
  Process() = default;
  explicit Process(SpawnOptions options) { start(std::move(options)); }
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    kill();
    close_fds();
  }

  // Spawns the program (a Process that still runs one kills it first). False when fork or pipe
  // failed; a program that cannot be executed exits with 127.
  bool start(SpawnOptions options);
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // True until the child has exited (reaps it when it has).
  bool running();
  // Sends `sig` to the child's process group; false once the child has been reaped.
  bool signal(int sig);
  // Waits up to `limit` for the child to exit (reading its pipes meanwhile); its status, or nullopt
  // when it still runs at the deadline. Returns the status again once it has exited.
  std::optional<ExitStatus> wait(std::chrono::milliseconds limit);
  // SIGKILL to the group and reap; the status (also when it had already exited).
  std::optional<ExitStatus> kill();
  // Closes stdin (a well-behaved child exits), waits up to `grace`, then kills.
  std::optional<ExitStatus> stop(std::chrono::milliseconds grace);
  // The exit status once reaped.
  const std::optional<ExitStatus>& status() const { return status_; }

  // Pipes (-1 when not requested or closed).
  int stdin_fd() const { return in_fd_; }
  int stdout_fd() const { return out_fd_; }
  int stderr_fd() const { return err_fd_; }
  void close_stdin();
  // Appends what the output pipes hold now to out()/err(), without blocking. False once every output
  // pipe is at end of file (or there is none).
  bool read_available();
  // Waits up to `limit` for output on the pipes and reads it; false when nothing new came.
  bool read_for(std::chrono::milliseconds limit);
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  // Removes and returns the complete lines read from stdout so far (without '\n'); a partial last
  // line stays in out().
  std::vector<std::string> take_lines();
  // The whole of options.output_file as it is now.
  std::string output_file_text() const;

 private:
  void reap_if_exited();
  void close_fds();

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::optional<ExitStatus> status_;
  int in_fd_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::string output_file_;
};

struct RunResult {
  ExitStatus status;
  bool timed_out = false;  // killed at the deadline
  std::string out, err;
};

// Runs a program to completion with stdout and stderr captured apart (options.pipe_output is forced);
// at the deadline it is killed and timed_out is set.
RunResult run(SpawnOptions options, std::chrono::milliseconds deadline = std::chrono::seconds{60});
RunResult run(std::vector<std::string> argv, std::chrono::milliseconds deadline = std::chrono::seconds{60});
// `/bin/sh -c command`, stderr merged into out.
RunResult run_shell(const std::string& command, std::chrono::milliseconds deadline = std::chrono::seconds{60});

}  // namespace conductor::testing
