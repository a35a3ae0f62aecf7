#pragma once
// Loopback port helpers for code that starts real servers on 127.0.0.1: the tests (tests/support) and
// the benchmark tool (bench/tool). No gtest and no mdfan code here, so both can link it (target
// mdfan_loopback, tests/support/loopback.cmake).
#include <chrono>
#include <cstdint>

namespace mdfan::loopback {

// Socket options applied before connect() (buffer sizes and segment size only take full effect then).
struct connect_options {
  bool no_delay = false;                    // TCP_NODELAY
  std::chrono::milliseconds io_timeout{0};  // SO_RCVTIMEO and SO_SNDTIMEO (0: blocking without limit)
  int receive_buffer = 0;                   // SO_RCVBUF (0: the kernel's default)
  int max_segment = 0;                      // TCP_MAXSEG (0: the kernel's default)
};

// A blocking TCP connection to 127.0.0.1:port (SOCK_CLOEXEC): the socket, or -1 with errno set when
// socket() or connect() failed (nothing left open then).
int connect(std::uint16_t port, const connect_options& opts = {});

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). Another process may
// take it before the caller binds it. Throws std::runtime_error ("socket() failed" / "bind() failed").
std::uint16_t free_port();

// True when something accepts TCP connections on 127.0.0.1:port within `timeout`, polling every 20 ms.
// `give_up`, when given, is checked before every attempt; the wait ends (false) as soon as it returns true
// (the benchmark tool passes its Ctrl-C flag).
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout, bool (*give_up)() = nullptr);

}  // namespace mdfan::loopback
