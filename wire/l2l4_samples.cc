#include "wire/samples.h"

namespace pxelab::wire {

std::vector<Sample> l2l4_samples() {
  std::vector<Sample> out;
  return out;
}

}  // namespace pxelab::wire
