// Streaming SHA-256 of a downloaded image (ClientOutcome::images[].sha256). Images are
// hashed as their blocks arrive and never kept whole: a storm of 10,000 clients
// fetching 1 MiB each must not hold 10 GiB. OpenSSL's libcrypto does the work (it
// uses the CPU's SHA extensions where present).
#pragma once

#include <memory>
#include <string>

#include "wire/bytes.h"

namespace pxelab::client {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  // A copy carries the running state (ImageHashCache hands out prefix states).
  Sha256(const Sha256& other);
  Sha256& operator=(const Sha256& other);

  void update(wire::ByteView data);
  // Lowercase hex of the digest of everything updated since construction or reset().
  std::string hex_digest() const;
  void reset();

  static std::string of(wire::ByteView data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pxelab::client
