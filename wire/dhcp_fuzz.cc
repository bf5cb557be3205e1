// libFuzzer target for the BOOTP/DHCP codec. For every input, under strict and
// lenient parse options:
//   parse never crashes; an error's offset lies within the input (or at its end);
//   when parse accepts x: emit(parse(x)) succeeds, parse(emit(parse(x))) == parse(x)
//   and emitting that again gives the same bytes; emitting into 576 octets with
//   overload, when it fits, parses back to the same message too;
//   each typed option decoder (43, 77, 82, 93, 94, 97, 175) that accepts a value
//   round-trips through its encoder.
// Any violation aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "wire/dhcp_message.h"
#include "wire/pxe_options.h"

namespace {

using namespace pxelab::wire;
using namespace pxelab::wire::dhcp;

void check(bool ok) {
  if (!ok) std::abort();
}

template <class T, class Decode, class Encode>
void typed_round_trip(ByteView data, Decode decode, Encode encode) {
  auto first = decode(data, 0);
  if (!first.ok()) return;
  pxelab::Result<Bytes> bytes = encode(*first);
  check(bytes.ok());
  auto second = decode(*bytes, 0);
  check(second.ok());
  check(*second == *first);
}

void check_typed_options(const Message& m) {
  for (const auto& o : m.options) {
    ByteView d = o.data;
    switch (o.code) {
      case code::kVendorSpecific:
        typed_round_trip<PxeVendorOptions>(d, decode_pxe_vendor_options, encode_pxe_vendor_options);
        break;
      case code::kUserClass:
        typed_round_trip<UserClass>(d, decode_user_class, encode_user_class);
        break;
      case code::kRelayAgentInfo:
        typed_round_trip<RelayAgentInfo>(d, decode_relay_agent_info, encode_relay_agent_info);
        break;
      case code::kIpxeEncapsulated:
        typed_round_trip<IpxeOptions>(d, decode_ipxe_options, encode_ipxe_options);
        break;
      case code::kClientArch:
        typed_round_trip<std::vector<std::uint16_t>>(d, decode_client_arch, [](const auto& v) {
          return pxelab::Result<Bytes>(encode_client_arch(v));
        });
        break;
      case code::kClientNdi:
        typed_round_trip<ClientNdi>(d, decode_client_ndi,
                                    [](const auto& v) { return pxelab::Result<Bytes>(encode_client_ndi(v)); });
        break;
      case code::kClientMachineId:
        typed_round_trip<ClientMachineId>(d, decode_client_machine_id, [](const auto& v) {
          return pxelab::Result<Bytes>(encode_client_machine_id(v));
        });
        break;
      default:
        break;
    }
  }
}

void run(ByteView input, const ParseOptions& po) {
  if (auto view = MessageView::make(input); view.ok() && view->has_magic_cookie()) {
    auto scan = scan_options(*view, po);
    check(scan.ok() || scan.error().offset <= input.size());
  }
  auto parsed = parse(input, po);
  if (!parsed.ok()) {
    check(parsed.error().offset <= input.size() && !parsed.error().field.empty());
    return;
  }
  const Message& m = *parsed;

  EmitOptions unlimited;
  unlimited.max_message_size = std::numeric_limits<std::size_t>::max();
  auto bytes = emit(m, unlimited);
  check(bytes.ok());
  auto again = parse(*bytes, po);
  check(again.ok());
  check(*again == m);
  auto bytes2 = emit(*again, unlimited);
  check(bytes2.ok() && *bytes2 == *bytes);

  EmitOptions small;  // 576, overload allowed
  if (auto packed = emit(m, small); packed.ok()) {
    check(packed->size() + kIpUdpOverhead <= small.max_message_size);
    auto back = parse(*packed, po);
    check(back.ok());
    check(*back == m);
  }

  check_typed_options(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView input(data, size);
  run(input, ParseOptions{});
  ParseOptions lenient;
  lenient.require_end = false;
  lenient.check_option_lengths = false;
  lenient.accept_vendor_specific_area = true;
  run(input, lenient);
  return 0;
}
