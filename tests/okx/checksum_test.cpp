// The OKX book checksum: the values published in the OKX docs reproduce from their level lists, the
// sample book gives the value recomputed in the protocol notes, and only the exact wire text counts.
#include "adapters/okx/checksum.hpp"

#include <gtest/gtest.h>

#include "adapters/okx/parser.hpp"
#include "okx/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::levels;
using test::read_okx_fixture;

TEST(OkxChecksum, Crc32OfKnownStrings) {
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
}

TEST(OkxChecksum, PublishedDocExampleEqualSides) {
  const auto bids = levels({{"3366.1", "7"}, {"3366", "6"}});
  const auto asks = levels({{"3366.8", "9"}, {"3368", "8"}});
  std::string text;
  okx_checksum_text(bids, asks, text);
  EXPECT_EQ(text, "3366.1:7:3366.8:9:3366:6:3368:8");
  EXPECT_EQ(okx_checksum(bids, asks), -1881014294);
}

TEST(OkxChecksum, PublishedDocExampleUnevenSides) {
  const auto bids = levels({{"3366.1", "7"}});
  const auto asks = levels({{"3366.8", "9"}, {"3368", "8"}, {"3372", "8"}});
  std::string text;
  okx_checksum_text(bids, asks, text);
  EXPECT_EQ(text, "3366.1:7:3366.8:9:3368:8:3372:8");  // the longer side's rest follows
  EXPECT_EQ(okx_checksum(bids, asks), 831078360);
}

// The sample book of the books channel: the protocol notes recompute -2102840145 from its levels (the
// doc's own -855196043 does not match them).
TEST(OkxChecksum, SampleBookFromTheFixture) {
  okx_parser p;
  okx_message m;
  okx_parse_error err;
  ASSERT_TRUE(p.parse(read_okx_fixture("books_snapshot.json"), 0, m, err)) << err.reason;
  EXPECT_EQ(okx_checksum(m.book.bids, m.book.asks), -2102840145);
  EXPECT_NE(okx_checksum(m.book.bids, m.book.asks), -855196043);
  order_book book;
  ASSERT_TRUE(book.reset(m.book.bids, m.book.asks, 1));
  EXPECT_EQ(okx_checksum(book), -2102840145);
}

TEST(OkxChecksum, WireTextNotItsValue) {
  const auto a = levels({{"0.5000", "1"}});
  const auto b = levels({{"0.5", "1"}});
  const auto asks = levels({{"0.6", "1"}});
  EXPECT_NE(okx_checksum(a, asks), okx_checksum(b, asks));
  order_book book;
  ASSERT_TRUE(book.reset(a, asks, 1));
  EXPECT_EQ(okx_checksum(book), okx_checksum(a, asks));
}

TEST(OkxChecksum, OnlyTheBest25LevelsCount) {
  std::vector<price_level> bids, asks;
  std::vector<std::string> texts;
  for (int i = 0; i < 30; ++i) {
    bids.push_back({decimal::from(std::to_string(1000 - i)), decimal::from("1")});
    asks.push_back({decimal::from(std::to_string(2000 + i)), decimal::from("2")});
  }
  const auto full = okx_checksum(bids, asks);
  auto more = bids;
  more.back().size = decimal::from("7");  // level 30: beyond the checksum depth
  EXPECT_EQ(okx_checksum(more, asks), full);
  more[24].size = decimal::from("7");  // level 25: inside it
  EXPECT_NE(okx_checksum(more, asks), full);
  order_book book;
  ASSERT_TRUE(book.reset(bids, asks, 1));
  EXPECT_EQ(okx_checksum(book), full);
}

}  // namespace
}  // namespace mdfan::adapters
