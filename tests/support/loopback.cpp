#include "support/loopback.hpp"

#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mdfan::loopback {

// Sockets are SOCK_CLOEXEC: both users fork children (possibly from another thread at the same moment),
// which must not inherit a probe socket.

int connect(std::uint16_t port, const connect_options& opts) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  if (opts.no_delay) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (opts.io_timeout.count() > 0) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(opts.io_timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((opts.io_timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  if (opts.receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opts.receive_buffer, sizeof opts.receive_buffer);
  if (opts.max_segment > 0) ::setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &opts.max_segment, sizeof opts.max_segment);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks a free ephemeral port
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind() failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout, bool (*give_up)()) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && !(give_up && give_up())) {
    // A fresh socket per attempt: a socket whose connect() failed cannot be reused portably.
    if (const int fd = connect(port); fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace mdfan::loopback
