// What the scenarios share: redis-server, mdfan processes, peers, paced publishers, latency summaries.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/loopback.hpp"
#include "tool/scenarios.hpp"
#include "tool/ws_swarm.hpp"

namespace mdfan::bench {
namespace fs = std::filesystem;

std::string log_path(const bench_options& o, const std::string& tag) {
  const auto dir = fs::path(o.work_dir) / "logs";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const auto p = (dir / (tag + ".log")).string();
  fs::remove(p, ec);  // each run starts its logs afresh
  return p;
}

std::string log_tail(const std::string& path, std::size_t max_chars) {
  auto text = read_text_file(path);
  if (text.size() > max_chars) text = "..." + text.substr(text.size() - max_chars);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// ---- redis-server ----

redis_instance::redis_instance(const bench_options& o, const std::string& tag) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    const auto log = log_path(o, tag + "-redis");
    proc_ = child({o.redis_server, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                   "no", "--daemonize", "no", "--protected-mode", "yes", "--dir", o.work_dir},
                  child_opts("redis-server", log));
    if (wait_for_port(port_, std::chrono::seconds(5))) {
      redis_client c;
      resp_value r;
      if (c.connect(port_, std::chrono::seconds(2)) && c.command({"PING"}, r) && r.str == "PONG") return;
    }
    if (interrupted()) break;
    proc_.stop();  // the port may have been taken in between: try another
  }
  throw std::runtime_error("redis-server (" + o.redis_server + ") did not start: " + log_tail(proc_.log_file()));
}

// ---- mdfan ----

child start_mdfan(const bench_options& o, const std::string& tag, std::vector<std::string> args) {
  args.insert(args.begin(), o.mdfan);
  return child(std::move(args), child_opts("mdfan " + tag, log_path(o, tag)));
}

bool wait_healthy(std::uint16_t port, std::chrono::milliseconds timeout, std::string* why) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline && !interrupted()) {
    const int fd = loopback::connect(port, {.io_timeout = std::chrono::seconds(1)});
    if (fd >= 0) {
      const std::string req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
      char buf[512];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        const std::string_view head(buf, static_cast<std::size_t>(n));
        if (head.starts_with("HTTP/1.1 200")) {
          ::close(fd);
          return true;
        }
        last = std::string(head.substr(0, head.find('\r')));
      }
      ::close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (why) *why = "/health on port " + std::to_string(port) + ": " + last;
  return false;
}

// ---- peers ----

boost::json::object skipped(const std::string& reason) {
  boost::json::object j;
  j["status"] = "skipped";
  j["reason"] = reason;
  return j;
}

peer_setup prepare_seed_node(const bench_options& o) {
  peer_setup s;
  if (o.peers_dir.empty()) {
    s.reason = "no peers directory (--peers)";
    return s;
  }
  const auto src = fs::path(o.peers_dir) / "seed-node";
  if (!fs::is_directory(src)) {
    s.reason = "peer directory missing: " + src.string();
    return s;
  }
  if (find_program(o.node).empty()) {
    s.reason = "node not found (" + o.node + ")";
    return s;
  }
  // A copy under the work directory: node_modules must not be written into the shared peers directory.
  const auto dst = fs::path(o.work_dir) / "seed-node";
  std::error_code ec;
  fs::create_directories(dst, ec);
  if (ec) {
    s.reason = "cannot create " + dst.string() + ": " + ec.message();
    return s;
  }
  for (const auto& e : fs::directory_iterator(src, ec)) {
    if (!e.is_regular_file()) continue;
    fs::copy_file(e.path(), dst / e.path().filename(), fs::copy_options::overwrite_existing, ec);
    if (ec) {
      s.reason = "cannot copy " + e.path().string() + ": " + ec.message();
      return s;
    }
  }
  // npm ci once per package-lock.json: a stamp holds the lock file it installed.
  const auto lock = read_text_file((dst / "package-lock.json").string());
  const auto stamp = dst / "node_modules" / ".mdfan-bench-lock";
  if (lock.empty() || !fs::is_directory(dst / "node_modules") || read_text_file(stamp.string()) != lock) {
    if (find_program(o.npm).empty()) {
      s.reason = "npm not found (" + o.npm + ")";
      return s;
    }
    const auto log = log_path(o, "seed-node-npm-ci");
    const auto r = run_command({o.npm, "ci", "--no-audit", "--no-fund"}, std::chrono::seconds(300),
                               child_opts("npm ci (seed-node)", log, {}, dst.string()));
    if (r.status != 0) {
      s.reason = fmt::format("npm ci failed (status {}): {}", r.status, log_tail(log, 300) + r.output.substr(0, 300));
      return s;
    }
    std::FILE* f = std::fopen(stamp.string().c_str(), "wb");
    if (f) {
      std::fwrite(lock.data(), 1, lock.size(), f);
      std::fclose(f);
    }
  }
  s.ok = true;
  s.dir = dst.string();
  return s;
}

