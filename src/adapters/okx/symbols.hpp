#pragma once
// OKX instrument ids: "BTC-USDT" (spot), "BTC-USDT-SWAP", "BTC-USD-191227". The spot id is already
// BASE-QUOTE, so the native and normalized forms are the same text; derivative ids keep their suffix.
#include <string>
#include <string_view>

namespace mdfan::adapters {

// A configured instrument in any accepted form ("BTC-USDT", "btc-usdt", "BTC/USDT") -> the native
// instId "BTC-USDT". Empty when the text is not an OKX instrument id (no separator: OKX ids always
// have one, and "BTCUSDT" cannot be split without a quote list).
std::string okx_native_symbol(std::string_view any_form);

// Native instId -> normalized instrument. Spot "BTC-USDT" stays "BTC-USDT"; so does any other id
// (the suffix of a swap or future is part of what the instrument is).
inline std::string okx_normalize(std::string_view native) { return std::string(native); }

}  // namespace mdfan::adapters
