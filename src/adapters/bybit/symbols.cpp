#include "adapters/bybit/symbols.hpp"

#include <array>

namespace mdfan::adapters {
namespace {

// Quote assets of Bybit spot and linear contracts, longest first so that "BTCFDUSD" is not split as
// "BTCFD-USD". "PERP" names the USDC perpetuals ("BTCPERP" -> "BTC-PERP"). "USD" (inverse contracts)
// comes last. Anything missing is handled by an explicit override.
constexpr std::array<std::string_view, 17> quotes{"FDUSD", "USDT", "USDC", "USDE", "USD1", "USDQ", "PERP", "DAI", "BTC",
                                                  "ETH",   "MNT",  "EUR",  "BRL",  "TRY",  "PLN",  "ARS",  "USD"};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool is_quote(std::string_view s) {
  for (const auto q : quotes)
    if (q == s) return true;
  return false;
}

bool alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

void bybit_symbols::add_override(std::string_view native, std::string_view normalized) {
  std::string n = upper(native);
  std::string norm = upper(normalized);
  if (auto it = to_normalized_.find(n); it != to_normalized_.end()) to_native_.erase(it->second);
  to_native_.insert_or_assign(norm, n);
  to_normalized_.insert_or_assign(std::move(n), std::move(norm));
}

std::string bybit_symbols::normalize(std::string_view native) const {
  for (const char c : native)
    if (c >= 'a' && c <= 'z') return normalize(upper(native));
  if (!to_normalized_.empty()) {
    if (auto it = to_normalized_.find(native); it != to_normalized_.end()) return it->second;
  }
  if (native.find('-') != std::string_view::npos) return std::string(native);
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

std::string bybit_symbols::native(std::string_view normalized) const {
  const std::string up = upper(normalized);
  if (auto it = to_native_.find(up); it != to_native_.end()) return it->second;
  const auto sep = up.find_first_of("-/_");
  if (sep == std::string::npos) return up;
  if (!is_quote(std::string_view(up).substr(sep + 1))) return up;
  return up.substr(0, sep) + up.substr(sep + 1);
}

std::string bybit_symbols::add_configured(std::string_view any_form) {
  if (any_form.empty() || any_form.size() > 40) return {};
  std::size_t separators = 0;
  for (std::size_t i = 0; i < any_form.size(); ++i) {
    const char c = any_form[i];
    if (alnum(c)) continue;
    if ((c == '-' || c == '/' || c == '_') && i > 0 && i + 1 < any_form.size() && ++separators == 1) continue;
    return {};
  }
  std::string n = native(any_form);
  if (separators == 1 && n.find('-') == std::string::npos) {
    std::string norm = upper(any_form);
    for (auto& c : norm)
      if (c == '/' || c == '_') c = '-';
    if (to_normalized_.find(n) == to_normalized_.end()) add_override(n, norm);
  }
  return n;
}

}  // namespace mdfan::adapters
