// Binance Spot: the parser (parse + normalize into events, decimals kept as their text) against a
// bare simdjson On-Demand walk of every field of the same message, per message type.
#include <benchmark/benchmark.h>

#include "adapters/binance/parser.hpp"
#include "bench_util.hpp"

namespace {

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("binance", file);
  mdfan::adapters::binance_parser parser;
  mdfan::bench::run_parser<mdfan::adapters::binance_parser, mdfan::adapters::binance_message,
                           mdfan::adapters::binance_parse_error>(state, parser, msg);
}

void run_general(benchmark::State& state, const char* file) {
  const auto msg = mdfan::bench::minified("binance", file);
  mdfan::adapters::binance_parser parser;
  mdfan::bench::run_parser_general<mdfan::adapters::binance_parser, mdfan::adapters::binance_message,
                                   mdfan::adapters::binance_parse_error>(state, parser, msg);
}

void run_simdjson(benchmark::State& state, const char* file) {
  mdfan::bench::run_bare(state, mdfan::bench::minified("binance", file));
}

#define MDFAN_BINANCE_PAIR(type, file)                                           \
  BENCHMARK_CAPTURE(run_mdfan, type, file)->Name("binance/" #type "/mdfan");     \
  BENCHMARK_CAPTURE(run_general, type, file)->Name("binance/" #type "/general"); \
  BENCHMARK_CAPTURE(run_simdjson, type, file)->Name("binance/" #type "/simdjson")

MDFAN_BINANCE_PAIR(trade, "trade.json");
MDFAN_BINANCE_PAIR(agg_trade, "aggTrade.json");
MDFAN_BINANCE_PAIR(ticker_24h, "ticker_24hr.json");
MDFAN_BINANCE_PAIR(book_ticker, "bookTicker.json");
MDFAN_BINANCE_PAIR(depth_diff, "depth_diff_update.json");
MDFAN_BINANCE_PAIR(depth5_partial, "depth5_partial.json");
MDFAN_BINANCE_PAIR(kline, "kline_1m.json");

}  // namespace
