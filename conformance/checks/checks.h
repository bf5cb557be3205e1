// The check functions, one per catalogue row (catalogue.cc holds ids, levels and
// citations). Grouped by file: checks_dhcp.cc (server DHCP/BOOTP, relay),
// checks_pxe.cc (proxyDHCP, 4011, option 43, firmware interop), checks_tftp.cc,
// checks_client.cc (client behaviour, Wake-on-LAN, outcomes).
#pragma once

#include "conformance/checks/check.h"

namespace pxelab::conformance::checks {

// checks_dhcp.cc
void hdr_echo(const Analysis&, Judge&);
void offer_ciaddr(const Analysis&, Judge&);
void nak_fields(const Analysis&, Judge&);
void server_id(const Analysis&, Judge&);
void inform_ack(const Analysis&, Judge&);
void no_client_opts(const Analysis&, Judge&);
void client_id_echo(const Analysis&, Judge&);
void dest_rule(const Analysis&, Judge&);
void nak_bcast(const Analysis&, Judge&);
void init_reboot(const Analysis&, Judge&);
void select_other(const Analysis&, Judge&);
void renew(const Analysis&, Judge&);
void prl_offer(const Analysis&, Judge&);
void opt_format(const Analysis&, Judge&);
void overload_end(const Analysis&, Judge&);
void mask_before_router(const Analysis&, Judge&);
void max_size(const Analysis&, Judge&);
void t1_t2(const Analysis&, Judge&);
void bootp_reply(const Analysis&, Judge&);
void reply_padding(const Analysis&, Judge&);
void relay_82_echo(const Analysis&, Judge&);
void relay_hops(const Analysis&, Judge&);
void relay_delivery_rule(const Analysis&, Judge&);
void dup_offer(const Analysis&, Judge&);
void rogue(const Analysis&, Judge&);
void no_fragment(const Analysis&, Judge&);

// checks_pxe.cc
void proxy_offer(const Analysis&, Judge&);
void arch_file(const Analysis&, Judge&);
void boot_server_ack(const Analysis&, Judge&);
void boot_server_port(const Analysis&, Judge&);
void pxe43_consistent(const Analysis&, Judge&);
void proxy_window(const Analysis&, Judge&);
void server_id_proxy(const Analysis&, Judge&);
void proxy_delivery(const Analysis&, Judge&);
void siaddr(const Analysis&, Judge&);
void bootfile_nul(const Analysis&, Judge&);
void no_false_pxeclient(const Analysis&, Judge&);
void chainload_loop(const Analysis&, Judge&);
void menu_local(const Analysis&, Judge&);

// checks_tftp.cc
void tftp_new_tid(const Analysis&, Judge&);
void tftp_last_block(const Analysis&, Judge&);
void tftp_no_sorcerer(const Analysis&, Judge&);
void tftp_oack_only_asked(const Analysis&, Judge&);
void tftp_blksize(const Analysis&, Judge&);
void tftp_tsize(const Analysis&, Judge&);
void tftp_timeout(const Analysis&, Judge&);
void tftp_window(const Analysis&, Judge&);
void tftp_oack_format(const Analysis&, Judge&);
void tftp_error_final(const Analysis&, Judge&);
void tftp_rollover(const Analysis&, Judge&);
void tftp_path(const Analysis&, Judge&);
void tftp_oack_strict(const Analysis&, Judge&);
void tftp_blksize_mtu(const Analysis&, Judge&);
void tftp_dup_oack(const Analysis&, Judge&);
void tftp_blksize_honoured(const Analysis&, Judge&);

// checks_client.cc
void client_ident(const Analysis&, Judge&);
void client_retry(const Analysis&, Judge&);
void client_secs(const Analysis&, Judge&);
void client_opt_format(const Analysis&, Judge&);
void client_arch(const Analysis&, Judge&);
void tsize_probe(const Analysis&, Judge&);
void wol_magic(const Analysis&, Judge&);
void outcome_booted(const Analysis&, Judge&);
void outcome_code(const Analysis&, Judge&);

}  // namespace pxelab::conformance::checks
