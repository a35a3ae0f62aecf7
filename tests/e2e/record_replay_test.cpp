// `mdfan record` against the simulator, `mdfan decode` of the recording, and a hybrid instance
// replaying it (`--exchange replay:FILE`) to a WebSocket client: every trade the client gets is one
// the recording holds, with the exchange's exact price and size text, and books arrive synced.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <sstream>

#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

using namespace std::chrono_literals;
namespace t = mdfan::test;

namespace {

struct trade_text {
  std::string price, size;
};

// trade id -> price/size of every trade event in JSON lines (decode output or client frames).
void collect_trades(std::string_view json_line, std::map<std::string, trade_text>& out, std::size_t& books) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json_line);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return;
  std::string_view type, id, price, size;
  if (doc["type"].get_string().get(type)) return;
  if (type == "book") ++books;
  if (type != "trade") return;
  if (doc["id"].get_string().get(id) || doc["price"].get_string().get(price) || doc["size"].get_string().get(size))
    return;
  out[std::string(id)] = {std::string(price), std::string(size)};
}

}  // namespace

TEST(e2e, record_then_replay_serves_the_recorded_trades_exactly) {
  const std::string dir = t::make_temp_dir("record-replay");
  const std::uint16_t sim_port = t::free_port();
  t::child_process sim({MDFAN_BINARY, "sim", "--exchange", "coinbase", "--listen",
                        "127.0.0.1:" + std::to_string(sim_port), "--symbols", "BTC-USD", "--rate", "400"},
                       dir + "/sim.log");
  ASSERT_TRUE(t::wait_for_port(sim_port, 15s)) << t::read_file(dir + "/sim.log");

  const std::string rec = dir + "/coinbase.rec";
  t::child_process recorder({MDFAN_BINARY, "record", "--exchange", "coinbase", "--symbols", "BTC-USD", "--channels",
                             "trade,book", "--exchange-ws-url", "ws://127.0.0.1:" + std::to_string(sim_port),
                             "--out", rec, "--max-frames", "600", "--seconds", "30"},
                            dir + "/record.log");
  ASSERT_EQ(recorder.wait(45s), 0) << t::read_file(dir + "/record.log");
  sim.stop();

  // The recording decodes completely.
  t::child_process decoder({MDFAN_BINARY, "decode", "--exchange", "coinbase", rec}, dir + "/decoded.jsonl");
  ASSERT_EQ(decoder.wait(30s), 0) << t::read_file(dir + "/decoded.jsonl");
  std::map<std::string, trade_text> recorded;
  std::size_t recorded_books = 0;
  {
    std::istringstream lines(t::read_file(dir + "/decoded.jsonl"));
    for (std::string line; std::getline(lines, line);) collect_trades(line, recorded, recorded_books);
  }
  ASSERT_GT(recorded.size(), 10u) << "too few trades recorded";
  ASSERT_GT(recorded_books, 10u);

  // Replayed by a hybrid instance at a quarter of the recorded pace, so the client is there in time.
  t::redis_server redis;
  const std::uint16_t port = t::free_port();
  t::child_process replay({MDFAN_BINARY, "--role", "hybrid", "--listen", "127.0.0.1:" + std::to_string(port),
                           "--threads", "1", "--redis-url", redis.url(), "--exchange", "replay:" + rec,
                           "--replay-speed", "0.25"},
                          dir + "/replay.log");
  ASSERT_TRUE(t::wait_for_port(port, 15s)) << t::read_file(dir + "/replay.log");
  t::ws_client ws;
  ASSERT_TRUE(ws.connect(port)) << ws.error();
  ws.send(R"({"op":"subscribe","topics":["trade:coinbase:BTC-USD","book:coinbase:BTC-USD"],"id":1})");
  std::map<std::string, trade_text> served;
  std::size_t books = 0;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    auto frame = ws.read(500ms);
    if (!frame) {
      if (!ws.is_open()) break;
      if (served.size() > 5 && books > 5) break;  // enough, and the replay has gone quiet
      continue;
    }
    collect_trades(*frame, served, books);
  }
  EXPECT_GT(served.size(), 5u) << t::read_file(dir + "/replay.log");
  EXPECT_GT(books, 5u);
  for (const auto& [id, text] : served) {
    auto it = recorded.find(id);
    ASSERT_NE(it, recorded.end()) << "trade " << id << " is not in the recording";
    EXPECT_EQ(text.price, it->second.price) << id;
    EXPECT_EQ(text.size, it->second.size) << id;
  }
  // The client above is still open and not reading: the server's close handshake with it waits out
  // server.close_timeout (5 s) before the instance exits, so the grace must be longer than that.
  EXPECT_EQ(replay.stop(10s), 0) << t::read_file(dir + "/replay.log");
}
