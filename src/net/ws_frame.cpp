#include "net/ws_frame.hpp"

#include <algorithm>
#include <cstring>

#include <openssl/evp.h>

namespace mdfan::ws {

std::size_t write_header(std::uint8_t* out, opcode op, std::uint64_t payload_size) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80U | static_cast<std::uint8_t>(op));
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size < 65536) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size & 0xffU);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>((payload_size >> (8 * (7 - i))) & 0xffU);
  return 10;
}

void append_control(std::string& out, opcode op, std::string_view payload) {
  payload = payload.substr(0, max_control_payload);
  std::uint8_t h[max_header_bytes];
  const auto n = write_header(h, op, payload.size());
  out.append(reinterpret_cast<const char*>(h), n);
  out.append(payload);
}

namespace {

// A close frame's payload: the code (network order), then the reason cut to fit 125 bytes.
std::string close_payload(std::uint16_t code, std::string_view reason) {
  reason = reason.substr(0, max_control_payload - 2);
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xffU));
  payload.append(reason);
  return payload;
}

}  // namespace

void append_close(std::string& out, std::uint16_t code, std::string_view reason) {
  append_control(out, opcode::close, close_payload(code, reason));
}

void append_client_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask_key) {
  if ((static_cast<std::uint8_t>(op) & 0x08U) != 0) payload = payload.substr(0, max_control_payload);
  std::uint8_t h[max_header_bytes];
  const auto n = write_header(h, op, payload.size());
  h[1] |= 0x80U;  // MASK
  const std::uint8_t key[4] = {static_cast<std::uint8_t>(mask_key >> 24), static_cast<std::uint8_t>(mask_key >> 16),
                               static_cast<std::uint8_t>(mask_key >> 8), static_cast<std::uint8_t>(mask_key)};
  out.append(reinterpret_cast<const char*>(h), n);
  out.append(reinterpret_cast<const char*>(key), 4);
  const auto at = out.size();
  out.append(payload);
  char* p = out.data() + at;
  for (std::size_t i = 0; i < payload.size(); ++i) p[i] = static_cast<char>(p[i] ^ static_cast<char>(key[i & 3U]));
}

void append_client_close(std::string& out, std::uint16_t code, std::string_view reason, std::uint32_t mask_key) {
  append_client_frame(out, opcode::close, close_payload(code, reason), mask_key);
}

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input;
  input.reserve(client_key.size() + guid.size());
  input.append(client_key).append(guid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1) return {};
  unsigned char encoded[64];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
  return {reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(std::max(n, 0))};
}

namespace {

bool valid_close_code(std::uint16_t c) noexcept {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

}  // namespace

frame_reader::frame_reader(std::size_t max_message, std::size_t padding, sender from)
    : max_message_(max_message), padding_(padding), masked_(from == sender::client) {}

frame_reader::event frame_reader::fail(std::uint16_t code, std::string_view reason) noexcept {
  done_ = true;
  event e;
  e.what = kind::error;
  e.code = code;
  e.reason = reason;
  return e;
}

// Called with the first two bytes in hdr_: checks what they alone decide and gives the header's size.
frame_reader::event frame_reader::parse_header(std::size_t& header_size_out) {
  const std::uint8_t b0 = hdr_[0];
  const std::uint8_t b1 = hdr_[1];
  if ((b0 & 0x70U) != 0) return fail(close_protocol_error, "reserved bits set");
  const auto op = static_cast<std::uint8_t>(b0 & 0x0fU);
  const bool control = (op & 0x08U) != 0;
  switch (op) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xA: break;
    default: return fail(close_protocol_error, "bad opcode");
  }
  if (((b1 & 0x80U) != 0) != masked_) return fail(close_protocol_error, masked_ ? "unmasked frame" : "masked frame");
  const std::uint8_t len7 = b1 & 0x7fU;
  const bool fin = (b0 & 0x80U) != 0;
  if (control) {
    if (!fin) return fail(close_protocol_error, "fragmented control frame");
    if (len7 > max_control_payload) return fail(close_protocol_error, "control frame too big");
  } else if (op == 0x0 && !in_message_) {
    return fail(close_protocol_error, "continuation without a message");
  } else if (op != 0x0 && in_message_) {
    return fail(close_protocol_error, "expected a continuation frame");
  }
  fin_ = fin;
  op_ = static_cast<opcode>(op);
  header_size_out = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked_ ? 4 : 0);
  return {};
}

