#pragma once
// Kraken WebSocket v2 book checksum: CRC-32 (zlib/IEEE) over the best 10 asks (low to high) then the
// best 10 bids (high to low), each level written as price then qty, each number formatted with the
// pair's precision (price_precision / qty_precision of the `instrument` channel), '.' removed and
// leading zeros stripped. The JSON text is not enough: Kraken sends 0.566 for 0.5660 at 4 dp.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/order_book.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

inline constexpr std::size_t kraken_checksum_depth = 10;

// Decimal places of a pair's prices and quantities; -1 when unknown (the text is used as it is).
struct kraken_precision {
  int price = -1;
  int qty = -1;
};

// Appends the checksum form of one number: `text` ([-]digits[.digits]) padded with zeros to
// `precision` decimals (trailing zeros beyond it dropped), '.' removed, leading zeros stripped.
void kraken_checksum_field(std::string_view text, int precision, std::string& out);

// The checksum of a book (only its best 10 levels per side count).
std::uint32_t kraken_checksum(const order_book& book, kraken_precision precision);
// The same over level lists, best first (tests and the simulator).
std::uint32_t kraken_checksum(const std::vector<price_level>& bids, const std::vector<price_level>& asks,
                              kraken_precision precision);

}  // namespace mdfan::adapters
