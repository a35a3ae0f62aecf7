#pragma once
// Child processes of the benchmark: each in its own process group, recorded (argv) for the report,
// and killed and reaped on every way out (normal exit, error, Ctrl-C). Plus /proc readers for the CPU
// time and resident memory of a process, and the loopback port helpers (support/loopback.hpp) bound to
// the tool's Ctrl-C flag.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

#include "support/loopback.hpp"

namespace mdfan::bench {

// Set by SIGINT/SIGTERM; every loop of the tool checks it.
bool interrupted() noexcept;
// Installs the SIGINT/SIGTERM handlers (a second signal kills every child group and exits at once).
void install_signal_handlers();

// Every command the tool ran (or tried to run), in order, with the scenario it belonged to.
struct command_record {
  std::string scenario;
  std::string role;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // extra environment given to the command
};
const std::vector<command_record>& commands_run();
// The scenario the next commands are recorded under.
void set_command_scenario(std::string scenario);

// A child process in its own process group; stdout/stderr go to `log_file` (or /dev/null when empty,
// or a pipe with capture_stdout). The destructor kills the whole group (SIGTERM, then SIGKILL) and
// reaps it.
class child {
 public:
  struct options {
    std::string role;  // what it is, for the report ("redis-server", "mdfan executor", ...)
    std::string log_file;
    std::vector<std::string> env;  // extra NAME=VALUE entries
    std::string cwd;
    bool capture_stdout = false;  // stdout to a pipe read with read_stdout(); stderr to log_file
  };
  child() = default;
  // Throws std::runtime_error when fork fails; an exec failure shows as exit status 127.
  child(std::vector<std::string> argv, options opts);
  child(child&& o) noexcept;
  child& operator=(child&& o) noexcept;
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child();

  pid_t pid() const noexcept { return pid_; }
  bool running();
  // Exit status once ended (128+signal when killed), -1 while running.
  int status() const noexcept { return status_; }
  // Waits up to `timeout`; the exit status, or -1 on timeout. Returns early on interrupted().
  int wait(std::chrono::milliseconds timeout);
  // SIGTERM to the group, wait up to `grace`, then SIGKILL; reaps. Returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // Reads what stdout has ready (capture_stdout), waiting up to `timeout` for something; appends to
  // `out`. False at end of file.
  bool read_stdout(std::string& out, std::chrono::milliseconds timeout);
  const std::string& log_file() const noexcept { return log_; }

 private:
  void release();
  pid_t pid_ = -1;
  int status_ = -1;
  int out_fd_ = -1;
  std::string log_;
};

// child::options without naming every field.
inline child::options child_opts(std::string role, std::string log_file = {}, std::vector<std::string> env = {},
                                 std::string cwd = {}, bool capture_stdout = false) {
  child::options o;
  o.role = std::move(role);
  o.log_file = std::move(log_file);
  o.env = std::move(env);
  o.cwd = std::move(cwd);
  o.capture_stdout = capture_stdout;
  return o;
}

// Kills (SIGKILL) every live child group the tool started and reaps them; used at exit.
void kill_all_children();

// Runs a command to completion (bounded by `timeout`), capturing stdout and stderr together.
struct run_result {
  int status = -1;  // -1: timed out (killed) or interrupted
  std::string output;
};
run_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout, child::options opts = {});

// A port on 127.0.0.1 that was free a moment ago.
using loopback::free_port;
// True when 127.0.0.1:port accepts a TCP connection within `timeout` (false early on interrupted()).
inline bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
  return loopback::wait_for_port(port, timeout, interrupted);
}

// CPU time (user + system) of a process, in seconds, from /proc/PID/stat; negative when unreadable.
double process_cpu_seconds(pid_t pid);
// Resident set size (VmRSS) in KiB from /proc/PID/status; negative when unreadable.
long process_rss_kib(pid_t pid);
// RSS of a process and all its descendants (e.g. nginx master + worker), KiB.
long process_tree_rss_kib(pid_t pid);
// CPU seconds of a process and all its descendants.
double process_tree_cpu_seconds(pid_t pid);

// A whole file, or empty when missing.
std::string read_text_file(const std::string& path);
// Finds an executable in PATH (or checks a path given with a slash); empty when not found.
std::string find_program(const std::string& name);

// Wall-clock ns since the epoch (CLOCK_REALTIME: comparable with mdfan's timestamps) and a monotonic clock.
std::int64_t wall_now_ns() noexcept;
std::int64_t mono_now_ns() noexcept;

}  // namespace mdfan::bench
