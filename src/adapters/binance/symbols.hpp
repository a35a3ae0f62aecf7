#pragma once
// Binance symbol forms: "BTCUSDT" in payloads, "btcusdt" in stream names, "BTC-USDT" normalized.
#include <map>
#include <string>
#include <string_view>

namespace mdfan::adapters {

// Maps Binance's separator-less symbols to normalized BASE-QUOTE instruments and back.
// Payloads carry no separator, so the split uses a list of known quote assets (longest match
// first); explicit overrides win over the list and cover anything it gets wrong.
class binance_symbols {
 public:
  // native "BTCUSDT" (any case) -> normalized "BTC-USDT". Replaces an earlier override.
  void add_override(std::string_view native, std::string_view normalized);

  // "BTCUSDT" -> "BTC-USDT". A symbol with no known quote suffix is returned unchanged (upper case),
  // so data is never dropped for lack of a mapping.
  std::string normalize(std::string_view native) const;

  // "BTC-USDT" -> "BTCUSDT" (overrides first, else the separator is removed).
  std::string native(std::string_view normalized) const;

  // Accepts a configured symbol in any form ("BTCUSDT", "btcusdt", "BTC-USDT") and returns the
  // native form. A form with a '-' is recorded as an override so it normalizes back exactly.
  std::string add_configured(std::string_view any_form);

  // "BTCUSDT" -> "btcusdt", the form stream names use.
  static std::string stream_form(std::string_view native);

 private:
  std::map<std::string, std::string, std::less<>> to_normalized_;  // native -> normalized
  std::map<std::string, std::string, std::less<>> to_native_;      // normalized -> native
};

}  // namespace mdfan::adapters
