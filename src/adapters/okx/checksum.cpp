#include "adapters/okx/checksum.hpp"

#include <algorithm>
#include <array>

namespace mdfan::adapters {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto crc_table = make_table();

// Running CRC-32 over pieces, so the book need not be copied into one string.
class crc_stream {
 public:
  void add(std::string_view s) noexcept {
    for (const char ch : s) crc_ = crc_table[(crc_ ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (crc_ >> 8);
  }
  std::uint32_t value() const noexcept { return crc_ ^ 0xFFFFFFFFu; }

 private:
  std::uint32_t crc_ = 0xFFFFFFFFu;
};

// Walks the interleaved order over the best levels of two sides: f(text) per piece, ':' between.
template <class Sink>
void interleave(const std::vector<const price_level*>& bids, const std::vector<const price_level*>& asks, Sink& sink) {
  bool first = true;
  auto level = [&](const price_level& l) {
    if (!first) sink(std::string_view(":"));
    first = false;
    sink(l.price.str());
    sink(std::string_view(":"));
    sink(l.size.str());
  };
  const std::size_t n = std::max(bids.size(), asks.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i < bids.size()) level(*bids[i]);
    if (i < asks.size()) level(*asks[i]);
  }
}

std::vector<const price_level*> best(const std::vector<price_level>& side) {
  std::vector<const price_level*> out;
  for (std::size_t i = 0; i < side.size() && i < okx_checksum_depth; ++i) out.push_back(&side[i]);
  return out;
}

}  // namespace

std::uint32_t crc32(std::string_view data) noexcept {
  crc_stream c;
  c.add(data);
  return c.value();
}

void okx_checksum_text(const std::vector<price_level>& bids, const std::vector<price_level>& asks, std::string& out) {
  out.clear();
  auto sink = [&](std::string_view s) { out.append(s); };
  interleave(best(bids), best(asks), sink);
}

std::int32_t okx_checksum(const std::vector<price_level>& bids, const std::vector<price_level>& asks) {
  crc_stream c;
  auto sink = [&](std::string_view s) { c.add(s); };
  interleave(best(bids), best(asks), sink);
  return static_cast<std::int32_t>(c.value());
}

std::int32_t okx_checksum(const order_book& book) {
  // Pointers into the book's levels: no decimal is copied. Small fixed vectors, reused per thread.
  thread_local std::vector<const price_level*> bids, asks;
  bids.clear();
  asks.clear();
  book.for_each_bid(okx_checksum_depth, [&](const price_level& l) { bids.push_back(&l); });
  book.for_each_ask(okx_checksum_depth, [&](const price_level& l) { asks.push_back(&l); });
  crc_stream c;
  auto sink = [&](std::string_view s) { c.add(s); };
  interleave(bids, asks, sink);
  return static_cast<std::int32_t>(c.value());
}

}  // namespace mdfan::adapters
