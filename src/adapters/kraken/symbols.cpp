#include "adapters/kraken/symbols.hpp"

#include <cctype>

namespace mdfan::adapters {

std::string kraken_normalize(std::string_view native) {
  std::string out(native);
  if (const auto slash = out.find('/'); slash != std::string::npos) out[slash] = '-';
  return out;
}

std::optional<std::string> kraken_native(std::string_view any_form) {
  const auto sep = any_form.find_first_of("/-");
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == any_form.size()) return std::nullopt;
  std::string out;
  out.reserve(any_form.size());
  for (std::size_t i = 0; i < any_form.size(); ++i) {
    const auto c = static_cast<unsigned char>(any_form[i]);
    if (i == sep) {
      out.push_back('/');
    } else if (std::isalnum(c)) {
      out.push_back(static_cast<char>(std::toupper(c)));
    } else {
      return std::nullopt;  // a second separator, a space, anything else
    }
  }
  return out;
}

}  // namespace mdfan::adapters
