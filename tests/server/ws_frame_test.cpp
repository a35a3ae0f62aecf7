// WebSocket framing without sockets (net/ws_frame.hpp): frame headers, control frames, the accept key,
// masked client frames, the server-side reader of client frames and the client-side reader of server
// frames; the client frame reader (masking, fragmentation, control frames between fragments, limits,
// protocol errors), fed whole and byte by byte.
#include "net/ws_frame.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ws = mdfan::ws;
using kind = ws::frame_reader::kind;

namespace {

// A client frame: masked with a non-trivial key, so an unmasking bug shows.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                         int force_len_bytes = 0) {
  std::string f;
  f.push_back(static_cast<char>(first_byte));
  const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
  const auto n = payload.size();
  if ((n < 126 && force_len_bytes == 0) || force_len_bytes == 1) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if ((n < 65536 && force_len_bytes == 0) || force_len_bytes == 2) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return f;
}

struct seen {
  kind what;
  std::string payload;
  std::uint16_t code = 0;
  std::string reason;
  ws::opcode op = ws::opcode::text;
};

// Feeds `bytes` in chunks of `chunk` (0: all at once) and collects every event.
std::vector<seen> run(ws::frame_reader& r, const std::string& bytes, std::size_t chunk = 0) {
  std::vector<seen> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t n = chunk == 0 ? bytes.size() - pos : std::min(chunk, bytes.size() - pos);
    std::size_t off = 0;
    while (off < n) {
      std::size_t used = 0;
      const auto e = r.feed(bytes.data() + pos + off, n - off, used);
      off += used;
      if (e.what == kind::none) {
        EXPECT_EQ(off, n);
        break;
      }
      out.push_back(seen{e.what, std::string(e.payload), e.code, std::string(e.reason), e.op});
    }
    pos += n;
  }
  return out;
}

}  // namespace

TEST(ws_frame, server_headers_use_the_shortest_length_encoding) {
  std::uint8_t h[ws::max_header_bytes];
  EXPECT_EQ(ws::write_header(h, ws::opcode::text, 0), 2U);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 0x00);
  EXPECT_EQ(ws::write_header(h, ws::opcode::text, 125), 2U);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(ws::write_header(h, ws::opcode::text, 126), 4U);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0x00);
  EXPECT_EQ(h[3], 126);
  EXPECT_EQ(ws::write_header(h, ws::opcode::binary, 65535), 4U);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[2], 0xff);
  EXPECT_EQ(h[3], 0xff);
  EXPECT_EQ(ws::write_header(h, ws::opcode::text, 65536), 10U);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 0x01);  // 0x00 00 00 00 00 01 00 00
  EXPECT_EQ(h[8], 0x00);
  EXPECT_EQ(h[9], 0x00);
  for (std::uint64_t n : {0ULL, 125ULL, 126ULL, 65535ULL, 65536ULL, 1ULL << 40}) {
    EXPECT_EQ(ws::write_header(h, ws::opcode::text, n), ws::header_size(n)) << n;
  }
}

TEST(ws_frame, control_frames) {
  std::string out;
  ws::append_close(out, 1008, "slow consumer");
  EXPECT_EQ(out, std::string("\x88\x0f\x03\xf0slow consumer", 17));
  out.clear();
  ws::append_control(out, ws::opcode::pong, "abc");
  EXPECT_EQ(out, std::string("\x8a\x03"
                             "abc",
                             5));
  out.clear();
  ws::append_close(out, 1000, std::string(300, 'x'));  // cut to the 125-byte control payload
  ASSERT_EQ(out.size(), 2U + 125U);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 125);
}

