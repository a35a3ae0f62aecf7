#include "mdfan/event.hpp"

#include <array>

namespace mdfan {
namespace {
constexpr std::array<std::string_view, exchange_count> exchange_names{"binance", "coinbase", "kraken",
                                                                      "bybit", "okx"};
constexpr std::array<std::string_view, event_type_count> type_names{"ticker", "trade", "book", "candle"};
constexpr std::array<std::string_view, 3> side_names{"none", "buy", "sell"};

template <typename E, std::size_t N>
bool lookup(const std::array<std::string_view, N>& names, std::string_view text, E& out) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}
}  // namespace

std::string_view to_string(exchange_id e) noexcept { return exchange_names[static_cast<std::size_t>(e)]; }
std::string_view to_string(event_type t) noexcept { return type_names[static_cast<std::size_t>(t)]; }
std::string_view to_string(side s) noexcept { return side_names[static_cast<std::size_t>(s)]; }
bool parse_exchange(std::string_view text, exchange_id& out) noexcept { return lookup(exchange_names, text, out); }
bool parse_event_type(std::string_view text, event_type& out) noexcept { return lookup(type_names, text, out); }
bool parse_side(std::string_view text, side& out) noexcept { return lookup(side_names, text, out); }

}  // namespace mdfan