peer_setup prepare_nchan(const bench_options& o) {
  peer_setup s;
  if (o.peers_dir.empty()) {
    s.reason = "no peers directory (--peers)";
    return s;
  }
  const auto dir = fs::path(o.peers_dir) / "nchan";
  if (!fs::exists(dir / "run.sh")) {
    s.reason = "peer missing: " + (dir / "run.sh").string();
    return s;
  }
  if (find_program("nginx").empty()) {
    s.reason = "nginx not found (Debian: nginx-light)";
    return s;
  }
  if (!fs::exists("/usr/lib/nginx/modules/ngx_nchan_module.so")) {
    s.reason = "Nchan module missing: /usr/lib/nginx/modules/ngx_nchan_module.so (Debian: libnginx-mod-nchan)";
    return s;
  }
  if (find_program("envsubst").empty()) {
    s.reason = "envsubst not found (Debian: gettext-base)";
    return s;
  }
  s.ok = true;
  s.dir = dir.string();
  return s;
}

// ---- paced publishers ----

struct paced_publisher::impl {
  bool is_http = false;
  std::uint16_t port = 0;
  std::string target;  // channel or path
  int connections = 1;
  encode_fn encode;
  struct link {
    int fd = -1;
    std::string in;
    std::uint64_t outstanding = 0;
  };
  std::vector<link> links;
  mutable std::mutex mu;
  std::string first_error;
  std::string msg, out;

  void set_error(const std::string& e) {
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = e;
  }
};

paced_publisher::paced_publisher(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

paced_publisher::~paced_publisher() {
  stop();
  for (auto& l : impl_->links)
    if (l.fd >= 0) ::close(l.fd);
}

std::unique_ptr<paced_publisher> paced_publisher::redis(std::uint16_t port, std::string channel, encode_fn fn) {
  auto p = std::make_unique<impl>();
  p->port = port;
  p->target = std::move(channel);
  p->encode = std::move(fn);
  return std::unique_ptr<paced_publisher>(new paced_publisher(std::move(p)));
}

std::unique_ptr<paced_publisher> paced_publisher::http(std::uint16_t port, std::string path, int connections,
                                                       encode_fn fn) {
  auto p = std::make_unique<impl>();
  p->is_http = true;
  p->port = port;
  p->target = std::move(path);
  p->connections = std::max(1, connections);
  p->encode = std::move(fn);
  return std::unique_ptr<paced_publisher>(new paced_publisher(std::move(p)));
}

std::string paced_publisher::first_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->first_error;
}

std::vector<std::string> paced_publisher::argv_like() const {
  if (impl_->is_http)
    return {"(in-process)", "http-post", fmt::format("http://127.0.0.1:{}{}", impl_->port, impl_->target),
            fmt::format("connections={}", impl_->connections)};
  return {"(in-process)", "redis-publish", fmt::format("127.0.0.1:{}", impl_->port), impl_->target};
}

bool paced_publisher::start(double rate, std::string* error) {
  auto& p = *impl_;
  const int n = p.is_http ? p.connections : 1;
  for (int i = 0; i < n; ++i) {
    const int fd = loopback::connect(p.port, {.no_delay = true});
    if (fd < 0) {
      if (error) *error = fmt::format("publisher: connect to port {}: {}", p.port, std::strerror(errno));
      return false;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    p.links.push_back({fd, {}, 0});
  }
  thread_ = std::thread([this, rate] { run(rate); });
  return true;
}

void paced_publisher::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {

// Writes all of `data` to a non-blocking socket, waiting for room up to 2 s; false on error.
bool send_all(int fd, std::string_view data, const std::atomic<bool>& stop) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    if (stop || std::chrono::steady_clock::now() > deadline) return false;
    pollfd pf{fd, POLLOUT, 0};
    ::poll(&pf, 1, 10);
  }
  return true;
}

// Counts complete HTTP responses at the front of `in` and removes them; counts non-2xx in `bad`.
std::size_t take_http_responses(std::string& in, std::uint64_t& bad, std::string& bad_text) {
  std::size_t count = 0, off = 0;
  while (true) {
    const auto head_end = in.find("\r\n\r\n", off);
    if (head_end == std::string::npos) break;
    const std::string_view head(in.data() + off, head_end - off);
    std::size_t body = 0;
    bool chunked = false;
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (const auto cl = lower.find("\r\ncontent-length:"); cl != std::string::npos)
      body = std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
    if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) chunked = true;
    std::size_t end = head_end + 4;
    if (chunked) {
      bool complete = false;
      while (true) {
        const auto le = in.find("\r\n", end);
        if (le == std::string::npos) break;
        const auto size = std::strtoul(in.c_str() + end, nullptr, 16);
        if (size == 0) {
          const auto fin = in.find("\r\n\r\n", end);
          if (fin != std::string::npos) {
            end = fin + 4;
            complete = true;
          }
          break;
        }
        if (le + 2 + size + 2 > in.size()) break;
        end = le + 2 + size + 2;
      }
      if (!complete) break;
    } else {
      if (end + body > in.size()) break;
      end += body;
    }
    if (head.size() < 12 || head[9] != '2') {
      ++bad;
      if (bad_text.empty()) bad_text = std::string(head.substr(0, head.find('\r')));
    }
    ++count;
    off = end;
  }
  in.erase(0, off);
  return count;
}

}  // namespace

