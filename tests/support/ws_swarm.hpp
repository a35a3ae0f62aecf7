#pragma once
// Many WebSocket client connections driven by one epoll loop on the calling thread: a thousand
// clients in one test process, without a thread or an Asio stream each. A minimal RFC 6455 client:
// text frames, pings answered, no extensions; the server sends unfragmented frames.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mdfan::test {

class ws_swarm {
 public:
  // One message: which client, its payload, and the wall-clock time (ns since the epoch) at which
  // the read that brought it in returned.
  using message_fn = std::function<void(std::size_t client, std::string_view payload, std::int64_t recv_wall_ns)>;

  ws_swarm();
  ~ws_swarm();
  ws_swarm(const ws_swarm&) = delete;
  ws_swarm& operator=(const ws_swarm&) = delete;

  // Connects to ws://127.0.0.1:port/ws, completes the handshake and sends `first_message` (blocking,
  // bounded by `timeout`). A client that is not `reading` is never read until start_reading().
  // `stall_fast` makes such a client back up its server session within a few kilobytes: a small
  // SO_RCVBUF, and a small MSS announced in the SYN (on loopback the MSS is ~64 KiB, and the server's
  // send buffer grows with it to hundreds of kilobytes). Returns the client's index, or -1 with the
  // reason in `error`.
  long add(std::uint16_t port, std::string_view first_message, bool reading, bool stall_fast = false,
           std::string* error = nullptr, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void start_reading(std::size_t client);

  // Reads from every reading client for `d`, calling `fn` per message.
  void run_for(std::chrono::milliseconds d, const message_fn& fn);

  std::size_t size() const noexcept { return conns_.size(); }
  bool is_open(std::size_t client) const noexcept { return conns_[client].fd >= 0; }
  // Clients whose connection ended (close frame, EOF or error).
  std::size_t closed() const noexcept;
  // Closes every connection at once (no close handshake).
  void close_all();

 private:
  struct conn {
    int fd = -1;
    bool reading = false;
    std::string in;
  };
  void on_readable(std::size_t i, const message_fn& fn);
  void end(std::size_t i);

  int epoll_ = -1;
  std::vector<conn> conns_;
};

}  // namespace mdfan::test
