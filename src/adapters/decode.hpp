#pragma once
// `mdfan decode`: recorded exchange messages in, normalized events out, for people and scripts.
#include <istream>
#include <ostream>
#include <string_view>

namespace mdfan {

// Reads raw exchange messages from `in`, one per line (blank lines skipped), and writes each
// normalized event as one JSON line (encode_json) on `out`. Depth diffs, which become events only
// once a book is synced, are shown as the book_update delta they would produce (snapshot=false,
// first_seq = U, seq = u). Control traffic (subscription replies, errors, serverShutdown, requests)
// prints nothing. A line that fails to decode is reported on `err` as "line N: reason" and the
// rest are still decoded. receive timestamps are 0, so the output is reproducible.
// Returns 0 when every line decoded, 1 when some did not, 2 for an unknown or unsupported exchange.
int run_decode(std::string_view exchange, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace mdfan
