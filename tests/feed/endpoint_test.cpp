#include "feed/endpoint.hpp"

#include <gtest/gtest.h>

namespace mdfan::feed {
namespace {

TEST(endpoint, websocket_urls) {
  endpoint ep;
  ASSERT_TRUE(parse_endpoint("ws://127.0.0.1:9443/ws/btcusdt@trade", true, ep));
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, "9443");
  EXPECT_EQ(ep.target, "/ws/btcusdt@trade");
  EXPECT_EQ(ep.host_header(), "127.0.0.1:9443");

  ASSERT_TRUE(parse_endpoint("wss://stream.binance.com/stream?streams=btcusdt@trade/ethusdt@depth", true, ep));
  EXPECT_TRUE(ep.tls);
  EXPECT_EQ(ep.host, "stream.binance.com");
  EXPECT_EQ(ep.port, "443");
  EXPECT_EQ(ep.target, "/stream?streams=btcusdt@trade/ethusdt@depth");
  EXPECT_EQ(ep.host_header(), "stream.binance.com");

  ASSERT_TRUE(parse_endpoint("ws://localhost", true, ep));
  EXPECT_EQ(ep.port, "80");
  EXPECT_EQ(ep.target, "/");

  ASSERT_TRUE(parse_endpoint("ws://[::1]:8080/x", true, ep));
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.host_header(), "[::1]:8080");
}

TEST(endpoint, http_urls) {
  endpoint ep;
  ASSERT_TRUE(parse_endpoint("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5000", false, ep));
  EXPECT_TRUE(ep.tls);
  EXPECT_EQ(ep.port, "443");
  EXPECT_EQ(ep.target, "/api/v3/depth?symbol=BTCUSDT&limit=5000");
  ASSERT_TRUE(parse_endpoint("http://127.0.0.1:1234/api/v3/ping", false, ep));
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.port, "1234");
}

TEST(endpoint, rejects) {
  endpoint ep;
  EXPECT_FALSE(parse_endpoint("http://x/", true, ep));  // wrong scheme for a WebSocket
  EXPECT_FALSE(parse_endpoint("ws://x/", false, ep));
  EXPECT_FALSE(parse_endpoint("ftp://x/", false, ep));
  EXPECT_FALSE(parse_endpoint("not a url", true, ep));
  EXPECT_FALSE(parse_endpoint("ws:///path", true, ep));
  EXPECT_FALSE(parse_endpoint("ws://user:pw@host/", true, ep));
  EXPECT_FALSE(parse_endpoint("ws://host:0/", true, ep));
  EXPECT_FALSE(parse_endpoint("ws://host:99999/", true, ep));
}

}  // namespace
}  // namespace mdfan::feed
