#include "support/ws_swarm.hpp"

#include "net/ws_frame.hpp"
#include "support/loopback.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mdfan::test {

namespace {

std::int64_t wall_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A client frame: FIN, the opcode, masked with a zero key (valid, and the payload stays as is).
std::string client_frame(ws::opcode op, std::string_view payload) {
  std::string f;
  ws::append_client_frame(f, op, payload, 0);
  return f;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

ws_swarm::ws_swarm() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

ws_swarm::~ws_swarm() {
  close_all();
  ::close(epoll_);
}

long ws_swarm::add(std::uint16_t port, std::string_view first_message, bool reading, bool stall_fast,
                   std::string* error, std::chrono::milliseconds timeout) {
  auto fail = [&](std::string why, int fd) -> long {
    if (error != nullptr) *error = std::move(why) + (errno != 0 ? std::string(": ") + std::strerror(errno) : "");
    if (fd >= 0) ::close(fd);
    return -1;
  };
  errno = 0;
  loopback::connect_options opts{.no_delay = true, .io_timeout = timeout};
  if (stall_fast) {  // a small window and small segments: the server's queue fills after a few frames
    opts.receive_buffer = 4096;
    opts.max_segment = 536;
  }
  const int fd = loopback::connect(port, opts);
  if (fd < 0) return fail("connect", fd);
  const std::string request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!write_all(fd, request)) return fail("send handshake", fd);
  conn c;
  char buf[4096];
  std::size_t end = std::string::npos;
  while ((end = c.in.find("\r\n\r\n")) == std::string::npos) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return fail("handshake response", fd);
    c.in.append(buf, static_cast<std::size_t>(n));
  }
  if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
    errno = 0;
    return fail("handshake refused: " + c.in.substr(0, c.in.find('\r')), fd);
  }
  c.in.erase(0, end + 4);  // anything after the response is already WebSocket frames
  if (!write_all(fd, client_frame(ws::opcode::text, first_message))) return fail("send first message", fd);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  c.fd = fd;
  conns_.push_back(std::move(c));
  const auto index = conns_.size() - 1;
  if (reading) start_reading(index);
  return static_cast<long>(index);
}

void ws_swarm::start_reading(std::size_t i) {
  auto& c = conns_[i];
  if (c.reading || c.fd < 0) return;
  c.reading = true;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = i;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
}

void ws_swarm::run_for(std::chrono::milliseconds d, const message_fn& fn) {
  const auto until = std::chrono::steady_clock::now() + d;
  epoll_event events[256];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
    if (left <= 0) return;
    const int n = ::epoll_wait(epoll_, events, 256, static_cast<int>(left));
    for (int k = 0; k < n; ++k) on_readable(static_cast<std::size_t>(events[k].data.u64), fn);
  }
}

void ws_swarm::on_readable(std::size_t i, const message_fn& fn) {
  auto& c = conns_[i];
  if (c.fd < 0) return;
  char buf[65536];
  const auto n = ::recv(c.fd, buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    end(i);
    return;
  }
  if (n < 0) return;
  const auto now = wall_now_ns();
  c.in.append(buf, static_cast<std::size_t>(n));
  std::size_t off = 0;
  while (c.in.size() - off >= 2) {
    const auto* p = reinterpret_cast<const unsigned char*>(c.in.data() + off);
    const unsigned opcode = p[0] & 0x0fU;
    std::uint64_t len = p[1] & 0x7fU;
    std::size_t header = 2;
    if (len == 126) {
      if (c.in.size() - off < 4) break;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (c.in.size() - off < 10) break;
      len = 0;
      for (int b = 0; b < 8; ++b) len = (len << 8) | p[2 + b];
      header = 10;
    }
    if ((p[1] & 0x80U) != 0) header += 4;  // servers do not mask; tolerate it anyway (the key is skipped)
    if (c.in.size() - off < header + len) break;
    const std::string_view payload(c.in.data() + off + header, static_cast<std::size_t>(len));
    off += header + static_cast<std::size_t>(len);
    switch (opcode) {
      case 0x0:
      case 0x1:
      case 0x2: fn(i, payload, now); break;
      case 0x8: end(i); return;
      case 0x9: write_all(c.fd, client_frame(ws::opcode::pong, payload)); break;  // pong: tiny, fits the socket buffer
      default: break;
    }
  }
  c.in.erase(0, off);
}

void ws_swarm::end(std::size_t i) {
  auto& c = conns_[i];
  if (c.fd < 0) return;
  if (c.reading) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
}

std::size_t ws_swarm::closed() const noexcept {
  std::size_t n = 0;
  for (const auto& c : conns_) n += c.fd < 0 ? 1 : 0;
  return n;
}

void ws_swarm::close_all() {
  for (std::size_t i = 0; i < conns_.size(); ++i) end(i);
}

}  // namespace mdfan::test