TEST(ws_frame, accept_key_matches_rfc_6455) {
  EXPECT_EQ(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_frame, masked_text_message_whole_and_byte_by_byte) {
  const std::string msg = R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"]})";
  for (std::size_t chunk : {0, 1, 3}) {
    ws::frame_reader r(1024, 64);
    const auto ev = run(r, client_frame(0x81, msg) + client_frame(0x82, "bin"), chunk);
    ASSERT_EQ(ev.size(), 2U) << chunk;
    EXPECT_EQ(ev[0].what, kind::message);
    EXPECT_EQ(ev[0].op, ws::opcode::text);
    EXPECT_EQ(ev[0].payload, msg);
    EXPECT_EQ(ev[1].op, ws::opcode::binary);
    EXPECT_EQ(ev[1].payload, "bin");
  }
}

TEST(ws_frame, message_is_followed_by_zeroed_padding) {
  ws::frame_reader r(1024, 64);
  const auto f = client_frame(0x81, "hello");
  std::size_t used = 0;
  const auto e = r.feed(f.data(), f.size(), used);
  ASSERT_EQ(e.what, kind::message);
  for (std::size_t i = 0; i < 64; ++i) ASSERT_EQ(e.payload.data()[e.payload.size() + i], '\0') << i;
}

TEST(ws_frame, extended_lengths) {
  ws::frame_reader r(1 << 20, 0);
  const std::string mid(300, 'm');
  const std::string big(70000, 'b');
  const auto ev = run(r, client_frame(0x81, mid) + client_frame(0x81, big), 4096);
  ASSERT_EQ(ev.size(), 2U);
  EXPECT_EQ(ev[0].payload, mid);
  EXPECT_EQ(ev[1].payload, big);
}

TEST(ws_frame, fragmented_message_with_control_frames_between_fragments) {
  for (std::size_t chunk : {0, 1, 7}) {
    ws::frame_reader r(1024, 16);
    const std::string bytes = client_frame(0x01, "hel") + client_frame(0x89, "p1") + client_frame(0x00, "lo ") +
                              client_frame(0x8A, "") + client_frame(0x80, "world");
    const auto ev = run(r, bytes, chunk);
    ASSERT_EQ(ev.size(), 3U) << chunk;
    EXPECT_EQ(ev[0].what, kind::ping);
    EXPECT_EQ(ev[0].payload, "p1");
    EXPECT_EQ(ev[1].what, kind::pong);
    EXPECT_EQ(ev[2].what, kind::message);
    EXPECT_EQ(ev[2].op, ws::opcode::text);
    EXPECT_EQ(ev[2].payload, "hello world");
  }
}

TEST(ws_frame, empty_message) {
  ws::frame_reader r(1024, 0);
  const auto ev = run(r, client_frame(0x81, ""));
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].what, kind::message);
  EXPECT_EQ(ev[0].payload, "");
}

TEST(ws_frame, close_with_and_without_a_code) {
  {
    ws::frame_reader r(1024, 0);
    const auto ev = run(r, client_frame(0x88, std::string("\x03\xe8"
                                                          "bye",
                                                          5)) +
                               client_frame(0x81, "ignored"));
    ASSERT_EQ(ev.size(), 1U);  // nothing after a close
    EXPECT_EQ(ev[0].what, kind::close);
    EXPECT_EQ(ev[0].code, 1000);
    EXPECT_EQ(ev[0].reason, "bye");
  }
  {
    ws::frame_reader r(1024, 0);
    const auto ev = run(r, client_frame(0x88, ""));
    ASSERT_EQ(ev.size(), 1U);
    EXPECT_EQ(ev[0].code, ws::close_no_status);
  }
}

TEST(ws_frame, oversized_message_is_refused_from_its_header) {
  {
    ws::frame_reader r(100, 0);
    const auto ev = run(r, client_frame(0x81, std::string(101, 'x')));
    ASSERT_EQ(ev.size(), 1U);
    EXPECT_EQ(ev[0].what, kind::error);
    EXPECT_EQ(ev[0].code, ws::close_too_big);
  }
  {  // the limit holds for the fragments together
    ws::frame_reader r(100, 0);
    const auto ev = run(r, client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'y')));
    ASSERT_EQ(ev.size(), 1U);
    EXPECT_EQ(ev[0].code, ws::close_too_big);
  }
  {  // exactly the limit is fine
    ws::frame_reader r(100, 0);
    const auto ev = run(r, client_frame(0x81, std::string(100, 'x')));
    ASSERT_EQ(ev.size(), 1U);
    EXPECT_EQ(ev[0].what, kind::message);
  }
  {  // a header announcing 2^40 bytes is refused before any payload arrives
    ws::frame_reader r(1 << 16, 0);
    std::string f = "\x81\xff";
    f += std::string("\x00\x00\x01\x00\x00\x00\x00\x00", 8);
    f += "abcd";
    const auto ev = run(r, f);
    ASSERT_EQ(ev.size(), 1U);
    EXPECT_EQ(ev[0].code, ws::close_too_big);
  }
}

