#include "adapters/okx/symbols.hpp"

namespace mdfan::adapters {

std::string okx_native_symbol(std::string_view any_form) {
  if (any_form.empty() || any_form.size() > 40) return {};
  std::string out;
  out.reserve(any_form.size());
  bool separator = false;
  for (const char c : any_form) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c == '-' || c == '/') {
      if (out.empty() || out.back() == '-') return {};  // leading or doubled separator
      out += '-';
      separator = true;
    } else {
      return {};
    }
  }
  if (!separator || out.back() == '-') return {};
  return out;
}

}  // namespace mdfan::adapters
