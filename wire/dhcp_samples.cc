#include "wire/samples.h"

namespace pxelab::wire {

std::vector<Sample> dhcp_samples() {
  std::vector<Sample> out;
  return out;
}

}  // namespace pxelab::wire
