#pragma once
// Helpers of the OKX tests: its fixtures; the rest (minification, level lists, the fake session_io)
// is shared by every exchange's tests (support/exchange_test_util.hpp).
#include <string>

#include "support/exchange_test_util.hpp"

namespace mdfan::test {

inline std::string read_okx_fixture(const std::string& name) { return read_fixture("okx", name); }

}  // namespace mdfan::test
