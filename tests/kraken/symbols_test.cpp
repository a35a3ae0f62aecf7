// Kraken symbol forms: "BTC/USD" native, "BTC-USD" normalized.
#include "adapters/kraken/symbols.hpp"

#include <gtest/gtest.h>

namespace mdfan::adapters {
namespace {

TEST(KrakenSymbols, Normalize) {
  EXPECT_EQ(kraken_normalize("BTC/USD"), "BTC-USD");
  EXPECT_EQ(kraken_normalize("MATIC/USD"), "MATIC-USD");
  EXPECT_EQ(kraken_normalize("ODD"), "ODD");  // unknown forms pass through
}

TEST(KrakenSymbols, NativeFromAnyForm) {
  EXPECT_EQ(kraken_native("BTC/USD"), "BTC/USD");
  EXPECT_EQ(kraken_native("btc/usd"), "BTC/USD");
  EXPECT_EQ(kraken_native("BTC-USD"), "BTC/USD");
  EXPECT_EQ(kraken_native("XBT/USD"), "XBT/USD");  // kept as configured: v2 itself says BTC
  EXPECT_EQ(kraken_native("USDT/USD"), "USDT/USD");
  for (const char* bad : {"", "BTCUSD", "/USD", "BTC/", "BTC/USD/EUR", "BTC USD", "BTC//USD", "BT C/USD"})
    EXPECT_FALSE(kraken_native(bad).has_value()) << bad;
}

}  // namespace
}  // namespace mdfan::adapters
