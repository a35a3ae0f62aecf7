// `--exchange replay:FILE`: a recording fed through the exchange's parser by replay_adapter.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "adapters/recording.hpp"
#include "adapters/registry.hpp"
#include "adapters/replay.hpp"
#include "core/codec.hpp"
#include "support/process.hpp"

namespace mdfan::adapters {
namespace {

std::string fixture(const std::string& file) {
  std::ifstream in(std::string(MDFAN_FIXTURES_DIR) + "/binance/" + file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct collected {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> json;
  void add(event&& ev) {
    std::string s;
    encode_json(ev, s);
    std::lock_guard lock(mu);
    json.push_back(std::move(s));
    cv.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::seconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return json.size() >= n; });
  }
};

// Writes a Binance recording of the given fixture files, 100 ms apart.
std::string record(const std::vector<std::string>& files, const std::string& tag) {
  const std::string path = test::make_temp_dir(tag) + "/binance.rec";
  std::ofstream out(path, std::ios::binary);
  recording_writer w(out, recording_header{exchange_id::binance, {"BNBBTC"}, 1'000'000'000});
  std::int64_t t = 1'000'000'000;
  for (const auto& f : files) {
    w.write("binance", fixture(f), t);
    t += 100'000'000;
  }
  return path;
}

TEST(Replay, EmitsWhatTheParserDecodesExceptUnverifiableBookDeltas) {
  const std::vector<std::string> files{"trade.json", "aggTrade.json", "depth_diff_update.json", "bookTicker.json",
                                       "kline_1m.json", "subscribe_response.json"};
  const auto path = record(files, "replay-decode");

  // What the parser alone makes of the same frames.
  auto decoder = make_decoder(exchange_id::binance);
  std::vector<std::string> expected;
  std::string error;
  std::int64_t t = 1'000'000'000;
  for (const auto& f : files) {
    std::string buf = fixture(f);
    const auto size = buf.size();
    buf.append(64, '\0');
    std::vector<event> evs;
    ASSERT_TRUE(decoder->decode(std::string_view(buf.data(), size), t, evs, error)) << f << ": " << error;
    for (auto& ev : evs) {
      if (const auto* b = std::get_if<book_update>(&ev); b && !b->snapshot) continue;
      std::string s;
      encode_json(ev, s);
      expected.push_back(std::move(s));
    }
    t += 100'000'000;
  }
  ASSERT_EQ(expected.size(), 4u);  // trade, aggTrade, bookTicker, kline; the diff and the reply make none

  collected got;
  metrics_registry metrics;
  replay_config rc;
  rc.file = path;
  rc.speed = 0;
  replay_adapter a(rc, [&](event&& ev) { got.add(std::move(ev)); }, nullptr, metrics);
  EXPECT_EQ(a.exchange(), exchange_id::binance);
  a.start();
  ASSERT_TRUE(got.wait_for(expected.size(), std::chrono::seconds(10)));
  // The last frame (a subscription reply) makes no event: wait until every frame went through.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metrics.value("mdfan_replay_frames_total") < static_cast<std::int64_t>(files.size()) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  a.stop();
  EXPECT_EQ(got.json, expected);
  EXPECT_EQ(metrics.value("mdfan_replay_frames_total"), static_cast<std::int64_t>(files.size()));
}

TEST(Replay, KeepsTheRecordedPaceScaledBySpeed) {
  // 4 frames 100 ms apart at speed 2: the last is due 150 ms after the first.
  const auto path = record({"trade.json", "trade.json", "trade.json", "trade.json"}, "replay-pace");
  collected got;
  metrics_registry metrics;
  replay_config rc;
  rc.file = path;
  rc.speed = 2;
  replay_adapter a(rc, [&](event&& ev) { got.add(std::move(ev)); }, nullptr, metrics);
  const auto t0 = std::chrono::steady_clock::now();
  a.start();
  ASSERT_TRUE(got.wait_for(4, std::chrono::seconds(10)));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
  a.stop();
}

TEST(Replay, StopEndsALongReplayPromptly) {
  const auto path = record({"trade.json", "trade.json"}, "replay-stop");  // 100 ms apart
  collected got;
  metrics_registry metrics;
  replay_config rc;
  rc.file = path;
  rc.speed = 0.0001;  // the second frame is due in ~17 minutes
  replay_adapter a(rc, [&](event&& ev) { got.add(std::move(ev)); }, nullptr, metrics);
  a.start();
  ASSERT_TRUE(got.wait_for(1, std::chrono::seconds(10)));
  bool done = false;
  a.stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(got.json.size(), 1u);
}

TEST(Replay, RejectsFilesThatAreNotRecordings) {
  const std::string path = test::make_temp_dir("replay-bad") + "/x.rec";
  std::ofstream(path) << fixture("trade.json");
  metrics_registry metrics;
  replay_config rc;
  rc.file = path;
  EXPECT_THROW(replay_adapter(rc, {}, nullptr, metrics), std::invalid_argument);
  EXPECT_THROW(recording_exchange(path), std::invalid_argument);
}

}  // namespace
}  // namespace mdfan::adapters
