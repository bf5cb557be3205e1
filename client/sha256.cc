#include "client/sha256.h"

#include <openssl/evp.h>

#include "wire/text.h"

namespace pxelab::client {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { reset(); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256::Sha256(const Sha256& other) : impl_(std::make_unique<Impl>()) {
  EVP_MD_CTX_copy_ex(impl_->ctx, other.impl_->ctx);
}

Sha256& Sha256::operator=(const Sha256& other) {
  if (this != &other) {
    if (!impl_) impl_ = std::make_unique<Impl>();
    EVP_MD_CTX_copy_ex(impl_->ctx, other.impl_->ctx);
  }
  return *this;
}

void Sha256::reset() { EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr); }

void Sha256::update(wire::ByteView data) {
  if (!data.empty()) EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
}

std::string Sha256::hex_digest() const {
  // Finish on a copy so that the running state can go on.
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  EVP_MD_CTX_copy_ex(copy, impl_->ctx);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(copy, digest, &len);
  EVP_MD_CTX_free(copy);
  return wire::hex_octets(wire::ByteView(digest, len));
}

std::string Sha256::of(wire::ByteView data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

}  // namespace pxelab::client
