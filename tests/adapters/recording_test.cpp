// The recording format (`mdfan record`, `--exchange replay:FILE`, `mdfan decode`) and the simulator's
// fault scripts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/recording.hpp"
#include "adapters/sim/simulator.hpp"
#include "support/process.hpp"

namespace mdfan::adapters {
namespace {

TEST(Recording, RoundTripsFramesByteForByte) {
  std::stringstream buf;
  recording_header h;
  h.exchange = exchange_id::kraken;
  h.symbols = {"BTC/USD", "ETH/USD"};
  h.started_ns = 1732262400000000000;
  {
    recording_writer w(buf, h);
    w.write("kraken#0", R"({"channel":"heartbeat"})", 1732262400000000001);
    w.write("kraken#1", std::string("line\nbreak and \0 nul", 20), 1732262400000000002);
    w.write("", "", 1732262400000000003);
    EXPECT_EQ(w.frames(), 3u);
  }
  std::string line;
  ASSERT_TRUE(std::getline(buf, line));
  recording_header parsed;
  std::string error;
  ASSERT_TRUE(recording_reader::parse_header(line, parsed, error)) << error;
  EXPECT_EQ(parsed.exchange, exchange_id::kraken);
  EXPECT_EQ(parsed.symbols, (std::vector<std::string>{"BTC/USD", "ETH/USD"}));
  EXPECT_EQ(parsed.started_ns, 1732262400000000000);

  recording_reader r(buf, parsed);
  recorded_frame f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.connection, "kraken#0");
  EXPECT_EQ(f.data, R"({"channel":"heartbeat"})");
  EXPECT_EQ(f.receive_ns, 1732262400000000001);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.connection, "kraken#1");
  EXPECT_EQ(f.data, std::string("line\nbreak and \0 nul", 20));
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.connection, "-");
  EXPECT_EQ(f.data, "");
  EXPECT_FALSE(r.next(f));
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST(Recording, ReaderFromFileReportsSizeAndPosition) {
  const auto dir = test::make_temp_dir("recording");
  const std::string path = dir + "/r.rec";
  {
    std::ofstream out(path, std::ios::binary);
    recording_writer w(out, recording_header{exchange_id::okx, {"BTC-USDT"}, 5});
    for (int i = 0; i < 10; ++i) w.write("okx#0", "pong", 100 + i);
  }
  recording_reader r(path);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.header().exchange, exchange_id::okx);
  recorded_frame f;
  int n = 0;
  while (r.next(f)) ++n;
  EXPECT_EQ(n, 10);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.position(), r.total());
}

TEST(Recording, DamagedRecordsAreReportedWithTheFrameNumber) {
  recording_header h{exchange_id::bybit, {}, 0};
  {
    std::stringstream buf("12 bybit#0 5\nabcde\n13 bybit#0 50\nshort\n");
    recording_reader r(buf, h);
    recorded_frame f;
    EXPECT_TRUE(r.next(f));
    EXPECT_FALSE(r.next(f));
    EXPECT_NE(r.error().find("frame 2: truncated"), std::string::npos) << r.error();
  }
  {
    std::stringstream buf("not a record line\n");
    recording_reader r(buf, h);
    recorded_frame f;
    EXPECT_FALSE(r.next(f));
    EXPECT_NE(r.error().find("frame 1: bad record line"), std::string::npos) << r.error();
  }
}

TEST(Recording, HeaderErrors) {
  recording_header h;
  std::string error;
  EXPECT_FALSE(recording_reader::parse_header("{\"e\":\"trade\"}", h, error));
  EXPECT_NE(error.find("not an mdfan recording"), std::string::npos);
  EXPECT_FALSE(recording_reader::parse_header("# mdfan recording v1 exchange=nasdaq", h, error));
  EXPECT_NE(error.find("unknown exchange 'nasdaq'"), std::string::npos);
  EXPECT_FALSE(recording_reader::parse_header("# mdfan recording v1 symbols=A", h, error));
  EXPECT_NE(error.find("no exchange"), std::string::npos);
  recording_reader missing(std::string("/nonexistent/x.rec"));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace mdfan::adapters

namespace mdfan::sim {
namespace {

TEST(FaultScript, ParsesEveryAction) {
  const auto s = parse_fault_script("500ms:drop,2s:skip:BTC-USD,3s:checksum,4s:malformed:ETH/USD,5s:silent:1500ms");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].what, scripted_fault::action::drop);
  EXPECT_EQ(s[0].at, std::chrono::milliseconds(500));
  EXPECT_EQ(s[1].what, scripted_fault::action::skip_sequence);
  EXPECT_EQ(s[1].symbol, "BTC-USD");
  EXPECT_EQ(s[1].at, std::chrono::seconds(2));
  EXPECT_EQ(s[2].what, scripted_fault::action::bad_checksum);
  EXPECT_EQ(s[2].symbol, "");
  EXPECT_EQ(s[3].what, scripted_fault::action::malformed);
  EXPECT_EQ(s[3].symbol, "ETH/USD");
  EXPECT_EQ(s[4].what, scripted_fault::action::silent);
  EXPECT_EQ(s[4].duration, std::chrono::milliseconds(1500));
  EXPECT_TRUE(parse_fault_script("").empty());
}

TEST(FaultScript, RejectsBadItemsNamingThem) {
  const auto rejects = [](const char* script, const char* needle) {
    try {
      parse_fault_script(script);
      ADD_FAILURE() << script << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  rejects("5:drop", "needs a unit");
  rejects("5s:explode", "unknown action 'explode'");
  rejects("5s:silent", "silent needs a duration");
  rejects("5s:drop:now", "drop takes no argument");
  rejects("xs:drop", "bad time");
  rejects("drop", "expected TIME:ACTION");
}

}  // namespace
}  // namespace mdfan::sim
