#pragma once
// Appending JSON pieces to a std::string without a library: the simulator's hot path formats
// each message once, and every value it writes is a number, a fixed-point decimal or a known-safe name.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace mdfan::sim {

// Fixed-point amounts: 1 unit = 1e-8, the 8 decimals Binance prints ("43012.10000000").
inline constexpr std::int64_t units_per_one = 100'000'000;

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// `units` with `decimals` fractional digits (units are 10^-decimals), e.g. (4301210000000, 8) -> 43012.10000000.
inline void append_fixed(std::string& out, std::int64_t units, int decimals = 8) {
  std::uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::uint64_t mag = units < 0 ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  if (units < 0) out.push_back('-');
  append_uint(out, mag / scale);
  if (decimals == 0) return;
  out.push_back('.');
  char frac[20];
  std::uint64_t f = mag % scale;
  for (int i = decimals - 1; i >= 0; --i, f /= 10) frac[i] = static_cast<char>('0' + f % 10);
  out.append(frac, static_cast<std::size_t>(decimals));
}

// A quoted decimal string, as Binance sends prices and sizes.
inline void append_dec(std::string& out, std::int64_t units) {
  out.push_back('"');
  append_fixed(out, units);
  out.push_back('"');
}

// A quoted string that needs no escaping (symbols, stream names, interval names).
inline void append_str(std::string& out, std::string_view s) {
  out.push_back('"');
  out.append(s);
  out.push_back('"');
}

// A quoted string with JSON escaping (error messages that echo client input).
inline void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

}  // namespace mdfan::sim