void paced_publisher::run(double rate) {
  auto& p = *impl_;
  constexpr std::uint64_t max_outstanding_redis = 50'000;
  constexpr std::uint64_t max_outstanding_http = 64;  // per connection
  const auto t0 = mono_now_ns();
  std::uint64_t scheduled = 0, n = 0;
  std::size_t rr = 0;
  std::string bad_text;
  std::uint64_t bad = 0;
  // At most 10 ms of messages at once: after a stall the schedule skips ahead instead of bursting.
  const auto burst = static_cast<std::uint64_t>(std::max(1.0, rate / 100));
  while (!stop_) {
    const auto now = mono_now_ns();
    const auto due_total = static_cast<std::uint64_t>(rate * static_cast<double>(now - t0) / 1e9);
    if (due_total > scheduled) {
      std::uint64_t due = due_total - scheduled;
      if (due > burst) {
        behind_ += due - burst;
        due = burst;
      }
      scheduled = due_total;
      p.out.clear();
      std::uint64_t batch = 0;
      for (std::uint64_t k = 0; k < due; ++k) {
        auto& l = p.links[rr];
        const auto limit = p.is_http ? max_outstanding_http : max_outstanding_redis;
        if (l.outstanding >= limit) {
          ++behind_;
          continue;
        }
        p.msg.clear();
        p.encode(p.msg, ++n, wall_now_ns());
        if (p.is_http) {
          p.out.clear();
          p.out += fmt::format(
              "POST {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
              p.target, p.port, p.msg.size());
          p.out += p.msg;
          if (!send_all(l.fd, p.out, stop_)) {
            p.set_error(fmt::format("publisher: send failed: {}", std::strerror(errno)));
            ++errors_;
            continue;
          }
          ++l.outstanding;
          ++sent_;
          rr = (rr + 1) % p.links.size();
        } else {
          append_command(p.out, {"PUBLISH", p.target, p.msg});
          ++batch;
        }
      }
      if (!p.is_http && batch > 0) {
        if (!send_all(p.links[0].fd, p.out, stop_)) {
          p.set_error(fmt::format("publisher: send to Redis failed: {}", std::strerror(errno)));
          errors_ += batch;
        } else {
          p.links[0].outstanding += batch;
          sent_ += batch;
        }
      }
    }
    // Acknowledgements; then wait for the next millisecond.
    std::vector<pollfd> pfs;
    for (auto& l : p.links) pfs.push_back({l.fd, POLLIN, 0});
    ::poll(pfs.data(), pfs.size(), 1);
    for (std::size_t i = 0; i < p.links.size(); ++i) {
      auto& l = p.links[i];
      char buf[65536];
      while (true) {
        const auto r = ::recv(l.fd, buf, sizeof buf, 0);
        if (r <= 0) {
          if (r == 0) {
            p.set_error("publisher: the server closed the connection");
            stop_ = true;
          }
          break;
        }
        l.in.append(buf, static_cast<std::size_t>(r));
      }
      std::size_t got = 0;
      if (p.is_http) {
        got = take_http_responses(l.in, bad, bad_text);
      } else {
        std::size_t off = 0;
        while (true) {
          const long used = parse_reply(l.in.data() + off, l.in.size() - off, nullptr);
          if (used <= 0) break;
          if (l.in[off] == '-') {
            ++bad;
            if (bad_text.empty())
              bad_text = l.in.substr(off, std::min<std::size_t>(120, static_cast<std::size_t>(used)));
          }
          off += static_cast<std::size_t>(used);
          ++got;
        }
        l.in.erase(0, off);
      }
      l.outstanding -= std::min<std::uint64_t>(l.outstanding, got);
      acked_ += got;
    }
    if (bad > 0) {
      errors_ += bad;
      p.set_error("publisher: error reply: " + bad_text);
      bad = 0;
    }
  }
}

// ---- measurements ----

double thread_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

boost::json::object latency_json(std::vector<std::int64_t>& samples) {
  std::sort(samples.begin(), samples.end());
  boost::json::object j;
  j["samples"] = samples.size();
  if (samples.empty()) {
    for (const char* k : {"p50_us", "p90_us", "p99_us", "p99_9_us", "max_us"}) j[k] = nullptr;
    return j;
  }
  auto us = [&](double q) { return std::round(percentile_sorted(samples, q) / 100.0) / 10.0; };
  j["p50_us"] = us(0.5);
  j["p90_us"] = us(0.9);
  j["p99_us"] = us(0.99);
  j["p99_9_us"] = us(0.999);
  j["max_us"] = std::round(static_cast<double>(samples.back()) / 100.0) / 10.0;
  return j;
}

std::vector<std::string> latency_cells(std::vector<std::int64_t>& samples) {
  std::sort(samples.begin(), samples.end());
  if (samples.empty()) return {"-", "-", "-", "-"};
  return {fmt_us(percentile_sorted(samples, 0.5)), fmt_us(percentile_sorted(samples, 0.9)),
          fmt_us(percentile_sorted(samples, 0.99)), fmt_us(percentile_sorted(samples, 0.999))};
}

}  // namespace mdfan::bench
