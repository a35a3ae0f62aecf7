#pragma once
// The OKX order-book checksum (books, books-l2-tbt, books50-l2-tbt): CRC-32 (zlib/IEEE) of the best 25
// bids and 25 asks, interleaved bid:ask level by level ("b1p:b1s:a1p:a1s:b2p:..."; when one side runs
// out the other side's remaining levels follow), each price and size written as the exact text OKX
// sent ("0.5000" is not "0.5"), compared as a signed 32-bit integer. OKX fixed the field to 0 in
// production from 2026-06-23 (sequence ids replace it); a non-zero value is still checked.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/order_book.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

inline constexpr std::size_t okx_checksum_depth = 25;

// CRC-32 (zlib/IEEE, reflected polynomial 0xEDB88320) of `data`.
std::uint32_t crc32(std::string_view data) noexcept;

// The string the checksum is computed over (for tests and logs). `out` is cleared first.
void okx_checksum_text(const std::vector<price_level>& bids, const std::vector<price_level>& asks, std::string& out);

// The checksum of a book (only its best 25 levels per side count), as OKX sends it.
std::int32_t okx_checksum(const order_book& book);
// The same over level lists, best first (tests and the simulator).
std::int32_t okx_checksum(const std::vector<price_level>& bids, const std::vector<price_level>& asks);

}  // namespace mdfan::adapters
