// Bybit v5: the parser (parse + normalize into events / book messages, decimals kept as their text)
// against a bare simdjson On-Demand extraction of the same fields, per message type.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/bybit/parser.hpp"
#include "bench_util.hpp"

namespace {

namespace od = simdjson::ondemand;
using mdfan::bench::padded_message;

padded_message wire(const char* file) { return mdfan::bench::minified("bybit", file); }

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  mdfan::adapters::bybit_parser parser;
  mdfan::adapters::bybit_message out;
  mdfan::adapters::bybit_parse_error err;
  for (auto _ : state) {
    const bool ok = parser.parse_padded(msg.view(), 1, out, err);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
    if (!ok) state.SkipWithError("parse failed");
  }
}

void run_simdjson(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  od::parser parser;
  for (auto _ : state) {
    od::document doc;
    if (parser.iterate(msg.view().data(), msg.size, msg.storage.size()).get(doc)) state.SkipWithError("bad json");
    od::value top;
    if (doc.get_value().get(top)) state.SkipWithError("bad json");
    benchmark::DoNotOptimize(mdfan::bench::walk_all(top));
  }
}

#define BYBIT_PAIR(type, file)                                                 \
  void bybit_##type##_mdfan(benchmark::State& s) { run_mdfan(s, file); }       \
  void bybit_##type##_simdjson(benchmark::State& s) { run_simdjson(s, file); } \
  BENCHMARK(bybit_##type##_mdfan)->Name("bybit/" #type "/mdfan");              \
  BENCHMARK(bybit_##type##_simdjson)->Name("bybit/" #type "/simdjson")

BYBIT_PAIR(book_snapshot, "orderbook_50_snapshot_linear.json");
BYBIT_PAIR(book_delta, "orderbook_50_delta_linear.json");
BYBIT_PAIR(trade, "publicTrade_linear.json");
BYBIT_PAIR(ticker_linear, "tickers_linear_perpetual.json");
BYBIT_PAIR(ticker_spot, "tickers_spot.json");
BYBIT_PAIR(kline, "kline_5_linear.json");
BYBIT_PAIR(pong, "pong_linear.json");

}  // namespace
