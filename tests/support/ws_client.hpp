#pragma once
// Synchronous WebSocket and HTTP clients for tests. Every call takes a timeout and never blocks
// longer; each client runs its own private io_context on the calling thread, so no background
// thread is involved. Not thread-safe: use one client from one thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdfan::test {

using namespace std::chrono_literals;

struct http_response {
  int status = 0;  // 0 when the request failed (see error)
  std::string body;
  std::string content_type;
  std::string error;  // why status is 0
};

// GET http://host:port/path over a fresh connection.
http_response http_get(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout = 5s,
                       const std::string& host = "127.0.0.1");

struct ws_client_options {
  std::size_t read_message_max = 64u << 20;  // largest message accepted from the server
  int receive_buffer_bytes = 0;              // SO_RCVBUF set before connecting (0: OS default);
                                             // small values make a non-reading client slow quickly
};

// One WebSocket connection (text frames). A read that times out stays pending and is picked up by
// the next read(), so no message is ever lost to a timeout.
class ws_client {
 public:
  explicit ws_client(ws_client_options opts = {});
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Connects to ws://host:port/path and completes the handshake. False on failure (see error()).
  bool connect(std::uint16_t port, const std::string& path = "/ws", std::chrono::milliseconds timeout = 5s,
               const std::string& host = "127.0.0.1");

  // Sends one text (or binary) message; false on failure or timeout.
  bool send(std::string_view text, std::chrono::milliseconds timeout = 5s);
  bool send_binary(std::string_view data, std::chrono::milliseconds timeout = 5s);

  // The next message, or nullopt on timeout, close or error (tell them apart with is_open()).
  std::optional<std::string> read(std::chrono::milliseconds timeout = 5s);
  // Reads until a message satisfies `pred` (earlier ones are discarded) or the timeout passes.
  std::optional<std::string> read_until(const std::function<bool(std::string_view)>& pred,
                                        std::chrono::milliseconds timeout = 5s);
  // Reads until the server closes the connection or the timeout passes; true when it closed.
  // Messages read meanwhile are counted in `discarded`, if given.
  bool wait_closed(std::chrono::milliseconds timeout = 5s, std::size_t* discarded = nullptr);

  // Sends a close frame and waits (bounded) for the server's reply.
  void close(std::chrono::milliseconds timeout = 2s);

  bool is_open() const;
  // The close frame the server sent (code 0 when none was received).
  std::uint16_t close_code() const;
  std::string close_reason() const;
  // The last error, as text ("" when none).
  std::string error() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mdfan::test
