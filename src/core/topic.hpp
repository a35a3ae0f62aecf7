#pragma once
// Topics name a stream of events: "<type>:<exchange>:<instrument>", e.g. "trade:binance:BTC-USDT".
// A subscription pattern may put "*" in any of the three positions ("ticker:*:ETH-USDT").
// The Redis channel of a topic is the key prefix followed by the topic ("md:trade:binance:BTC-USDT").
#include <optional>
#include <string>
#include <string_view>

#include "mdfan/event.hpp"

namespace mdfan {

// The concrete topic an event belongs to.
std::string topic_of(const event& ev);
std::string make_topic(event_type t, exchange_id e, std::string_view instrument);

// A parsed subscription pattern; an empty optional member means "*".
struct topic_pattern {
  std::optional<event_type> type;
  std::optional<exchange_id> exchange;
  std::string instrument;  // empty means "*"

  // Parses "<type|*>:<exchange|*>:<instrument|*>". Returns nullopt and sets `error` on bad input.
  static std::optional<topic_pattern> parse(std::string_view text, std::string* error = nullptr);

  bool matches(event_type t, exchange_id e, std::string_view instr) const noexcept {
    return (!type || *type == t) && (!exchange || *exchange == e) && (instrument.empty() || instrument == instr);
  }
  bool matches(const event& ev) const noexcept {
    const auto& h = header_of(ev);
    return matches(type_of(ev), h.exchange, h.instrument);
  }
  bool concrete() const noexcept { return type && exchange && !instrument.empty(); }
  std::string str() const;

  friend bool operator==(const topic_pattern&, const topic_pattern&) = default;
};

}  // namespace mdfan