frame_reader::event frame_reader::complete_frame() {
  event e;
  switch (op_) {
    case opcode::ping:
      e.what = kind::ping;
      e.payload = std::string_view(ctrl_.data(), ctrl_size_);
      return e;
    case opcode::pong:
      e.what = kind::pong;
      e.payload = std::string_view(ctrl_.data(), ctrl_size_);
      return e;
    case opcode::close: {
      if (ctrl_size_ == 1) return fail(close_protocol_error, "bad close frame");
      e.what = kind::close;
      e.code = close_no_status;
      if (ctrl_size_ >= 2) {
        e.code = static_cast<std::uint16_t>((static_cast<unsigned char>(ctrl_[0]) << 8) |
                                            static_cast<unsigned char>(ctrl_[1]));
        if (!valid_close_code(e.code)) return fail(close_protocol_error, "bad close code");
        e.reason = std::string_view(ctrl_.data() + 2, ctrl_size_ - 2);
      }
      done_ = true;
      return e;
    }
    default: break;
  }
  if (!fin_) return e;  // a fragment: the message goes on
  in_message_ = false;
  msg_ready_ = true;
  msg_size_ = msg_.size();
  msg_.resize(msg_size_ + padding_, '\0');
  e.what = kind::message;
  e.op = msg_op_;
  e.payload = std::string_view(msg_.data(), msg_size_);
  return e;
}

frame_reader::event frame_reader::feed(const char* data, std::size_t size, std::size_t& consumed) {
  consumed = 0;
  if (done_) {
    consumed = size;
    return {};
  }
  if (msg_ready_) {  // the previous message has been handled
    msg_ready_ = false;
    msg_size_ = 0;
    if (msg_.capacity() > 1024) {
      std::string().swap(msg_);  // one large message must not pin memory
    } else {
      msg_.clear();
    }
  }
  while (true) {
    if (!in_payload_) {
      while (hdr_have_ < 2) {
        if (consumed == size) return {};
        hdr_[hdr_have_++] = static_cast<std::uint8_t>(data[consumed++]);
      }
      // Checked as soon as two bytes are in (again on a later feed while the rest is missing).
      std::size_t need = 0;
      if (auto e = parse_header(need); e.what != kind::none) return e;
      while (hdr_have_ < need) {
        if (consumed == size) return {};
        hdr_[hdr_have_++] = static_cast<std::uint8_t>(data[consumed++]);
      }
      // The whole header is in: length, then the mask key.
      const std::uint8_t len7 = hdr_[1] & 0x7fU;
      std::uint64_t len = len7;
      std::size_t pos = 2;
      if (len7 == 126) {
        len = (std::uint64_t{hdr_[2]} << 8) | hdr_[3];
        pos = 4;
        if (len < 126) return fail(close_protocol_error, "non-minimal frame length");
      } else if (len7 == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | hdr_[2 + i];
        pos = 10;
        if ((len >> 63) != 0) return fail(close_protocol_error, "bad frame length");
        if (len < 65536) return fail(close_protocol_error, "non-minimal frame length");
      }
      if (masked_) std::memcpy(mask_.data(), hdr_.data() + pos, 4);
      hdr_have_ = 0;
      mask_pos_ = 0;
      remaining_ = len;
      ctrl_size_ = 0;
      if (op_ == opcode::text || op_ == opcode::binary) {
        in_message_ = true;
        msg_op_ = op_;
        msg_.clear();
      }
      if ((static_cast<std::uint8_t>(op_) & 0x08U) == 0 && max_message_ != 0 &&
          (len > max_message_ || msg_.size() + len > max_message_)) {
        return fail(close_too_big, "message too big");
      }
      in_payload_ = true;
    }
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - consumed));
    char* dst = nullptr;
    if ((static_cast<std::uint8_t>(op_) & 0x08U) != 0) {
      dst = ctrl_.data() + ctrl_size_;
      ctrl_size_ += n;
    } else {
      const auto old = msg_.size();
      msg_.resize(old + n);
      dst = msg_.data() + old;
    }
    const char* src = data + consumed;
    if (masked_) {
      for (std::size_t i = 0; i < n; ++i)
        dst[i] = static_cast<char>(src[i] ^ static_cast<char>(mask_[(mask_pos_ + i) & 3U]));
    } else {
      std::memcpy(dst, src, n);
    }
    mask_pos_ += n;
    consumed += n;
    remaining_ -= n;
    if (remaining_ != 0) return {};  // consumed == size
    in_payload_ = false;
    auto e = complete_frame();
    if (e.what != kind::none) return e;
  }
}

}  // namespace mdfan::ws
