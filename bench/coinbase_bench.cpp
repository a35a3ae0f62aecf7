// Coinbase Advanced Trade: the parser (parse + normalize into events / book entries; "general": the
// fast path off, every message through simdjson) against a bare simdjson On-Demand walk of every
// field of the same message, per message type, on the sample messages minified as they come on the wire.
#include <benchmark/benchmark.h>

#include "adapters/coinbase/parser.hpp"
#include "bench_util.hpp"

namespace {

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("coinbase", file);
  mdfan::adapters::coinbase_parser parser;
  mdfan::bench::run_parser<mdfan::adapters::coinbase_parser, mdfan::adapters::coinbase_message,
                           mdfan::adapters::coinbase_parse_error>(state, parser, msg);
}

void run_general(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("coinbase", file);
  mdfan::adapters::coinbase_parser parser;
  mdfan::bench::run_parser_general<mdfan::adapters::coinbase_parser, mdfan::adapters::coinbase_message,
                                   mdfan::adapters::coinbase_parse_error>(state, parser, msg);
}

void run_simdjson(benchmark::State& state, const char* file) {
  mdfan::bench::run_bare(state, mdfan::bench::minified("coinbase", file));
}

#define MDFAN_COINBASE_PAIR(type, file)                                           \
  BENCHMARK_CAPTURE(run_mdfan, type, file)->Name("coinbase/" #type "/mdfan");     \
  BENCHMARK_CAPTURE(run_general, type, file)->Name("coinbase/" #type "/general"); \
  BENCHMARK_CAPTURE(run_simdjson, type, file)->Name("coinbase/" #type "/simdjson")

MDFAN_COINBASE_PAIR(level2, "level2_snapshot.json");
MDFAN_COINBASE_PAIR(ticker, "ticker_snapshot.json");
MDFAN_COINBASE_PAIR(market_trades, "market_trades_snapshot.json");
MDFAN_COINBASE_PAIR(candles, "candles_snapshot.json");
MDFAN_COINBASE_PAIR(heartbeats, "heartbeats.json");

}  // namespace
