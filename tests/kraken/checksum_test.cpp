// Kraken's book checksum: the published values of the protocol notes reproduce from the sample books
// (formatted at the pair's precision, MATIC/USD: price 4 dp, qty 8 dp), and field formatting.
#include "adapters/kraken/checksum.hpp"

#include <gtest/gtest.h>

#include "adapters/kraken/parser.hpp"
#include "core/order_book.hpp"
#include "kraken/test_util.hpp"

namespace mdfan::adapters {
namespace {

constexpr kraken_precision matic{4, 8};

kraken_book_data book_fixture(const std::string& name) {
  kraken_parser p;
  kraken_message m;
  kraken_parse_error e;
  EXPECT_TRUE(p.parse(test::read_kraken_fixture(name), 1, m, e)) << e.reason;
  EXPECT_EQ(m.book_count, 1u);
  return m.book_count ? m.books[0] : kraken_book_data{};
}

std::string field(std::string_view text, int precision) {
  std::string s;
  kraken_checksum_field(text, precision, s);
  return s;
}

TEST(KrakenChecksum, FieldFormatting) {
  EXPECT_EQ(field("0.00100000", 8), "100000");  // the guide's examples
  EXPECT_EQ(field("45285.2", 1), "452852");
  EXPECT_EQ(field("0.566", 4), "5660");  // JSON drops the trailing zero the checksum needs
  EXPECT_EQ(field("0.5", 8), "50000000");
  EXPECT_EQ(field("18097.1547", 8), "1809715470000");
  EXPECT_EQ(field("740.0", 8), "74000000000");
  EXPECT_EQ(field("40.0", 0), "40");  // excess trailing zeros dropped
  EXPECT_EQ(field("0", 8), "");
  EXPECT_EQ(field("0.566", -1), "566");  // precision unknown: the text as it is
  EXPECT_EQ(field("100", 2), "10000");
}

TEST(KrakenChecksum, PublishedSnapshotValue) {
  const auto d = book_fixture("book_snapshot.json");
  EXPECT_EQ(kraken_checksum(d.bids, d.asks, matic), 2439117997u);
  EXPECT_EQ(d.checksum, 2439117997u);
  order_book book;
  ASSERT_TRUE(book.reset(d.bids, d.asks, 0));
  EXPECT_EQ(kraken_checksum(book, matic), 2439117997u);
  // The raw JSON text is not the checksum's input (protocol notes, pitfall 2).
  EXPECT_EQ(kraken_checksum(book, kraken_precision{}), 3830085102u);
}

TEST(KrakenChecksum, PublishedUpdateValue) {
  const auto snap = book_fixture("book_snapshot.json");
  const auto upd = book_fixture("book_update.json");
  order_book book;
  ASSERT_TRUE(book.reset(snap.bids, snap.asks, 0));
  for (const auto& l : upd.bids) ASSERT_TRUE(book.apply_bid(l));
  for (const auto& l : upd.asks) ASSERT_TRUE(book.apply_ask(l));
  book.truncate(10);
  EXPECT_EQ(kraken_checksum(book, matic), 2114181697u);
  EXPECT_EQ(upd.checksum, 2114181697u);
  EXPECT_EQ(kraken_checksum(book, kraken_precision{}), 3370583384u);
}

TEST(KrakenChecksum, OnlyTheBestTenLevelsCount) {
  auto d = book_fixture("book_snapshot.json");
  order_book book;
  auto bids = d.bids;
  bids.push_back({decimal::from("0.5600"), decimal::from("1")});  // an 11th bid, worse than the rest
  ASSERT_TRUE(book.reset(bids, d.asks, 0));
  EXPECT_EQ(kraken_checksum(book, matic), 2439117997u);
  EXPECT_EQ(kraken_checksum(bids, d.asks, matic), 2439117997u);
}

}  // namespace
}  // namespace mdfan::adapters