TEST(ws_frame, protocol_errors_close_with_1002) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"unmasked", client_frame(0x81, "x", false)},
      {"reserved bits", client_frame(0xC1, "x")},
      {"opcode 3", client_frame(0x83, "x")},
      {"opcode 0xB", client_frame(0x8B, "x")},
      {"fragmented ping", client_frame(0x09, "x")},
      {"long ping", client_frame(0x89, std::string(126, 'p'))},
      {"continuation first", client_frame(0x80, "x")},
      {"text inside a message", client_frame(0x01, "a") + client_frame(0x81, "b")},
      {"close with 1 byte", client_frame(0x88, "\x03")},
      {"close code 1005", client_frame(0x88, std::string("\x03\xed", 2))},
      {"close code 999", client_frame(0x88, std::string("\x03\xe7", 2))},
      {"non-minimal 16-bit length", client_frame(0x81, "abc", true, 2)},
      {"non-minimal 64-bit length", client_frame(0x81, "abc", true, 8)},
  };
  for (const auto& [name, bytes] : cases) {
    for (std::size_t chunk : {0, 1}) {
      ws::frame_reader r(1024, 0);
      const auto ev = run(r, bytes + client_frame(0x81, "after"), chunk);
      ASSERT_EQ(ev.size(), 1U) << name << " chunk " << chunk;
      EXPECT_EQ(ev[0].what, kind::error) << name;
      EXPECT_EQ(ev[0].code, ws::close_protocol_error) << name;
      EXPECT_FALSE(ev[0].reason.empty()) << name;
    }
  }
}

TEST(ws_frame, a_large_message_does_not_pin_memory) {
  ws::frame_reader r(1 << 20, 0);
  const auto ev = run(r, client_frame(0x81, std::string(100000, 'x')));
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_GE(r.buffered_capacity(), 100000U);
  const auto next = run(r, client_frame(0x81, "small"));
  ASSERT_EQ(next.size(), 1U);
  EXPECT_LT(r.buffered_capacity(), 1024U);
}

// The client side: frames a client writes (masked, a fresh key each) read back through a server-side
// reader; a client-side reader takes the server's unmasked frames and refuses masked ones.
TEST(ws_frame, client_frames_are_masked_and_read_back_exactly) {
  const std::string big(70000, 'x');
  std::string bytes;
  ws::append_client_frame(bytes, ws::opcode::text, R"({"op":"subscribe"})", 0xdeadbeef);
  ws::append_client_frame(bytes, ws::opcode::ping, "p", 0x01020304);
  ws::append_client_frame(bytes, ws::opcode::text, big, 0xa5a5a5a5);
  ws::append_client_frame(bytes, ws::opcode::text, "", 0x11111111);
  ws::append_client_close(bytes, 1000, "bye", 0x0badf00d);
  // The payload is not on the wire in clear.
  EXPECT_EQ(bytes.find(R"("op":"subscribe")"), std::string::npos);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x80U | 18U);  // MASK bit, 18-byte payload
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    ws::frame_reader r(0);
    const auto got = run(r, bytes, chunk);
    ASSERT_EQ(got.size(), 5u) << chunk;
    EXPECT_EQ(got[0].payload, R"({"op":"subscribe"})");
    EXPECT_EQ(got[1].what, kind::ping);
    EXPECT_EQ(got[1].payload, "p");
    EXPECT_EQ(got[2].payload, big);
    EXPECT_EQ(got[3].what, kind::message);
    EXPECT_EQ(got[3].payload, "");
    EXPECT_EQ(got[4].what, kind::close);
    EXPECT_EQ(got[4].code, 1000);
    EXPECT_EQ(got[4].reason, "bye");
  }
}

TEST(ws_frame, client_side_reader_takes_unmasked_server_frames_and_refuses_masked_ones) {
  std::string bytes;
  std::uint8_t h[ws::max_header_bytes];
  const std::string msg = R"({"stream":"btcusdt@trade"})";
  bytes.append(reinterpret_cast<const char*>(h), ws::write_header(h, ws::opcode::text, msg.size()));
  bytes += msg;
  ws::append_control(bytes, ws::opcode::ping, "hb");
  bytes += client_frame(0x01, "part1", false);                           // unfinished text fragment
  bytes += client_frame(0x80, "+part2", false);                          // final continuation
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{5}}) {
    ws::frame_reader r(0, 64, ws::sender::server);
    const auto got = run(r, bytes, chunk);
    ASSERT_EQ(got.size(), 3u) << chunk;
    EXPECT_EQ(got[0].payload, msg);
    EXPECT_EQ(got[1].what, kind::ping);
    EXPECT_EQ(got[1].payload, "hb");
    EXPECT_EQ(got[2].payload, "part1+part2");
  }
  ws::frame_reader r(0, 0, ws::sender::server);
  const auto got = run(r, client_frame(0x81, "masked"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].what, kind::error);
  EXPECT_EQ(got[0].code, ws::close_protocol_error);
  EXPECT_EQ(got[0].reason, "masked frame");
  // And the server-side reader still refuses unmasked frames.
  ws::frame_reader s(0);
  const auto refused = run(s, client_frame(0x81, "plain", false));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].reason, "unmasked frame");
}
