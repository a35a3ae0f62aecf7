#include "adapters/sim/ws_codec.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace mdfan::sim {

std::size_t write_frame_header(ws_opcode op, std::size_t n, std::uint8_t* out) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));  // FIN
  if (n < 126) {
    out[1] = static_cast<std::uint8_t>(n);
    return 2;
  }
  if (n <= 0xffff) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(n >> 8);
    out[3] = static_cast<std::uint8_t>(n);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
  return 10;
}

std::string websocket_accept_key(std::string_view client_key) {
  std::string input(client_key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // the RFC 6455 GUID
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

frame_info parse_client_frame(std::uint8_t* data, std::size_t size, std::size_t max_payload) noexcept {
  frame_info f;
  const auto fail = [&f](std::uint16_t code, const char* why) {
    f.status = frame_info::result::error;
    f.close_code = code;
    f.error = why;
    return f;
  };
  if (size < 2) return f;
  const std::uint8_t b0 = data[0], b1 = data[1];
  if (b0 & 0x70) return fail(1002, "reserved bits set");  // no extension was negotiated
  f.fin = (b0 & 0x80) != 0;
  const std::uint8_t op = b0 & 0x0f;
  if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10) return fail(1002, "unknown opcode");
  f.op = static_cast<ws_opcode>(op);
  if (!(b1 & 0x80)) return fail(1002, "client frame not masked");
  std::uint64_t len = b1 & 0x7f;
  std::size_t pos = 2;
  if (len == 126) {
    if (size < 4) return f;
    len = (std::uint64_t{data[2]} << 8) | data[3];
    pos = 4;
  } else if (len == 127) {
    if (size < 10) return f;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | data[2 + i];
    pos = 10;
  }
  if (op >= 8 && (!f.fin || len > 125)) return fail(1002, "bad control frame");
  if (len > max_payload) return fail(1009, "frame too big");
  if (size < pos + 4) return f;
  const std::uint8_t* mask = data + pos;
  pos += 4;
  if (size - pos < len) return f;
  std::uint8_t* payload = data + pos;
  for (std::size_t i = 0; i < len; ++i) payload[i] ^= mask[i & 3];
  f.header_size = pos;
  f.payload_size = static_cast<std::size_t>(len);
  f.status = frame_info::result::ok;
  return f;
}

}  // namespace mdfan::sim
