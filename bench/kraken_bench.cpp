// Kraken WebSocket v2: the parser (parse + normalize into events / book entries, numbers kept as
// their text) against a bare simdjson On-Demand walk of every field of the same message, per type;
// "/general" is the parser with its fast path off.
#include <benchmark/benchmark.h>

#include "adapters/kraken/parser.hpp"
#include "bench_util.hpp"

namespace {

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("kraken", file);
  mdfan::adapters::kraken_parser parser;
  mdfan::bench::run_parser<mdfan::adapters::kraken_parser, mdfan::adapters::kraken_message,
                           mdfan::adapters::kraken_parse_error>(state, parser, msg);
}

void run_general(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("kraken", file);
  mdfan::adapters::kraken_parser parser;
  mdfan::bench::run_parser_general<mdfan::adapters::kraken_parser, mdfan::adapters::kraken_message,
                                   mdfan::adapters::kraken_parse_error>(state, parser, msg);
}

void run_simdjson(benchmark::State& state, const char* file) {
  mdfan::bench::run_bare(state, mdfan::bench::minified("kraken", file));
}

#define MDFAN_KRAKEN_PAIR(type, file)                                           \
  BENCHMARK_CAPTURE(run_mdfan, type, file)->Name("kraken/" #type "/mdfan");     \
  BENCHMARK_CAPTURE(run_general, type, file)->Name("kraken/" #type "/general"); \
  BENCHMARK_CAPTURE(run_simdjson, type, file)->Name("kraken/" #type "/simdjson")

MDFAN_KRAKEN_PAIR(book_snapshot, "book_snapshot.json");
MDFAN_KRAKEN_PAIR(book_update, "book_update.json");
MDFAN_KRAKEN_PAIR(ticker, "ticker_update.json");
MDFAN_KRAKEN_PAIR(trade, "trade_update.json");
MDFAN_KRAKEN_PAIR(ohlc, "ohlc_update.json");
MDFAN_KRAKEN_PAIR(heartbeat, "heartbeat.json");

}  // namespace
