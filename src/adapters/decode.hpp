#pragma once
// `mdfan decode`: recorded exchange messages in, normalized events out, for people and scripts.
#include <istream>
#include <ostream>
#include <string_view>

namespace mdfan {

// Reads raw exchange messages from `in` and writes each normalized event as one JSON line
// (encode_json) on `out`. The input is either one message per line (blank lines skipped) or a
// recording made by `mdfan record` (recognised by its first line). Book updates are shown as decoded
// (snapshots and deltas with the exchange's sequence fields), not synced. Control traffic
// (subscription replies, heartbeats, pongs, status) prints nothing. A message that fails to decode
// is reported on `err` as "line N: reason" (or "frame N: reason") and the rest are still decoded.
// Receive timestamps are 0 for plain lines (reproducible output) and the recorded ones for recordings.
// Returns 0 when every message decoded, 1 when some did not, 2 for an unknown or unsupported
// exchange or an unreadable recording.
int run_decode(std::string_view exchange, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace mdfan
