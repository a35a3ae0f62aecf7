#pragma once
// Bybit v5 symbol forms: "BTCUSDT" in topics and payloads, "BTC-USDT" normalized.
#include <map>
#include <string>
#include <string_view>

namespace mdfan::adapters {

// Maps Bybit's separator-less symbols to normalized BASE-QUOTE instruments and back. Payloads carry
// no separator, so the split uses a list of known quote assets (longest match first); explicit
// overrides win over the list and cover anything it gets wrong. Symbols that already carry a '-'
// (dated futures "BTC-26DEC25", options) are kept unchanged in both directions.
class bybit_symbols {
 public:
  // native "BTCUSDT" (any case) -> normalized "BTC-USDT". Replaces an earlier override.
  void add_override(std::string_view native, std::string_view normalized);

  // "BTCUSDT" -> "BTC-USDT". A symbol with no known quote suffix is returned unchanged, so data is
  // never dropped for lack of a mapping.
  std::string normalize(std::string_view native) const;

  // "BTC-USDT" -> "BTCUSDT" (overrides first; else the separator is removed when what follows it is
  // a known quote asset, and the text is kept as is otherwise: "BTC-26DEC25" is a native symbol).
  std::string native(std::string_view normalized) const;

  // Accepts a configured symbol in any form ("BTCUSDT", "btcusdt", "BTC-USDT", "BTC/USDT") and
  // returns the native form; a form with a separator is recorded as an override so it normalizes
  // back exactly. Empty string when the text is no symbol (empty, or characters other than letters,
  // digits and one '-', '/' or '_').
  std::string add_configured(std::string_view any_form);

 private:
  std::map<std::string, std::string, std::less<>> to_normalized_;  // native -> normalized
  std::map<std::string, std::string, std::less<>> to_native_;      // normalized -> native
};

}  // namespace mdfan::adapters
