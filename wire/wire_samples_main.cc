// pxelab_wire_samples OUT.pcap OUT.json
// Writes every reference frame of wire/samples.h to a classic pcap (Ethernet link type)
// and the expected tshark field values to JSON: [{"frame": 1, "name": ..., "fields":
// [[field, value], ...]}, ...]. Used by ci/e2e/test_tshark_agrees.py.
#include <cstdint>
#include <cstdio>
#include <string>

#include "wire/samples.h"

namespace {

void put32(std::FILE* f, std::uint32_t v) { std::fwrite(&v, 4, 1, f); }  // host order, as pcap allows
void put16(std::FILE* f, std::uint16_t v) { std::fwrite(&v, 2, 1, f); }

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s OUT.pcap OUT.json\n", argv[0]);
    return 2;
  }
  auto samples = pxelab::wire::l2l4_samples();
  for (auto& s : pxelab::wire::dhcp_samples()) samples.push_back(std::move(s));

  std::FILE* pcap = std::fopen(argv[1], "wb");
  std::FILE* json = std::fopen(argv[2], "w");
  if (!pcap || !json) {
    std::perror("pxelab_wire_samples: open");
    return 1;
  }
  put32(pcap, 0xa1b2c3d4);  // microsecond pcap
  put16(pcap, 2);
  put16(pcap, 4);
  put32(pcap, 0);
  put32(pcap, 0);
  put32(pcap, 65535);
  put32(pcap, 1);  // LINKTYPE_ETHERNET
  std::fprintf(json, "[\n");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    put32(pcap, static_cast<std::uint32_t>(i + 1));  // seconds: frame n at n s
    put32(pcap, 0);
    put32(pcap, static_cast<std::uint32_t>(s.frame.size()));
    put32(pcap, static_cast<std::uint32_t>(s.frame.size()));
    std::fwrite(s.frame.data(), 1, s.frame.size(), pcap);
    std::fprintf(json, "  {\"frame\": %zu, \"name\": \"%s\", \"fields\": [", i + 1, json_escape(s.name).c_str());
    for (std::size_t j = 0; j < s.fields.size(); ++j) {
      std::fprintf(json, "%s[\"%s\", \"%s\"]", j ? ", " : "", json_escape(s.fields[j].first).c_str(),
                   json_escape(s.fields[j].second).c_str());
    }
    std::fprintf(json, "]}%s\n", i + 1 < samples.size() ? "," : "");
  }
  std::fprintf(json, "]\n");
  bool ok = std::fclose(pcap) == 0;
  ok = std::fclose(json) == 0 && ok;
  std::printf("wrote %zu frames\n", samples.size());
  return ok ? 0 : 1;
}
