#include "tool/process.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mdfan::bench {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signals{0};

// Live child process groups, in a fixed table so the signal handler can kill them without allocating.
constexpr std::size_t max_children = 256;
std::array<std::atomic<pid_t>, max_children> g_groups{};

void register_group(pid_t pid) {
  for (auto& slot : g_groups) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
}

void unregister_group(pid_t pid) {
  for (auto& slot : g_groups) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void on_signal(int) {
  g_interrupted.store(true);
  if (g_signals.fetch_add(1) >= 1) {
    // Second signal: no more patience. kill() and _exit() are async-signal-safe.
    for (auto& slot : g_groups) {
      const pid_t p = slot.load();
      if (p > 0) ::kill(-p, SIGKILL);
    }
    ::_exit(130);
  }
}

std::vector<command_record>& records() {
  static std::vector<command_record> r;
  return r;
}
std::string& current_scenario() {
  static std::string s;
  return s;
}

}  // namespace

bool interrupted() noexcept { return g_interrupted.load(std::memory_order_relaxed); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

const std::vector<command_record>& commands_run() { return records(); }
void set_command_scenario(std::string scenario) { current_scenario() = std::move(scenario); }

child::child(std::vector<std::string> argv, options opts) : log_(opts.log_file) {
  records().push_back({current_scenario(), opts.role, argv, opts.env});
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (auto& e : opts.env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  if (opts.capture_stdout && ::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2() failed");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork() failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    // Dies with the tool even when the tool itself is SIGKILLed (children fork from the main thread only).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    signal(SIGPIPE, SIG_DFL);
    const int devnull = ::open("/dev/null", O_RDWR);
    int log_fd = devnull;
    if (!log_.empty()) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) log_fd = fd;
    }
    ::dup2(devnull, 0);
    if (opts.capture_stdout) {
      ::dup2(pipe_fds[1], 1);
      ::dup2(log_.empty() ? pipe_fds[1] : log_fd, 2);
    } else {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0) {
      std::fprintf(stderr, "chdir %s failed: %s\n", opts.cwd.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::execvpe(args[0], args.data(), envp.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: whichever of parent and child runs first
  register_group(pid_);
  if (opts.capture_stdout) {
    ::close(pipe_fds[1]);
    out_fd_ = pipe_fds[0];
  }
}

child::child(child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      status_(o.status_),
      out_fd_(std::exchange(o.out_fd_, -1)),
      log_(std::move(o.log_)) {}

child& child::operator=(child&& o) noexcept {
  if (this != &o) {
    release();
    pid_ = std::exchange(o.pid_, -1);
    status_ = o.status_;
    out_fd_ = std::exchange(o.out_fd_, -1);
    log_ = std::move(o.log_);
  }
  return *this;
}

child::~child() { release(); }

void child::release() {
  if (pid_ > 0) {
    if (running()) stop(std::chrono::milliseconds(1500));
    ::kill(-pid_, SIGKILL);  // whatever is left of the group (workers, grandchildren)
    unregister_group(pid_);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  out_fd_ = -1;
  pid_ = -1;
}

bool child::running() {
  if (pid_ <= 0 || status_ != -1) return false;
  int st = 0;
  const pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  } else {
    status_ = 255;  // not our child any more (should not happen)
  }
  return false;
}

int child::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

int child::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  if (running()) {
    ::kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (running()) {
      ::kill(-pid_, SIGKILL);
      const auto hard = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (running() && std::chrono::steady_clock::now() < hard)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ::kill(-pid_, SIGKILL);
  return status_;
}

bool child::read_stdout(std::string& out, std::chrono::milliseconds timeout) {
  if (out_fd_ < 0) return false;
  pollfd p{out_fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (r <= 0) return true;  // nothing yet (or EINTR)
  char buf[65536];
  const auto n = ::read(out_fd_, buf, sizeof buf);
  if (n > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  return false;
}

void kill_all_children() {
  for (auto& slot : g_groups) {
    const pid_t p = slot.load();
    if (p <= 0) continue;
    ::kill(-p, SIGKILL);
    int st = 0;
    for (int i = 0; i < 200 && ::waitpid(p, &st, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    slot.store(0);
  }
}

run_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout, child::options opts) {
  opts.capture_stdout = true;
  run_result r;
  child c(std::move(argv), std::move(opts));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && !interrupted()) {
    if (!c.read_stdout(r.output, std::chrono::milliseconds(100))) break;
  }
  if (c.wait(std::chrono::milliseconds(std::chrono::steady_clock::now() < deadline ? 2000 : 0)) < 0) {
    c.stop(std::chrono::milliseconds(500));
    r.status = -1;
    return r;
  }
  r.status = c.status();
  return r;
}

namespace {

// The fields of /proc/PID/stat after the command name: [0] is field 3 (state).
std::vector<std::string> stat_fields(pid_t pid) {
  const auto text = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = text.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) return out;
  std::istringstream in(text.substr(close + 1));
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

// pid -> parent pid of every process.
std::map<pid_t, pid_t> parents() {
  std::map<pid_t, pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const auto f = stat_fields(static_cast<pid_t>(pid));
    if (f.size() > 1) out[static_cast<pid_t>(pid)] = static_cast<pid_t>(std::atol(f[1].c_str()));
  }
  ::closedir(d);
  return out;
}

std::vector<pid_t> tree(pid_t root) {
  const auto pp = parents();
  std::vector<pid_t> out{root};
  for (std::size_t i = 0; i < out.size(); ++i)
    for (const auto& [p, parent] : pp)
      if (parent == out[i]) out.push_back(p);
  return out;
}

}  // namespace

double process_cpu_seconds(pid_t pid) {
  const auto f = stat_fields(pid);
  if (f.size() < 13) return -1;
  const double ticks = std::atof(f[11].c_str()) + std::atof(f[12].c_str());  // utime + stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long process_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

long process_tree_rss_kib(pid_t pid) {
  long sum = 0;
  for (auto p : tree(pid)) sum += std::max(0L, process_rss_kib(p));
  return sum;
}

double process_tree_cpu_seconds(pid_t pid) {
  double sum = 0;
  for (auto p : tree(pid)) sum += std::max(0.0, process_cpu_seconds(p));
  return sum;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string find_program(const std::string& name) {
  auto executable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return executable(name) ? name : std::string{};
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";  // nginx lives in sbin, which a non-root PATH may lack
  std::istringstream in(dirs);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    const auto p = dir + "/" + name;
    if (executable(p)) return p;
  }
  return {};
}

std::int64_t wall_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t mono_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace mdfan::bench
