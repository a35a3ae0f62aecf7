#pragma once
// What the server does, per event type, with an event that does not fit a client's send queue.
// Header-only so the configuration library can parse and print it without linking the server.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mdfan/event.hpp"

namespace mdfan {

enum class slow_action : std::uint8_t {
  conflate,    // ticker, candle: keep only the latest value per topic (at most one queued per topic)
  drop,        // any type but book: drop the event, count it, tell the client with a gap notice
  snapshot,    // book: drop the topic's queued deltas, then send a fresh snapshot of the verified book
  disconnect,  // any type: close the client with 1008 "slow consumer"
};

inline std::string_view to_string(slow_action a) noexcept {
  switch (a) {
    case slow_action::conflate: return "conflate";
    case slow_action::drop: return "drop";
    case slow_action::snapshot: return "snapshot";
    case slow_action::disconnect: return "disconnect";
  }
  return "?";
}

// Which actions make sense for a type: conflating trades would invent a trade history, and conflating
// or dropping book deltas would corrupt every client book built from them.
inline bool allowed(event_type t, slow_action a) noexcept {
  switch (t) {
    case event_type::ticker:
    case event_type::candle:
      return a == slow_action::conflate || a == slow_action::drop || a == slow_action::disconnect;
    case event_type::trade: return a == slow_action::drop || a == slow_action::disconnect;
    case event_type::book: return a == slow_action::snapshot || a == slow_action::disconnect;
  }
  return false;
}

// One action per event type. Defaults: ticker and candle conflate, trade drop, book snapshot.
struct slow_consumer_policy {
  std::array<slow_action, event_type_count> by_type{slow_action::conflate, slow_action::drop, slow_action::snapshot,
                                                    slow_action::conflate};

  slow_action for_type(event_type t) const noexcept { return by_type[static_cast<std::size_t>(t)]; }
  void set(event_type t, slow_action a) noexcept { by_type[static_cast<std::size_t>(t)] = a; }
  friend bool operator==(const slow_consumer_policy&, const slow_consumer_policy&) = default;
};

// "ticker=conflate,trade=drop,book=snapshot,candle=conflate" (any subset, any order; spaces around
// items ignored). Types not named keep their value in `out`. Returns "" or why the text is refused.
inline std::string parse_slow_consumer_policy(std::string_view text, slow_consumer_policy& out) {
  slow_consumer_policy result = out;
  std::array<bool, event_type_count> seen{};
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  if (trim(text).empty()) return "the list is empty";
  while (true) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return "\"" + std::string(item) + "\" is not TYPE=ACTION (e.g. trade=drop)";
    const auto type_text = trim(item.substr(0, eq));
    const auto action_text = trim(item.substr(eq + 1));
    event_type t{};
    if (!parse_event_type(type_text, t))
      return "\"" + std::string(type_text) + "\" is not an event type (ticker, trade, book, candle)";
    if (seen[static_cast<std::size_t>(t)]) return "\"" + std::string(type_text) + "\" is listed twice";
    seen[static_cast<std::size_t>(t)] = true;
    bool found = false;
    for (auto a : {slow_action::conflate, slow_action::drop, slow_action::snapshot, slow_action::disconnect}) {
      if (action_text != to_string(a)) continue;
      found = true;
      if (!allowed(t, a)) {
        return "\"" + std::string(action_text) + "\" is not allowed for " + std::string(type_text) +
               (t == event_type::book    ? " (snapshot or disconnect)"
                : t == event_type::trade ? " (drop or disconnect)"
                                         : " (conflate, drop or disconnect)");
      }
      result.set(t, a);
    }
    if (!found) return "\"" + std::string(action_text) + "\" is not an action (conflate, drop, snapshot, disconnect)";
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  out = result;
  return {};
}

inline std::string to_string(const slow_consumer_policy& p) {
  std::string out;
  for (std::size_t i = 0; i < event_type_count; ++i) {
    if (!out.empty()) out += ',';
    out += to_string(static_cast<event_type>(i));
    out += '=';
    out += to_string(p.by_type[i]);
  }
  return out;
}

}  // namespace mdfan
