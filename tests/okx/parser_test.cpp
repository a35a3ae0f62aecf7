// The OKX parser on every documented sample (field by field), the decoder's view of them, control
// traffic (text pong, acks, errors, notices) and malformed input.
#include "adapters/okx/parser.hpp"

#include <gtest/gtest.h>

#include "adapters/okx/factory.hpp"
#include "okx/test_util.hpp"

namespace mdfan::adapters {
namespace {

using test::levels;
using test::minify;
using test::read_okx_fixture;
using test::show;

constexpr std::int64_t recv = 1700000000123456789;
constexpr std::int64_t ms = 1'000'000;

okx_message parse_ok(const std::string& json) {
  okx_parser p;
  okx_message m;
  okx_parse_error err;
  EXPECT_TRUE(p.parse(json, recv, m, err)) << err.reason << "\n" << json;
  return m;
}

okx_parse_error parse_bad(const std::string& json) {
  okx_parser p;
  okx_message m;
  okx_parse_error err;
  EXPECT_FALSE(p.parse(json, recv, m, err)) << json;
  EXPECT_FALSE(err.reason.empty());
  return err;
}

template <class T>
T only_event(const okx_message& m) {
  EXPECT_EQ(m.what, okx_message::kind::events);
  EXPECT_EQ(m.events.size(), 1u);
  if (m.events.size() != 1) return T{};
  const T* t = std::get_if<T>(&m.events[0]);
  EXPECT_NE(t, nullptr) << "wrong event type";
  return t ? *t : T{};
}

void expect_header(const event_header& h, std::string_view symbol, std::int64_t ts, std::uint64_t seq) {
  EXPECT_EQ(h.exchange, exchange_id::okx);
  EXPECT_EQ(h.symbol, symbol);
  EXPECT_EQ(h.instrument, symbol);  // OKX spot ids are BASE-QUOTE already
  EXPECT_EQ(h.exchange_ts_ns, ts);
  EXPECT_EQ(h.receive_ts_ns, recv);
  EXPECT_EQ(h.sequence, seq);
}

const auto fixture_bids = levels({{"8476.97", "256"},
                                  {"8475.55", "101"},
                                  {"8475.54", "100"},
                                  {"8475.3", "1"},
                                  {"8447.32", "6"},
                                  {"8447.02", "246"},
                                  {"8446.83", "24"},
                                  {"8446", "95"}});
const auto fixture_asks = levels({{"8476.98", "415"},
                                  {"8477", "7"},
                                  {"8477.34", "85"},
                                  {"8477.56", "1"},
                                  {"8505.84", "8"},
                                  {"8506.37", "85"},
                                  {"8506.49", "2"},
                                  {"8506.96", "100"}});

// ---- samples, field by field ----

TEST(OkxParser, Tickers) {
  for (const auto& text : {read_okx_fixture("tickers.json"), minify(read_okx_fixture("tickers.json"))}) {
    const auto t = only_event<ticker>(parse_ok(text));
    expect_header(t, "BTC-USDT", 1597026383085 * ms, 0);
    EXPECT_EQ(t.last_price.str(), "9999.99");
    EXPECT_EQ(t.last_size.str(), "0.1");
    EXPECT_EQ(t.ask_price.str(), "9999.99");
    EXPECT_EQ(t.ask_size.str(), "11");
    EXPECT_EQ(t.bid_price.str(), "8888.88");
    EXPECT_EQ(t.bid_size.str(), "5");
    EXPECT_EQ(t.open_24h.str(), "9000");
    EXPECT_EQ(t.high_24h.str(), "10000");
    EXPECT_EQ(t.low_24h.str(), "8888.88");
    EXPECT_EQ(t.volume_24h.str(), "2222");        // vol24h: base currency
    EXPECT_EQ(t.quote_volume_24h.str(), "2222");  // volCcy24h: quote currency
    EXPECT_TRUE(t.change_24h.empty());            // not sent
  }
}

TEST(OkxParser, TickerEmptyFieldsStayEmpty) {
  const auto t = only_event<ticker>(parse_ok(
      R"({"arg":{"channel":"tickers","instId":"ETH-USDT"},"data":[{"instType":"SPOT","instId":"ETH-USDT","last":"3000.1","lastSz":"","askPx":"","askSz":"","bidPx":"2999.9","bidSz":"1.5","ts":"1700000000000"}]})"));
  expect_header(t, "ETH-USDT", 1700000000000 * ms, 0);
  EXPECT_TRUE(t.ask_price.empty());
  EXPECT_TRUE(t.ask_size.empty());
  EXPECT_TRUE(t.last_size.empty());
  EXPECT_EQ(t.bid_price.str(), "2999.9");
}

TEST(OkxParser, Trades) {
  const auto t = only_event<trade>(parse_ok(read_okx_fixture("trades.json")));
  expect_header(t, "BTC-USDT", 1630048897897 * ms, 1234);  // sequence: seqId
  EXPECT_EQ(t.trade_id, "130639474");
  EXPECT_EQ(t.price.str(), "42219.9");
  EXPECT_EQ(t.size.str(), "0.12060306");
  EXPECT_EQ(t.aggressor, side::buy);
}

TEST(OkxParser, SeveralTradesInOneMessage) {
  const auto m = parse_ok(
      R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1.0","sz":"2","side":"sell","ts":"5","count":"1","source":"0","seqId":7},{"instId":"BTC-USDT","tradeId":"2","px":"1.5","sz":"3","side":"buy","ts":"6","count":"1","source":"0","seqId":8}]})");
  ASSERT_EQ(m.events.size(), 2u);
  const auto& a = std::get<trade>(m.events[0]);
  const auto& b = std::get<trade>(m.events[1]);
  EXPECT_EQ(a.trade_id, "1");
  EXPECT_EQ(a.aggressor, side::sell);
  EXPECT_EQ(a.price.str(), "1.0");
  EXPECT_EQ(a.sequence, 7u);
  EXPECT_EQ(b.trade_id, "2");
  EXPECT_EQ(b.size.str(), "3");
  EXPECT_EQ(b.exchange_ts_ns, 6 * ms);
}

TEST(OkxParser, Candle1D) {
  const auto c = only_event<candle>(parse_ok(read_okx_fixture("candle1D.json")));
  expect_header(c, "BTC-USDT", 1597026383085 * ms, 0);
  EXPECT_EQ(c.interval, "1d");
  EXPECT_EQ(c.open_time_ns, 1597026383085 * ms);
  EXPECT_EQ(c.close_time_ns, (1597026383085 + 86'400'000 - 1) * ms);
  EXPECT_EQ(c.open.str(), "8533.02");
  EXPECT_EQ(c.high.str(), "8553.74");
  EXPECT_EQ(c.low.str(), "8527.17");
  EXPECT_EQ(c.close.str(), "8548.26");
  EXPECT_EQ(c.volume.str(), "45247");               // vol: base currency
  EXPECT_EQ(c.quote_volume.str(), "5529.5858061");  // volCcyQuote
  EXPECT_FALSE(c.closed);                           // confirm "0"
  EXPECT_EQ(c.trades, 0u);
}

TEST(OkxParser, CandleChannelsOtherThan1D) {
  const auto c = only_event<candle>(parse_ok(
      R"({"arg":{"channel":"candle1H","instId":"ETH-USDT"},"data":[["1700000000000","1","2","0.5","1.5","10","15","15","1"]]})"));
  EXPECT_EQ(c.interval, "1h");
  EXPECT_EQ(c.close_time_ns, (1700000000000 + 3'600'000 - 1) * ms);
  EXPECT_TRUE(c.closed);
  const auto m = only_event<candle>(parse_ok(
      R"({"arg":{"channel":"candle1m","instId":"ETH-USDT"},"data":[["1700000000000","1","2","0.5","1.5","10","15","15","0"]]})"));
  EXPECT_EQ(m.interval, "1m");
  EXPECT_EQ(m.close_time_ns, (1700000000000 + 60'000 - 1) * ms);
}

TEST(OkxParser, BooksSnapshot) {
  const auto m = parse_ok(read_okx_fixture("books_snapshot.json"));
  ASSERT_EQ(m.what, okx_message::kind::book);
  const okx_book_msg& b = m.book;
  EXPECT_EQ(b.channel, okx_book_channel::books);
  EXPECT_EQ(b.symbol, "BTC-USDT");
  EXPECT_EQ(b.instrument, "BTC-USDT");
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(b.seq_id, 123456);
  EXPECT_EQ(b.prev_seq_id, -1);
  EXPECT_EQ(b.checksum, 0);
  EXPECT_EQ(b.ts_ns, 1597026383085 * ms);
  EXPECT_EQ(show(b.bids), show(fixture_bids));
  EXPECT_EQ(show(b.asks), show(fixture_asks));
}

TEST(OkxParser, BooksUpdate) {
  const auto m = parse_ok(minify(read_okx_fixture("books_update.json")));
  ASSERT_EQ(m.what, okx_message::kind::book);
  const okx_book_msg& b = m.book;
  EXPECT_FALSE(b.snapshot);
  EXPECT_EQ(b.symbol, "BTC-USDT");
  EXPECT_EQ(b.seq_id, 123457);
  EXPECT_EQ(b.prev_seq_id, 123456);
  EXPECT_EQ(b.checksum, 0);
  EXPECT_EQ(b.ts_ns, 1597026383085 * ms);
  EXPECT_EQ(show(b.bids), show(fixture_bids));
  EXPECT_EQ(show(b.asks), show(fixture_asks));
}

TEST(OkxParser, Books5IsASnapshotEvent) {
  const auto b = only_event<book_update>(parse_ok(read_okx_fixture("books5.json")));
  expect_header(b, "BCH-USDT-SWAP", 1670324386802 * ms, 363996337);
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(b.first_sequence, 363996337u);
  EXPECT_EQ(
      show(b.asks),
      show(levels(
          {{"111.06", "55154"}, {"111.07", "53276"}, {"111.08", "72435"}, {"111.09", "70312"}, {"111.1", "67272"}})));
  EXPECT_EQ(
      show(b.bids),
      show(levels(
          {{"111.05", "57745"}, {"111.04", "57109"}, {"111.03", "69563"}, {"111.02", "71248"}, {"111.01", "65090"}})));
}

TEST(OkxParser, BboTbtTakesInstIdFromArg) {
  const auto b = only_event<book_update>(parse_ok(read_okx_fixture("bbo-tbt.json")));
  expect_header(b, "BCH-USDT-SWAP", 1670324386802 * ms, 363996337);
  EXPECT_TRUE(b.snapshot);
  EXPECT_EQ(show(b.asks), show(levels({{"111.06", "55154"}})));
  EXPECT_EQ(show(b.bids), show(levels({{"111.05", "57745"}})));
}

// ---- control traffic ----

TEST(OkxParser, TextPongIsControl) {
  for (const std::string text : {"pong", "pong\n", " pong"}) {
    const auto m = parse_ok(text);
    EXPECT_EQ(m.what, okx_message::kind::control);
    EXPECT_EQ(m.control.what, okx_control::kind::pong);
  }
}

TEST(OkxParser, SubscribeAck) {
  const auto m = parse_ok(read_okx_fixture("books_subscribe_response.json"));
  ASSERT_EQ(m.what, okx_message::kind::control);
  EXPECT_EQ(m.control.what, okx_control::kind::subscribe);
  EXPECT_EQ(m.control.channel, "books");
  EXPECT_EQ(m.control.symbol, "BTC-USDT");
}

TEST(OkxParser, UnsubscribeAck) {
  const auto m = parse_ok(R"({"event":"unsubscribe","arg":{"channel":"books","instId":"ETH-USDT"},"connId":"x"})");
  EXPECT_EQ(m.control.what, okx_control::kind::unsubscribe);
  EXPECT_EQ(m.control.symbol, "ETH-USDT");
}

TEST(OkxParser, ErrorResponse) {
  const auto m = parse_ok(read_okx_fixture("subscribe_error_response.json"));
  ASSERT_EQ(m.what, okx_message::kind::control);
  EXPECT_EQ(m.control.what, okx_control::kind::error);
  EXPECT_EQ(m.control.code, "60012");
  EXPECT_EQ(m.control.message,
            R"(Invalid request: {"op": "subscribe", "argss":[{ "channel" : "books", "instId" : "BTC-USD-191227"}]})");
}

TEST(OkxParser, ServiceUpgradeNotice) {
  const auto m = parse_ok(read_okx_fixture("notice_service_upgrade.json"));
  ASSERT_EQ(m.what, okx_message::kind::control);
  EXPECT_EQ(m.control.what, okx_control::kind::notice);
  EXPECT_EQ(m.control.code, "64008");
  EXPECT_EQ(m.control.message, "The connection will soon be closed for a service upgrade. Please reconnect.");
}

TEST(OkxParser, SubscribeRequestsAreControl) {
  for (const char* f : {"books_subscribe_request.json", "tickers_subscribe_request.json",
                        "trades_subscribe_request.json", "candle1D_subscribe_request.json"}) {
    const auto m = parse_ok(read_okx_fixture(f));
    EXPECT_EQ(m.what, okx_message::kind::control) << f;
    EXPECT_EQ(m.control.what, okx_control::kind::request) << f;
    EXPECT_EQ(m.control.message, "subscribe") << f;
  }
}

// ---- field order, malformed input ----

TEST(OkxParser, DataBeforeArgIsReadOnASecondPass) {
  const auto m = parse_ok(
      R"({"data":[{"asks":[["2","1","0","1"]],"bids":[["1","1","0","1"]],"ts":"9","checksum":0,"prevSeqId":4,"seqId":5}],"action":"update","arg":{"instId":"ETH-USDT","channel":"books"}})");
  ASSERT_EQ(m.what, okx_message::kind::book);
  EXPECT_EQ(m.book.symbol, "ETH-USDT");
  EXPECT_FALSE(m.book.snapshot);
  EXPECT_EQ(m.book.seq_id, 5);
  EXPECT_EQ(m.book.prev_seq_id, 4);
  EXPECT_EQ(show(m.book.asks), show(levels({{"2", "1"}})));
}

TEST(OkxParser, TwoElementLevelsAreAccepted) {
  const auto m = parse_ok(
      R"({"arg":{"channel":"books","instId":"ETH-USDT"},"action":"update","data":[{"asks":[["2.50","0"]],"bids":[],"ts":"9","prevSeqId":4,"seqId":5}]})");
  EXPECT_EQ(show(m.book.asks), show(levels({{"2.50", "0"}})));  // exact wire text kept
}

TEST(OkxParser, BrokenBookMessageIsAttributedToItsBook) {
  auto err = parse_bad(R"({"arg":{"channel":"books","instId":"ETH-USDT"},"action":"update","data":[{"asks":[["oops)");
  EXPECT_TRUE(err.book);
  EXPECT_EQ(err.symbol, "ETH-USDT");
  err = parse_bad(
      R"({"arg":{"channel":"books","instId":"ETH-USDT"},"action":"update","data":[{"asks":[["1e5","1"]],"bids":[],"prevSeqId":1,"seqId":2}]})");
  EXPECT_TRUE(err.book);
  EXPECT_EQ(err.symbol, "ETH-USDT");
  err = parse_bad(R"({"arg":{"channel":"trades","instId":"ETH-USDT"},"data":[{"px":"1"}]})");
  EXPECT_FALSE(err.book);
  EXPECT_EQ(err.symbol, "ETH-USDT");
}

TEST(OkxParser, MalformedInputIsAnError) {
  const std::vector<std::string> bad = {
      "",
      "ping pong",
      "[1,2]",
      "{",
      R"({"arg":{"channel":"books","instId":"A-B"},"data":[]})",  // no action, no book
      R"({"arg":{"channel":"books","instId":"A-B"},"action":"update","data":[{"asks":[],"bids":[],"prevSeqId":1}]})",
      R"({"arg":{"channel":"books","instId":"A-B"},"action":"update","data":[{"asks":[],"bids":[],"seqId":"2","prevSeqId":1}]})",
      R"({"arg":{"channel":"books","instId":"A-B"},"action":"update","data":[{"asks":[["1"]],"bids":[],"seqId":2,"prevSeqId":1}]})",
      R"({"arg":{"channel":"books","instId":"A-B"},"action":"update","data":[{"asks":[["1","-2"]],"bids":[],"seqId":2,"prevSeqId":1}]})",
      R"({"arg":{"channel":"books","instId":"A-B"},"action":"update","data":[{"asks":[],"bids":[],"seqId":2,"prevSeqId":1,"checksum":9999999999}]})",
      R"({"arg":{"channel":"books","instId":"A-B"},"action":"nope","data":[{"asks":[],"bids":[],"seqId":2,"prevSeqId":1}]})",
      R"({"arg":{"channel":"trades","instId":"A-B"},"data":[{"tradeId":"1","px":"1","sz":"1","side":"up","ts":"1"}]})",
      R"({"arg":{"channel":"trades","instId":"A-B"},"data":[{"tradeId":"1","px":"","sz":"1","side":"buy","ts":"1"}]})",
      R"({"arg":{"channel":"tickers","instId":"A-B"},"data":[{"last":"1","ts":"x"}]})",
      R"({"arg":{"channel":"candle7m","instId":"A-B"},"data":[["1","1","1","1","1","1","1","1","0"]]})",
      R"({"arg":{"channel":"candle1m","instId":"A-B"},"data":[["1","1","1"]]})",
      R"({"arg":{"channel":"candle1m","instId":"A-B"},"data":[["1","1","1","1","1","1","1","1","2"]]})",
      R"({"arg":{"channel":"mystery","instId":"A-B"},"data":[{}]})",
      R"({"arg":{"channel":"tickers","instId":"A-B"}})",
      R"({"arg":{"channel":"tickers","instId":"A-B"},"data":[]} x)",
      R"({"connId":"1"})",
  };
  for (const auto& text : bad) parse_bad(text);
}

TEST(OkxParser, ParserIsReusedAcrossMessages) {
  okx_parser p;
  okx_message m;
  okx_parse_error err;
  ASSERT_TRUE(p.parse(read_okx_fixture("books_snapshot.json"), recv, m, err));
  EXPECT_EQ(m.book.bids.size(), 8u);
  ASSERT_FALSE(p.parse("{", recv, m, err));
  ASSERT_TRUE(p.parse(read_okx_fixture("trades.json"), recv, m, err)) << err.reason;
  ASSERT_EQ(m.events.size(), 1u);
  ASSERT_TRUE(p.parse(read_okx_fixture("books_update.json"), recv, m, err));
  EXPECT_EQ(m.book.bids.size(), 8u);  // levels replaced, not appended
  EXPECT_TRUE(m.events.empty());
}

// ---- the decoder (tools) ----

TEST(OkxDecoder, EveryFixtureDecodes) {
  struct expectation {
    const char* file;
    std::size_t events;
  };
  const expectation all[] = {
      {"bbo-tbt.json", 1},
      {"books5.json", 1},
      {"books_snapshot.json", 1},
      {"books_subscribe_request.json", 0},
      {"books_subscribe_response.json", 0},
      {"books_update.json", 1},
      {"candle1D.json", 1},
      {"candle1D_subscribe_request.json", 0},
      {"notice_service_upgrade.json", 0},
      {"subscribe_error_response.json", 0},
      {"tickers.json", 1},
      {"tickers_subscribe_request.json", 0},
      {"trades.json", 1},
      {"trades_subscribe_request.json", 0},
  };
  auto dec = make_okx_decoder();
  for (const auto& e : all) {
    std::string msg = minify(read_okx_fixture(e.file));
    const std::size_t size = msg.size();
    msg.append(64, '\0');
    std::vector<event> out;
    std::string error;
    EXPECT_TRUE(dec->decode(std::string_view(msg.data(), size), recv, out, error)) << e.file << ": " << error;
    EXPECT_EQ(out.size(), e.events) << e.file;
  }
}

TEST(OkxDecoder, BookMessagesShowAsSnapshotAndDelta) {
  auto dec = make_okx_decoder();
  std::vector<event> out;
  std::string error;
  std::string snap = minify(read_okx_fixture("books_snapshot.json"));
  std::string upd = minify(read_okx_fixture("books_update.json"));
  const auto n1 = snap.size(), n2 = upd.size();
  snap.append(64, '\0');
  upd.append(64, '\0');
  ASSERT_TRUE(dec->decode(std::string_view(snap.data(), n1), recv, out, error));
  ASSERT_TRUE(dec->decode(std::string_view(upd.data(), n2), recv, out, error));
  ASSERT_EQ(out.size(), 2u);
  const auto& s = std::get<book_update>(out[0]);
  const auto& d = std::get<book_update>(out[1]);
  EXPECT_TRUE(s.snapshot);
  EXPECT_EQ(s.sequence, 123456u);
  EXPECT_FALSE(d.snapshot);
  EXPECT_EQ(d.first_sequence, 123457u);  // prevSeqId + 1
  EXPECT_EQ(d.sequence, 123457u);
  EXPECT_EQ(d.symbol, "BTC-USDT");
  std::string pong = "pong";
  pong.append(64, '\0');
  EXPECT_TRUE(dec->decode(std::string_view(pong.data(), 4), recv, out, error));
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(dec->decode(std::string_view(pong.data(), 3), recv, out, error));  // "pon"
}

}  // namespace
}  // namespace mdfan::adapters
