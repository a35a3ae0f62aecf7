// Bybit v5: the parser (parse + normalize into events / book messages, decimals kept as their text;
// /general: the same with the fast path off) against a bare simdjson On-Demand walk of every field of
// the same message, per message type.
#include <benchmark/benchmark.h>

#include "adapters/bybit/parser.hpp"
#include "bench_util.hpp"

namespace {

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("bybit", file);
  mdfan::adapters::bybit_parser parser;
  mdfan::bench::run_parser<mdfan::adapters::bybit_parser, mdfan::adapters::bybit_message,
                           mdfan::adapters::bybit_parse_error>(state, parser, msg);
}

void run_general(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("bybit", file);
  mdfan::adapters::bybit_parser parser;
  mdfan::bench::run_parser_general<mdfan::adapters::bybit_parser, mdfan::adapters::bybit_message,
                                   mdfan::adapters::bybit_parse_error>(state, parser, msg);
}

void run_simdjson(benchmark::State& state, const char* file) {
  mdfan::bench::run_bare(state, mdfan::bench::minified("bybit", file));
}

#define MDFAN_BYBIT_PAIR(type, file)                                           \
  BENCHMARK_CAPTURE(run_mdfan, type, file)->Name("bybit/" #type "/mdfan");     \
  BENCHMARK_CAPTURE(run_general, type, file)->Name("bybit/" #type "/general"); \
  BENCHMARK_CAPTURE(run_simdjson, type, file)->Name("bybit/" #type "/simdjson")

MDFAN_BYBIT_PAIR(book_snapshot, "orderbook_50_snapshot_linear.json");
MDFAN_BYBIT_PAIR(book_delta, "orderbook_50_delta_linear.json");
MDFAN_BYBIT_PAIR(trade, "publicTrade_linear.json");
MDFAN_BYBIT_PAIR(ticker_linear, "tickers_linear_perpetual.json");
MDFAN_BYBIT_PAIR(ticker_spot, "tickers_spot.json");
MDFAN_BYBIT_PAIR(kline, "kline_5_linear.json");
MDFAN_BYBIT_PAIR(pong, "pong_linear.json");

}  // namespace
