#pragma once
// The JSON form of a normalized event: what WebSocket clients receive and what the bridge carries
// inside its envelope. Decimals are written as JSON strings with the exchange's exact digits.
//
//   {"type":"trade","exchange":"binance","instrument":"BTC-USDT","symbol":"BTCUSDT",
//    "ts":<exchange ns>,"recv":<receive ns>,"seq":<exchange sequence>, ...type-specific fields}
#include <string>
#include <string_view>

#include "mdfan/event.hpp"

namespace mdfan {

// Appends the JSON form of `ev` to `out`.
void encode_json(const event& ev, std::string& out);

inline std::string encode_json(const event& ev) {
  std::string s;
  encode_json(ev, s);
  return s;
}

// Parses the JSON form back into `out`. On failure returns false and, when `error` is given,
// stores a reason naming the offending field.
bool decode_json(std::string_view json, event& out, std::string* error = nullptr);

// Appends `s` as a quoted JSON string (escaping as needed).
void append_json_string(std::string& out, std::string_view s);

}  // namespace mdfan
