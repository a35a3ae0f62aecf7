#pragma once
// A minimal Redis client for the benchmark: RESP encoding, an incremental RESP reader, a blocking
// connection with timeouts for commands (INFO, PUBLISH, SUBSCRIBE), and the PUBLISH counter of
// `INFO commandstats` that every publish figure is measured with.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mdfan::bench {

struct resp_value {
  char type = 0;  // '+', '-', ':', '$', '*'; 0 for a null bulk string or array
  std::string str;
  long long integer = 0;
  std::vector<resp_value> elems;
};

// Appends one command in RESP (an array of bulk strings).
void append_command(std::string& out, const std::vector<std::string_view>& args);

// Parses one reply from data[0..n). Returns the bytes it took, 0 when incomplete, -1 when malformed.
// With `out` null the reply is only skipped (cheap: counting pipelined replies).
long parse_reply(const char* data, std::size_t n, resp_value* out);

// One blocking TCP connection to Redis on 127.0.0.1.
class redis_client {
 public:
  redis_client() = default;
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  bool connect(std::uint16_t port, std::chrono::milliseconds timeout, std::string* error = nullptr);
  void close();
  bool connected() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }

  // Sends one command and waits (bounded by `timeout`) for its reply.
  bool command(const std::vector<std::string_view>& args, resp_value& out,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends raw bytes (already encoded commands); blocking, bounded by the socket's send timeout.
  bool send_raw(std::string_view bytes);
  // Reads whatever is available (waiting up to `timeout` for something) into the buffer.
  // False when the connection ended.
  bool fill(std::chrono::milliseconds timeout);
  // Takes the next complete reply from the buffer (false when none is complete).
  bool next_reply(resp_value* out);
  // Skips every complete reply in the buffer; returns how many.
  std::size_t skip_replies();
  // Switches the socket to non-blocking (for the publisher's own loop).
  void set_nonblocking();

 private:
  int fd_ = -1;
  std::string in_;
  std::size_t off_ = 0;
};

// `INFO commandstats` → cmdstat_publish calls (0 when PUBLISH never ran); -1 on error.
long long publish_calls(redis_client& c);

}  // namespace mdfan::bench
