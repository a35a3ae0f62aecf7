#pragma once
// Kraken WebSocket v2 symbol forms: "BTC/USD" on the wire, "BTC-USD" normalized. v2 spells bitcoin
// "BTC" (v1 used "XBT"); mdfan keeps whatever base and quote the configuration names.
#include <optional>
#include <string>
#include <string_view>

namespace mdfan::adapters {

// "BTC/USD" -> "BTC-USD". Anything without a '/' is returned unchanged, so data is never dropped
// for lack of a mapping.
std::string kraken_normalize(std::string_view native);

// A configured instrument in any accepted form ("BTC/USD", "btc/usd", "BTC-USD") -> native "BTC/USD".
// nullopt when it is not BASE/QUOTE or BASE-QUOTE with non-empty alphanumeric parts.
std::optional<std::string> kraken_native(std::string_view any_form);

}  // namespace mdfan::adapters
