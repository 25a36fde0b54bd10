/* The addresses of a host-name member: A and AAAA queries over UDP to the
 * configured resolver (mxlbd's own service address gives exactly the
 * in-zone addresses). Only the wire format here; the loop sends and waits.
 * DPDK-free. */
#ifndef MXLB_HEALTH_DNS_H
#define MXLB_HEALTH_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define MXLB_HEALTH_DNS_MAX 1232 /* octets of a reply we read */

/* A query for NAME (presentation form, trailing dot optional) of TYPE (1
 * A, 28 AAAA) with ID into BUF. Returns its length, or -1 when NAME is not
 * a name or BUF is too small. */
int mxlb_health_dns_query(const char *name, uint16_t type, uint16_t id, uint8_t *buf, size_t len);

/* The reply BUF of LEN octets to the query ID for TYPE: appends the
 * addresses of the answer section (A or AAAA of TYPE; CNAMEs are followed by
 * the server, which lists their targets' records) to OUT (at most MAX, *N
 * so far). Returns the RCODE (0 NOERROR, 3 NXDOMAIN, ...), or -1 when it is
 * not a reply to that query or is malformed. */
int mxlb_health_dns_parse(const uint8_t *buf, size_t len, uint16_t id, uint16_t type,
			  struct sockaddr_storage *out, unsigned max, unsigned *n);

#endif
