// The built mdfan binary: exit status and messages for bad usage, --help and --version.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace mdfan::test {
namespace {

struct result {
  int status;
  std::string output;  // stdout and stderr together
};

result run_mdfan(std::vector<std::string> args, std::vector<std::string> env = {}) {
  static int n = 0;
  const auto log = make_temp_dir("app-cli") + "/out-" + std::to_string(n++) + ".log";
  args.insert(args.begin(), MDFAN_BINARY);
  child_process p(std::move(args), log, std::move(env));
  const int status = p.wait(std::chrono::seconds(20));
  return {status, read_file(log)};
}

TEST(MdfanBinary, BadFlagValueExitsWithTwoAndNamesTheSetting) {
  auto r = run_mdfan({"--role", "host", "--redis-port", "70000"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("error: --redis-port (command line): \"70000\" is not a port number"), std::string::npos)
      << r.output;
}

TEST(MdfanBinary, BadEnvironmentValueExitsWithTwo) {
  auto r = run_mdfan({"--role", "executor"}, {"REDIS_DB=abc"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("REDIS_DB (environment)"), std::string::npos) << r.output;
}

TEST(MdfanBinary, UnknownFlagExitsWithTwo) {
  auto r = run_mdfan({"--no-such-flag"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--no-such-flag"), std::string::npos) << r.output;
}

TEST(MdfanBinary, HelpExitsWithZero) {
  auto r = run_mdfan({"--help"});
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* want : {"--role", "--redis-url", "--listen", "REDIS_URL", "sim", "decode"}) {
    EXPECT_NE(r.output.find(want), std::string::npos) << want;
  }
}

TEST(MdfanBinary, VersionExitsWithZero) {
  auto r = run_mdfan({"--version"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("mdfan ", 0), 0U) << r.output;
}

TEST(MdfanBinary, DecodeOfAMissingFileFails) {
  auto r = run_mdfan({"decode", "--exchange", "binance", "/nonexistent/feed.jsonl"});
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/feed.jsonl"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mdfan::test
