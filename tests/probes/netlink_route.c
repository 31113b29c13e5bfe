/* Route netlink sockets (Go's net.Interfaces, getifaddrs and `ip addr` read links and addresses through them). The
 * native run is the oracle; counts and names that differ between hosts are printed as facts about them.
 *
 *   read     socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), bind, getsockname; RTM_GETLINK and RTM_GETADDR dumps
 *            read to NLMSG_DONE: the loopback link ("lo", IFF_LOOPBACK) and 127.0.0.1 are seen, every message is
 *            well formed and carries the request's sequence number; other netlink protocols
 *   change   RTM_DELADDR for a link that does not exist, asked with sendto, write and sendmsg: prints the error the
 *            acknowledgement carries (under the runner the socket can change nothing: EPERM; natively as root ENODEV)
 * Build: musl-gcc -static -O1 (the layouts are written here: musl has no linux/ headers). */
#include "probe_common.h"
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define NETLINK_ROUTE_PROTOCOL 0
#define NETLINK_GENERIC_PROTOCOL 16
#define MSG_DONE 3
#define MSG_ERROR 2
#define REQUEST 0x1
#define ACK 0x4
#define DUMP 0x300
#define GET_LINK 18
#define GET_ADDR 22
#define DEL_ADDR 21
#define LINK_NAME 3
#define ADDR_LOCAL 2
#define ADDR_ADDRESS 1
#define LOOPBACK_FLAG 0x8

struct nl_header { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct nl_address { uint16_t family, pad; uint32_t pid, groups; };
struct link_info { uint8_t family, pad; uint16_t type; int32_t index; uint32_t flags, change; };
struct addr_info { uint8_t family, prefix, flags, scope; uint32_t index; };
struct attribute { uint16_t len, type; };

#define ALIGN4(n) (((n) + 3u) & ~3u)

enum send_way { WAY_SENDTO, WAY_WRITE, WAY_SENDMSG };

static long send_request(int s, uint16_t type, uint16_t flags, uint32_t seq, const void *body, size_t body_len, int way)
{
    char buf[64] = { 0 };
    struct nl_header *h = (struct nl_header *)buf;
    h->len = sizeof *h + body_len;
    h->type = type;
    h->flags = flags;
    h->seq = seq;
    memcpy(buf + sizeof *h, body, body_len);
    struct nl_address to = { .family = AF_NETLINK };
    if (way == WAY_WRITE) return syscall(SYS_write, s, buf, (long)h->len);
    if (way == WAY_SENDTO) return syscall(SYS_sendto, s, buf, (long)h->len, 0L, &to, (long)sizeof to);
    struct iovec iov = { buf, h->len };
    struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1 };
    return syscall(SYS_sendmsg, s, &m, 0L);
}

/* Reads a dump to NLMSG_DONE; calls visit for each data message. Returns the message count or -1 when malformed. */
static int read_dump(int s, uint32_t seq, void (*visit)(struct nl_header *))
{
    static char buf[65536];
    int count = 0;
    for (;;) {
        long n = syscall(SYS_recvfrom, s, buf, (long)sizeof buf, 0L, 0L, 0L);
        if (n <= 0) { printf("recv ret=%ld errno=%d\n", n, errno); return -1; }
        for (long off = 0; off + (long)sizeof(struct nl_header) <= n;) {
            struct nl_header *h = (struct nl_header *)(buf + off);
            if (h->len < sizeof *h || off + h->len > (unsigned long)n || h->seq != seq) { puts("malformed"); return -1; }
            if (h->type == MSG_DONE) return count;
            if (h->type == MSG_ERROR) { printf("dump_error=%d\n", *(int32_t *)(h + 1)); return -1; }
            visit(h);
            count++;
            off += ALIGN4(h->len);
        }
    }
}

static int saw_loopback_link, saw_loopback_address;

static void visit_link(struct nl_header *h)
{
    struct link_info *info = (struct link_info *)(h + 1);
    char *end = (char *)h + h->len;
    for (char *p = (char *)(info + 1); p + sizeof(struct attribute) <= end;) {
        struct attribute *a = (struct attribute *)p;
        if (a->len < sizeof *a) break;
        if (a->type == LINK_NAME && strcmp((char *)(a + 1), "lo") == 0 && (info->flags & LOOPBACK_FLAG)) saw_loopback_link = 1;
        p += ALIGN4(a->len);
    }
}

static void visit_address(struct nl_header *h)
{
    struct addr_info *info = (struct addr_info *)(h + 1);
    char *end = (char *)h + h->len;
    for (char *p = (char *)(info + 1); p + sizeof(struct attribute) <= end;) {
        struct attribute *a = (struct attribute *)p;
        if (a->len < sizeof *a) break;
        const unsigned char *v = (const unsigned char *)(a + 1);
        if (info->family == AF_INET && (a->type == ADDR_LOCAL || a->type == ADDR_ADDRESS) && v[0] == 127 && v[1] == 0 && v[2] == 0 && v[3] == 1)
            saw_loopback_address = 1;
        p += ALIGN4(a->len);
    }
}

static void read_cases(void)
{
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE_PROTOCOL);
    report("socket_route", s >= 0 ? 0 : s);
    struct nl_address me = { .family = AF_NETLINK };
    report("bind", bind(s, (struct sockaddr *)&me, sizeof me));
    struct nl_address name = { 0 };
    socklen_t length = sizeof name;
    report("getsockname", getsockname(s, (struct sockaddr *)&name, &length));
    printf("name_family=%d length=%u pid_nonzero=%d\n", name.family, length, name.pid != 0);

    struct link_info link = { .family = AF_UNSPEC };
    report("send_getlink", send_request(s, GET_LINK, REQUEST | DUMP, 1, &link, sizeof link, WAY_SENDTO) > 0 ? 0 : -1);
    int links = read_dump(s, 1, visit_link);
    printf("links_positive=%d loopback_link=%d\n", links > 0, saw_loopback_link);

    struct addr_info addr = { .family = AF_INET };
    report("write_getaddr", send_request(s, GET_ADDR, REQUEST | DUMP, 2, &addr, sizeof addr, WAY_WRITE) > 0 ? 0 : -1);
    int addresses = read_dump(s, 2, visit_address);
    printf("addresses_positive=%d loopback_address=%d\n", addresses > 0, saw_loopback_address);
    close(s);

    report("socket_route_dgram", (s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE_PROTOCOL)) >= 0 ? 0 : -1);
    close(s);
    report("socketpair_netlink", socketpair(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE_PROTOCOL, (int[2]){ 0 }));
}

static void change_cases(void)
{
    int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE_PROTOCOL);
    struct addr_info addr = { .family = AF_INET, .prefix = 32, .index = 0x7ffffff0 };
    static const char *const names[] = { "sendto_deladdr", "write_deladdr", "sendmsg_deladdr" };
    for (int way = WAY_SENDTO; way <= WAY_SENDMSG; way++) {
        long sent = send_request(s, DEL_ADDR, REQUEST | ACK, 7, &addr, sizeof addr, way);
        char buf[512];
        long n = recv(s, buf, sizeof buf, 0);
        struct nl_header *h = (struct nl_header *)buf;
        int error = n >= (long)(sizeof *h + sizeof(int32_t)) && h->type == MSG_ERROR ? *(int32_t *)(h + 1) : 1;
        printf("%s sent=%d ack_error=%d\n", names[way], sent > 0, error);
    }
    close(s);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "read") == 0) {
        read_cases();
    } else if (strcmp(mode, "change") == 0) {
        change_cases();
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
