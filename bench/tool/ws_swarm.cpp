#include "tool/ws_swarm.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/ws_frame.hpp"
#include "tool/process.hpp"

namespace mdfan::bench {
namespace {

constexpr std::uint64_t external_bit = 1ull << 63;
constexpr std::size_t read_chunk = 256 * 1024;

bool write_all(int fd, std::string_view data) {
  int spins = 0;
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Client frames are tiny (a subscribe, a pong); a full send buffer means the server is stuck.
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && ++spins < 1000) {
        ::usleep(100);
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The integer after `key` in `payload` (a quote after the key is skipped); -1 when absent.
std::int64_t number_after(std::string_view payload, std::string_view key) {
  const auto at = payload.find(key);
  if (at == std::string_view::npos) return -1;
  std::size_t i = at + key.size();
  if (i < payload.size() && payload[i] == '"') ++i;
  std::int64_t v = 0;
  std::size_t digits = 0;
  for (; i < payload.size() && payload[i] >= '0' && payload[i] <= '9' && digits < 19; ++i, ++digits)
    v = v * 10 + (payload[i] - '0');
  return digits > 0 ? v : -1;
}

}  // namespace

double percentile_sorted(const std::vector<std::int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto idx = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  if (idx >= sorted.size()) idx = sorted.size() - 1;
  return static_cast<double>(sorted[idx]);
}

ws_swarm::ws_swarm(swarm_config cfg) : cfg_(std::move(cfg)), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  if (cfg_.sample_every == 0) cfg_.sample_every = 1;
  buf_.resize(read_chunk * 2);
}

ws_swarm::~ws_swarm() {
  close_all();
  ::close(epoll_);
}

bool ws_swarm::start_one(std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    if (error) *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (cfg_.ports.empty()) {
    if (error) *error = "no port to connect to";
    ::close(fd);
    return false;
  }
  const auto port = cfg_.ports[conns_.size() % cfg_.ports.size()];
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  if (r != 0 && errno != EINPROGRESS) {
    if (error) *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return false;
  }
  conn c;
  c.fd = fd;
  c.port = port;
  conns_.push_back(std::move(c));
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN;
  ev.data.u64 = conns_.size() - 1;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  ++in_flight_;
  return true;
}

std::size_t ws_swarm::connect(std::size_t n, std::chrono::milliseconds timeout, std::string* error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t started = 0;
  while (!interrupted() && std::chrono::steady_clock::now() < deadline) {
    while (started < n && in_flight_ < cfg_.max_handshakes_in_flight) {
      std::string why;
      ++started;
      if (!start_one(&why)) {
        if (first_error_.empty()) first_error_ = why;
        break;
      }
    }
    // Done when every client is ready or gone.
    std::size_t settled = 0;
    for (const auto& c : conns_) settled += (c.ready || c.st == state::closed) ? 1 : 0;
    if (started >= n && settled >= conns_.size()) break;
    poll_once(20);
  }
  if (error) *error = first_error_;
  return ready_;
}

void ws_swarm::add_external(int fd, std::function<void()> on_readable) {
  externals_.push_back({fd, std::move(on_readable)});
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = external_bit | (externals_.size() - 1);
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

void ws_swarm::poll_once(int timeout_ms) {
  epoll_event events[512];
  const int n = ::epoll_wait(epoll_, events, 512, timeout_ms);
  for (int k = 0; k < n; ++k) {
    const auto tag = events[k].data.u64;
    if (tag & external_bit) {
      externals_[tag & ~external_bit].fn();
    } else {
      on_event(static_cast<std::size_t>(tag), events[k].events);
    }
  }
}

void ws_swarm::run_for(std::chrono::milliseconds d, const std::function<bool()>& tick) {
  const auto until = std::chrono::steady_clock::now() + d;
  auto next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (!interrupted()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    if (tick && now >= next_tick) {
      if (!tick()) return;
      next_tick = now + std::chrono::milliseconds(100);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    poll_once(static_cast<int>(std::clamp<long long>(left, 1, 50)));
  }
}

void ws_swarm::on_event(std::size_t i, std::uint32_t events) {
  auto& c = conns_[i];
  if (c.st == state::closed) return;
  if (c.st == state::connecting) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable_connecting(i);
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(i);
}

void ws_swarm::on_writable_connecting(std::size_t i) {
  auto& c = conns_[i];
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(i, std::string("connect: ") + std::strerror(err));
  const std::string request = "GET " + cfg_.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(c.port) +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!write_all(c.fd, request)) return fail(i, std::string("send handshake: ") + std::strerror(errno));
  c.st = state::handshake;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = i;
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

void ws_swarm::on_readable(std::size_t i) {
  auto& c = conns_[i];
  // The carried-over partial frame first, then fresh bytes behind it, in one shared buffer.
  const std::size_t carried = c.pending.size();
  if (buf_.size() < carried + read_chunk) buf_.resize(carried + read_chunk);
  if (carried) std::memcpy(buf_.data(), c.pending.data(), carried);
  const auto n = ::recv(c.fd, buf_.data() + carried, read_chunk, 0);
  if (n == 0) return fail(i, "connection closed by the server");
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return fail(i, std::string("recv: ") + std::strerror(errno));
  }
  read_time_ = 0;
  std::size_t total = carried + static_cast<std::size_t>(n);
  std::size_t consumed = 0;
  if (c.st == state::handshake) {
    const std::string_view text(buf_.data(), total);
    const auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (total > 16384) return fail(i, "handshake response too long");
      c.pending.assign(buf_.data(), total);
      return;
    }
    if (!text.starts_with("HTTP/1.1 101")) {
      return fail(i, "handshake refused: " + std::string(text.substr(0, text.find('\r'))));
    }
    consumed = end + 4;
    c.st = state::open;
    --in_flight_;
    if (!cfg_.first_message.empty()) send_frame(c, 0x1, cfg_.first_message);
    if (cfg_.ready_prefix.empty()) mark_ready(c);
  }
  handle_frames(i, buf_.data(), total, consumed);
  if (conns_[i].st == state::closed) return;
  c.pending.assign(buf_.data() + consumed, total - consumed);
}

void ws_swarm::handle_frames(std::size_t i, const char* data, std::size_t n, std::size_t& off) {
  auto& c = conns_[i];
  while (n - off >= 2) {
    const auto* p = reinterpret_cast<const unsigned char*>(data + off);
    const unsigned opcode = p[0] & 0x0fU;
    std::uint64_t len = p[1] & 0x7fU;
    std::size_t header = 2;
    if (len == 126) {
      if (n - off < 4) return;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (n - off < 10) return;
      len = 0;
      for (int b = 0; b < 8; ++b) len = (len << 8) | p[2 + b];
      header = 10;
    }
    if ((p[1] & 0x80U) != 0) header += 4;  // servers do not mask; skip a key anyway
    if (len > (64u << 20)) return fail(i, "frame larger than 64 MiB");
    if (n - off < header + len) return;
    const std::string_view payload(data + off + header, static_cast<std::size_t>(len));
    off += header + static_cast<std::size_t>(len);
    switch (opcode) {
      case 0x0:
      case 0x1:
      case 0x2: on_data_frame(i, c, payload); break;
      case 0x8: return fail(i, "close frame from the server");
      case 0x9: send_frame(c, 0xA, payload); break;
      default: break;
    }
    if (c.st == state::closed) return;
  }
}

void ws_swarm::on_data_frame(std::size_t i, conn& c, std::string_view payload) {
  if (!c.ready) {
    if (!cfg_.ready_prefix.empty() && payload.starts_with(cfg_.ready_prefix)) mark_ready(c);
    return;  // replies and anything before readiness are not counted
  }
  if (!cfg_.gap_prefix.empty() && payload.starts_with(cfg_.gap_prefix)) {
    ++gaps_;
    return;
  }
  ++frames_;
  bytes_ += payload.size();
  if (++c.frames % cfg_.sample_every != 0 || !sampling_) return;
  if (read_time_ == 0) read_time_ = wall_now_ns();
  if (samples_.size() < cfg_.max_samples) {
    const auto ts = number_after(payload, cfg_.latency_key);
    if (ts > 0) samples_.push_back(read_time_ - ts);
  }
  if (on_sample_) on_sample_(i, payload, read_time_);
}

void ws_swarm::mark_ready(conn& c) {
  if (c.ready) return;
  c.ready = true;
  ++ready_;
}

void ws_swarm::send_frame(conn& c, std::uint8_t opcode, std::string_view payload) {
  // A real masking key (xorshift) per frame: client frames must be masked (RFC 6455 5.3).
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  std::string f;
  f.reserve(payload.size() + 14);
  ws::append_client_frame(f, static_cast<ws::opcode>(opcode), payload, mask_state_);
  write_all(c.fd, f);
}

void ws_swarm::fail(std::size_t i, const std::string& why) {
  if (first_error_.empty()) first_error_ = why;
  end(i);
}

void ws_swarm::end(std::size_t i) {
  auto& c = conns_[i];
  if (c.st == state::closed) return;
  if (c.st == state::connecting || c.st == state::handshake) --in_flight_;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
  c.st = state::closed;
  c.pending.clear();
  c.pending.shrink_to_fit();
  ++closed_;
}

std::size_t ws_swarm::open() const noexcept {
  std::size_t n = 0;
  for (const auto& c : conns_) n += c.st == state::open ? 1 : 0;
  return n;
}

std::uint64_t ws_swarm::clients_with_frames() const noexcept {
  std::uint64_t n = 0;
  for (const auto& c : conns_) n += c.frames > 0 ? 1 : 0;
  return n;
}

void ws_swarm::close_all() {
  for (std::size_t i = 0; i < conns_.size(); ++i) end(i);
}

}  // namespace mdfan::bench
