// Binance Spot: the parser (parse + normalize into events, decimals kept as their text) against a
// bare simdjson On-Demand walk that extracts every field of the same message as views, per type.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/binance/parser.hpp"
#include "bench_util.hpp"

namespace {

namespace od = simdjson::ondemand;
using mdfan::bench::padded_message;

padded_message wire(const char* file) { return mdfan::bench::minified("binance", file); }

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  mdfan::adapters::binance_parser parser;
  mdfan::adapters::binance_message out;
  mdfan::adapters::binance_parse_error err;
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
    if (parser.iterate(msg.view().data(), msg.size, msg.storage.size()).get(doc)) {
      state.SkipWithError("iterate failed");
      break;
    }
    od::value root;
    if (doc.get_value().get(root)) {
      state.SkipWithError("bad document");
      break;
    }
    benchmark::DoNotOptimize(mdfan::bench::walk_all(root));
  }
}

#define MDFAN_BINANCE_PAIR(type, file)                                              \
  BENCHMARK_CAPTURE(run_mdfan, type, file)->Name("binance/" #type "/mdfan");       \
  BENCHMARK_CAPTURE(run_simdjson, type, file)->Name("binance/" #type "/simdjson")

MDFAN_BINANCE_PAIR(trade, "trade.json");
MDFAN_BINANCE_PAIR(agg_trade, "aggTrade.json");
MDFAN_BINANCE_PAIR(ticker_24h, "ticker_24hr.json");
MDFAN_BINANCE_PAIR(book_ticker, "bookTicker.json");
MDFAN_BINANCE_PAIR(depth_diff, "depth_diff_update.json");
MDFAN_BINANCE_PAIR(depth5_partial, "depth5_partial.json");
MDFAN_BINANCE_PAIR(kline, "kline_1m.json");

}  // namespace
