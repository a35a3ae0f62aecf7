#include <gtest/gtest.h>

#include "core/order_book.hpp"

using namespace mdfan;

namespace {
price_level L(const char* p, const char* s) { return {decimal::from(p), decimal::from(s)}; }
}  // namespace

TEST(order_book, orders_levels_numerically_and_keeps_text) {
  order_book b;
  ASSERT_TRUE(b.reset({L("9.5", "1"), L("10.00", "2"), L("9.75", "3")}, {L("10.5", "1"), L("10.25", "4")}, 7));
  const auto bids = b.bids();
  ASSERT_EQ(bids.size(), 3u);
  EXPECT_EQ(bids[0].price.str(), "10.00");
  EXPECT_EQ(bids[1].price.str(), "9.75");
  EXPECT_EQ(b.asks(1)[0].price.str(), "10.25");
  EXPECT_EQ(b.sequence(), 7u);
  EXPECT_FALSE(b.crossed());
}

TEST(order_book, delta_sets_absolute_size_and_zero_removes) {
  order_book b;
  ASSERT_TRUE(b.reset({L("1.0", "5")}, {L("2.0", "5")}, 1));
  book_update u;
  u.sequence = 2;
  u.bids = {L("1.00", "7"), L("0.5", "1")};
  u.asks = {L("2.0", "0.000"), L("3", "1"), L("4", "0")};  // removing a missing level is fine
  ASSERT_TRUE(b.apply(u));
  ASSERT_EQ(b.bid_count(), 2u);
  EXPECT_EQ(b.bids()[0].size.str(), "7");
  EXPECT_EQ(b.bids()[0].price.str(), "1.00");  // the latest text wins
  ASSERT_EQ(b.ask_count(), 1u);
  EXPECT_EQ(b.asks()[0].price.str(), "3");
  EXPECT_EQ(b.sequence(), 2u);
}

TEST(order_book, detects_crossed_book) {
  order_book b;
  ASSERT_TRUE(b.reset({L("10", "1")}, {L("10", "1")}, 1));
  EXPECT_TRUE(b.crossed());
}
