#include "adapters/kraken/checksum.hpp"

#include <algorithm>

#include <boost/crc.hpp>

namespace mdfan::adapters {
namespace {

constexpr int max_precision = 30;  // a decimal holds at most 30 characters anyway

// Writes the checksum form of `text` into `buf` (at least 2 * max_precision + 2 bytes); returns its length.
std::size_t format_field(std::string_view text, int precision, char* buf) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);  // never in a book; keeps the digits only
  std::string_view int_part = text, frac;
  if (const auto dot = text.find('.'); dot != std::string_view::npos) {
    int_part = text.substr(0, dot);
    frac = text.substr(dot + 1);
  }
  if (precision >= 0) {
    const auto p = static_cast<std::size_t>(std::min(precision, max_precision));
    // More decimals than the pair has can only be trailing zeros on a well-formed feed.
    while (frac.size() > p && frac.back() == '0') frac.remove_suffix(1);
  }
  std::size_t n = 0;
  for (const char c : int_part)
    if (n != 0 || c != '0') buf[n++] = c;
  for (const char c : frac)
    if (n != 0 || c != '0') buf[n++] = c;
  if (precision >= 0) {
    const auto p = static_cast<std::size_t>(std::min(precision, max_precision));
    // Padding zeros are significant only once a non-zero digit has been written.
    if (n != 0)
      for (std::size_t i = frac.size(); i < p; ++i) buf[n++] = '0';
  }
  return n;
}

class crc_feed {
 public:
  explicit crc_feed(kraken_precision p) : p_(p) {}
  void level(const price_level& l) {
    add(l.price.str(), p_.price);
    add(l.size.str(), p_.qty);
  }
  std::uint32_t value() const { return crc_.checksum(); }

 private:
  void add(std::string_view text, int precision) {
    char buf[2 * max_precision + 4];
    crc_.process_bytes(buf, format_field(text.substr(0, max_precision + 1), precision, buf));
  }
  kraken_precision p_;
  boost::crc_32_type crc_;
};

}  // namespace

void kraken_checksum_field(std::string_view text, int precision, std::string& out) {
  char buf[2 * max_precision + 4];
  out.append(buf, format_field(text.substr(0, max_precision + 1), precision, buf));
}

std::uint32_t kraken_checksum(const order_book& book, kraken_precision precision) {
  crc_feed f(precision);
  book.for_each_ask(kraken_checksum_depth, [&](const price_level& l) { f.level(l); });
  book.for_each_bid(kraken_checksum_depth, [&](const price_level& l) { f.level(l); });
  return f.value();
}

std::uint32_t kraken_checksum(const std::vector<price_level>& bids, const std::vector<price_level>& asks,
                              kraken_precision precision) {
  crc_feed f(precision);
  for (std::size_t i = 0; i < asks.size() && i < kraken_checksum_depth; ++i) f.level(asks[i]);
  for (std::size_t i = 0; i < bids.size() && i < kraken_checksum_depth; ++i) f.level(bids[i]);
  return f.value();
}

}  // namespace mdfan::adapters
