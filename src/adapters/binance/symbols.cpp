#include "adapters/binance/symbols.hpp"

#include <array>
#include <cctype>

namespace mdfan::adapters {
namespace {

// Quote assets of Binance Spot, longest first so that "BTCFDUSD" is not split as "BTCF-DUSD".
// Deliberately absent: "AEUR" (would split "ADAEUR" as "AD-AEUR") and fiat codes that are also
// common base suffixes. Anything missing is handled by an explicit override.
constexpr std::array<std::string_view, 30> quotes{"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USDP", "USDS", "USD1",
                                                  "IDRT",  "BIDR", "BVND", "EURI", "DAI",  "BTC",  "ETH",  "BNB",
                                                  "XRP",   "TRX",  "EUR",  "GBP",  "AUD",  "TRY",  "BRL",  "RUB",
                                                  "UAH",   "NGN",  "ZAR",  "PLN",  "RON",  "ARS"};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void binance_symbols::add_override(std::string_view native, std::string_view normalized) {
  std::string n = upper(native);
  std::string norm = upper(normalized);
  if (auto it = to_normalized_.find(n); it != to_normalized_.end()) to_native_.erase(it->second);
  to_native_.insert_or_assign(norm, n);
  to_normalized_.insert_or_assign(std::move(n), std::move(norm));
}

std::string binance_symbols::normalize(std::string_view native) const {
  for (const char c : native)
    if (std::islower(static_cast<unsigned char>(c))) return normalize(upper(native));
  if (!to_normalized_.empty()) {
    if (auto it = to_normalized_.find(native); it != to_normalized_.end()) return it->second;
  }
  for (const auto q : quotes) {
    if (native.size() > q.size() && native.substr(native.size() - q.size()) == q) {
      std::string out;
      out.reserve(native.size() + 1);
      out.append(native.substr(0, native.size() - q.size()));
      out += '-';
      out.append(q);
      return out;
    }
  }
  return std::string(native);
}

std::string binance_symbols::native(std::string_view normalized) const {
  if (auto it = to_native_.find(normalized); it != to_native_.end()) return it->second;
  std::string out;
  out.reserve(normalized.size());
  for (const char c : normalized)
    if (c != '-' && c != '/') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string binance_symbols::add_configured(std::string_view any_form) {
  if (any_form.find('-') == std::string_view::npos) return upper(any_form);
  std::string n = native(any_form);
  if (to_normalized_.find(n) == to_normalized_.end()) add_override(n, any_form);
  return n;
}

std::string binance_symbols::stream_form(std::string_view native) {
  std::string out(native);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace mdfan::adapters
