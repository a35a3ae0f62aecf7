#pragma once
// WebSocket (RFC 6455) framing after the upgrade, without I/O, for both ends: server frame headers
// (unmasked, never fragmented), masked client frames, control frames, the handshake's accept key, and
// a streaming frame reader for either direction. The server's sessions (server/ws_session.cpp) and the
// exchange feed client (feed/ws_client.cpp) do the I/O; the unit tests drive these on byte strings.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mdfan::ws {

enum class opcode : std::uint8_t { cont = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

// Close codes we send or check (RFC 6455 section 7.4.1).
inline constexpr std::uint16_t close_normal = 1000;
inline constexpr std::uint16_t close_going_away = 1001;
inline constexpr std::uint16_t close_protocol_error = 1002;
inline constexpr std::uint16_t close_no_status = 1005;  // never on the wire: a close frame without a code
inline constexpr std::uint16_t close_bad_payload = 1007;
inline constexpr std::uint16_t close_policy_error = 1008;
inline constexpr std::uint16_t close_try_again_later = 1013;
inline constexpr std::uint16_t close_too_big = 1009;

inline constexpr std::size_t max_header_bytes = 10;  // a server frame header: no mask key
inline constexpr std::size_t max_control_payload = 125;

// Writes the header of one final, unmasked frame carrying `payload_size` bytes into `out` (at least
// max_header_bytes long); returns its length (2, 4 or 10).
std::size_t write_header(std::uint8_t* out, opcode op, std::uint64_t payload_size) noexcept;
// Length write_header() gives for `payload_size`.
constexpr std::size_t header_size(std::uint64_t payload_size) noexcept {
  return payload_size < 126 ? 2 : payload_size < 65536 ? 4 : 10;
}

// Appends one control frame (ping, pong); the payload is cut to 125 bytes.
void append_control(std::string& out, opcode op, std::string_view payload);
// Appends a close frame with `code` and `reason` (cut to fit the 125-byte control payload).
void append_close(std::string& out, std::uint16_t code, std::string_view reason);

// Appends one final client frame: masked with `mask_key` (RFC 6455 5.3: a fresh, unpredictable key
// per frame), any opcode; a control payload is cut to 125 bytes.
void append_client_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask_key);
// Appends a masked client close frame with `code` and `reason`.
void append_client_close(std::string& out, std::uint16_t code, std::string_view reason, std::uint32_t mask_key);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view client_key);

// Whose frames a frame_reader reads: a client's must be masked, a server's must not be.
enum class sender : std::uint8_t { client, server };

// Reads frames from a byte stream fed in chunks of any size: a client's (the server side, the default)
// or a server's (the feed client). Payloads are unmasked while being copied out (data into the message being assembled, control
// payloads into a 125-byte buffer), so the reader keeps no raw input between calls. Control frames
// may arrive between the fragments of a message.
class frame_reader {
 public:
  enum class kind : std::uint8_t {
    none,     // every byte given was consumed: feed more
    message,  // a complete text or binary message (`op`, `payload`)
    ping,     // `payload`: answer with a pong carrying it
    pong,
    close,  // `code` (close_no_status when the frame had none) and `reason`
    error,  // the peer broke the protocol: close with `code` and `reason`; feed nothing more
  };
  struct event {
    kind what = kind::none;
    opcode op = opcode::text;  // message: text or binary
    std::string_view payload;  // message, ping, pong; valid until the next feed()
    std::uint16_t code = 0;    // close, error
    std::string_view reason;   // close, error
  };

  // `max_message`: largest message in bytes, its fragments together (0: no limit); beyond it the
  // reader reports error 1009. A message's payload is followed by `padding` readable zero bytes
  // (simdjson reads past the end).
  explicit frame_reader(std::size_t max_message, std::size_t padding = 0, sender from = sender::client);

  // Consumes bytes of `data` up to and including the next complete event, which it returns with the
  // count consumed; kind::none when all of `data` was consumed without completing one. After
  // kind::error or kind::close, further input is ignored.
  event feed(const char* data, std::size_t size, std::size_t& consumed);

  // Frees the last message's buffer (an idle client then holds none); its payload view dies.
  void release_message() noexcept {
    if (!msg_ready_) return;
    msg_ready_ = false;
    msg_size_ = 0;
    std::string().swap(msg_);
  }

  // Bytes held for the message being assembled (its capacity; released after a large message).
  std::size_t buffered_capacity() const noexcept { return msg_.capacity(); }

 private:
  event fail(std::uint16_t code, std::string_view reason) noexcept;
  event parse_header(std::size_t& header_size_out);
  event complete_frame();

  std::size_t max_message_;
  std::size_t padding_;
  bool masked_;               // frames carry a mask key (client frames)
  std::string msg_;           // the data message being assembled (unmasked)
  std::size_t msg_size_ = 0;  // payload bytes in msg_ (msg_ may hold the padding after them)
  bool in_message_ = false;   // a data message has started and not finished
  bool msg_ready_ = false;    // the last event was a message: reset before assembling the next
  opcode msg_op_ = opcode::text;
  bool done_ = false;  // after close or error

  // The frame being read.
  std::array<std::uint8_t, 14> hdr_{};
  std::size_t hdr_have_ = 0;
  bool in_payload_ = false;
  bool fin_ = false;
  opcode op_ = opcode::text;
  std::uint64_t remaining_ = 0;
  std::array<std::uint8_t, 4> mask_{};  // all zero for unmasked frames
  std::size_t mask_pos_ = 0;
  std::array<char, max_control_payload> ctrl_{};
  std::size_t ctrl_size_ = 0;
};

}  // namespace mdfan::ws
