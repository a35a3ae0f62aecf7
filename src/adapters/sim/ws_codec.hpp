#pragma once
// Server-side WebSocket framing (RFC 6455), without I/O. The simulator frames messages itself instead
// of going through Beast's websocket stream so that one socket write can carry many frames (Beast
// writes one message per call, which costs a syscall and a loopback segment per message).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mdfan::sim {

enum class ws_opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

inline constexpr std::size_t max_frame_header = 10;

// Writes the header of a final, unmasked frame (server to client) into `out`; returns its size (2, 4 or 10).
std::size_t write_frame_header(ws_opcode op, std::size_t payload_size, std::uint8_t* out) noexcept;

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string websocket_accept_key(std::string_view client_key);

// One client frame found at the start of a buffer.
struct frame_info {
  enum class result { incomplete, ok, error } status = result::incomplete;
  ws_opcode op = ws_opcode::text;
  bool fin = false;
  std::size_t header_size = 0;   // payload starts here
  std::size_t payload_size = 0;  // ok: the frame is header_size + payload_size bytes, all present
  std::uint16_t close_code = 0;  // error: the close code to send (1002 protocol, 1009 too big)
  const char* error = "";        // error: why
};

// Parses the frame at the start of `data` (client frames must be masked) and, when it is complete,
// unmasks its payload in place. `max_payload` bounds a single frame.
frame_info parse_client_frame(std::uint8_t* data, std::size_t size, std::size_t max_payload) noexcept;

}  // namespace mdfan::sim
