// The answer diff: what the field server answered a request against what the new
// server answered the same request, field by field and option by option, under
// explicit rules of what may differ and what may not. Pure functions over two
// answers; the decisive difference (the first the rules forbid, by rank) comes first.
//
// May differ (another server, another site, the same behaviour): the address within
// the pool (yiaddr's value), lease times (51, 58, 59), the server's identity and
// addresses (54, siaddr's value, the source IP), the network configuration a site
// sets (1, 3, 6, 12, 15, 28, 42), option order, TFTP transfer ids, tsize (the file
// may be another build) and the byte/block counts that follow from it.
// May not: whether there is an answer and its type, reply addressing (broadcast or
// unicast, ports: RFC 2131 §4.1, PXE 2.1 §2.2.6 for 4011), siaddr and yiaddr
// presence, the boot file (file and 67), 43, 60, 66/sname, the flags echoed, any
// other option present on one side only or with other content, the TFTP options a
// server accepted and their values (RFC 2347), TFTP error codes and how the transfer
// ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conformance/replay/replay_script.h"

namespace pxelab::conformance::replay {

enum class Rule : std::uint8_t { kMayDiffer, kMustMatch };
std::string_view to_string(Rule rule);

struct FieldDiff {
  std::string field;        // "answer", "option 43", "reply destination", "tftp oack blksize"
  std::string field_value;  // as the field server sent it ("(absent)", "(no answer)")
  std::string new_value;    // as the new server sent it
  Rule rule = Rule::kMustMatch;
  std::string why;          // the rule: "a PXE ROM parses 43 for its boot menu (PXE 2.1 §2.4)"
  int rank = 0;             // lower: more decisive
};

struct AnswerDiff {
  std::vector<FieldDiff> differences;  // kMustMatch by rank, then kMayDiffer by rank
  // The first difference the rules forbid; nullptr when the answers agree where they must.
  const FieldDiff* decisive() const;
  std::size_t forbidden() const;
};

// nullptr: no answer on that side.
AnswerDiff diff_dhcp(const FieldAnswer* field, const FieldAnswer* now);
AnswerDiff diff_tftp(const TftpFieldAnswer& field, const TftpFieldAnswer& now);

// How a reply was addressed, as a category that another server must match:
// "broadcast", "unicast to yiaddr", "unicast to ciaddr", "unicast to giaddr",
// "unicast to 192.0.2.9"; with the ports: "broadcast :67 -> :68".
std::string addressing(const FieldAnswer& a);

}  // namespace pxelab::conformance::replay
