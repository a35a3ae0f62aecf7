#pragma once
// The client WebSocket protocol without I/O: parsing client requests and encoding replies.
//
// Client -> server (text frames, one JSON object each; unknown fields are ignored):
//   {"op":"subscribe","topics":["trade:binance:BTC-USDT","ticker:*:ETH-USDT"],"snapshot":true,"id":7}
//   {"op":"unsubscribe","topics":["trade:binance:BTC-USDT"],"id":"u1"}
//   {"op":"ping","id":3}
// "id" (optional, a string or a number) is echoed verbatim in the reply.
//
// Server -> client:
//   {"op":"subscribed","topics":[...],"id":7}      {"op":"unsubscribed","topics":[...],"id":"u1"}
//   {"op":"pong","ts":<server wall clock, ns>,"id":3}
//   {"op":"error","reason":"...","id":7}
//   {"type":"gap","topic":"trade:binance:BTC-USDT","dropped":12}   (events lost to a slow read)
//   events: the manager's JSON encoding of each event, byte for byte ({"type":"trade",...}).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/topic.hpp"

namespace mdfan::server_protocol {

enum class client_op : std::uint8_t { subscribe, unsubscribe, ping };

struct client_request {
  client_op op = client_op::ping;
  std::vector<topic_pattern> patterns;  // subscribe/unsubscribe: validated, in request order, no duplicates
  bool snapshot = false;                // subscribe: deliver the latest ticker/book of each topic first
  std::string id;                       // raw JSON of "id", echoed verbatim; empty when absent
};

inline constexpr std::size_t max_id_bytes = 128;  // longer ids are refused (they are echoed back)

// Parses one client message. `capacity` is the readable size of the buffer at `data`, which must be at
// least size + simdjson::SIMDJSON_PADDING (the read buffer reserves it, so there is no copy).
// On failure returns false with a reason for the client in `error`; `out.id` is still set when the
// message carried a usable id, so the error reply can echo it.
bool parse_request(const char* data, std::size_t size, std::size_t capacity, client_request& out, std::string& error);
// Convenience for tests and cold paths: copies `text` into a padded buffer.
bool parse_request(std::string_view text, client_request& out, std::string& error);

// {"op":"subscribed"|"unsubscribed","topics":[...],"id":...}
std::string make_ack(client_op op, const std::vector<topic_pattern>& patterns, std::string_view id);
// {"op":"pong","ts":ts_ns,"id":...}
std::string make_pong(std::int64_t ts_ns, std::string_view id);
// {"op":"error","reason":"...","id":...}
std::string make_error(std::string_view reason, std::string_view id);
// {"type":"gap","topic":"...","dropped":n}: n events of `topic` were not sent to this client.
std::string make_gap(std::string_view topic, std::uint64_t dropped);

}  // namespace mdfan::server_protocol
