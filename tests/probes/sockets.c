/* Sockets (issue 14's Go programs and issue 11's suites need them): host sockets behind guest descriptors. The native
 * run is the oracle; values that differ between runs (ports, descriptor numbers) are printed as facts about them.
 *
 *   unix       socketpair: send/recv, MSG_DONTWAIT on an empty socket, SCM_RIGHTS passing a pipe end that the
 *              receiver then reads from, MSG_PEEK, shutdown, sendmsg/recvmsg with two iovecs
 *   inet       TCP on 127.0.0.1: bind to port 0, listen, getsockname, a forked child connects and writes, accept4 with
 *              SOCK_CLOEXEC, getpeername, setsockopt/getsockopt; UDP sendto/recvfrom with the sender's address
 *   hostile    an address longer than sockaddr_storage, unreadable addresses and buffers, a negative option length,
 *              an unknown family, a non-socket descriptor, receiving into unmapped memory
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

static void unix_cases(void)
{
    int sv[2];
    report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    report("send", send(sv[0], "hello", 5, 0));
    char buf[64] = { 0 };
    report("recv_peek", recv(sv[1], buf, sizeof buf, MSG_PEEK));
    report("recv", recv(sv[1], buf, sizeof buf, 0));
    printf("got=%.5s\n", buf);
    report("recv_dontwait_empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));

    int p[2];
    pipe(p);
    write(p[1], "through", 7);
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
    struct msghdr m = { 0 };
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    report("sendmsg_rights", sendmsg(sv[0], &m, 0));
    close(p[0]);

    char in1[3] = { 0 }, in2[8] = { 0 };
    struct iovec riov[2] = { { in1, 3 }, { in2, sizeof in2 } };
    char rcontrol[CMSG_SPACE(sizeof(int))];
    struct msghdr r = { 0 };
    r.msg_iov = riov;
    r.msg_iovlen = 2;
    r.msg_control = rcontrol;
    r.msg_controllen = sizeof rcontrol;
    report("recvmsg_rights", recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC));
    printf("data=%.3s|%.1s controllen=%d flags=%d\n", in1, in2, (int)r.msg_controllen, r.msg_flags);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&r);
    if (rc && rc->cmsg_type == SCM_RIGHTS) {
        int got;
        memcpy(&got, CMSG_DATA(rc), sizeof got);
        char text[16] = { 0 };
        report("read_passed_fd", read(got, text, sizeof text));
        printf("passed=%s cloexec=%d\n", text, (fcntl(got, F_GETFD) & FD_CLOEXEC) != 0);
        close(got);
    }
    close(p[1]);

    report("shutdown_write", shutdown(sv[0], SHUT_WR));
    report("recv_after_shutdown", recv(sv[1], buf, sizeof buf, 0));
    report("shutdown_bad_how", shutdown(sv[0], 7));
    close(sv[0]);
    close(sv[1]);

    report("socketpair_dgram", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv));
    printf("cloexec=%d nonblock=%d\n", (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) != 0, (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
    report("send_dgram", send(sv[0], "0123456789", 10, 0));
    report("recv_dgram_trunc", recv(sv[1], buf, 4, MSG_TRUNC));
    report("recv_dgram_empty", recv(sv[1], buf, 4, 0));
}

static void inet_cases(void)
{
    int server = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_inet", server >= 0 ? 0 : -1);
    int one = 1;
    report("setsockopt_reuseaddr", setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    int value = 0;
    socklen_t vlen = sizeof value;
    report("getsockopt_reuseaddr", getsockopt(server, SOL_SOCKET, SO_REUSEADDR, &value, &vlen));
    printf("value=%d len=%d\n", value, (int)vlen);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    report("bind", bind(server, (struct sockaddr *)&a, sizeof a));
    report("listen", listen(server, 4));
    socklen_t alen = sizeof a;
    report("getsockname", getsockname(server, (struct sockaddr *)&a, &alen));
    printf("family=%d port_set=%d len=%d\n", a.sin_family, a.sin_port != 0, (int)alen);

    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) _exit(3);
        int nodelay = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
        write(c, "from child", 10);
        close(c);
        _exit(0);
    }
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int conn = accept4(server, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    report("accept4", conn >= 0 ? 0 : -1);
    printf("peer_family=%d peer_loopback=%d cloexec=%d\n", peer.sin_family, peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), (fcntl(conn, F_GETFD) & FD_CLOEXEC) != 0);
    char buf[32] = { 0 };
    int total = 0, n;
    while ((n = read(conn, buf + total, sizeof buf - 1 - total)) > 0) total += n;
    printf("read=%d text=%s\n", total, buf);
    struct sockaddr_in p2;
    socklen_t p2len = sizeof p2;
    report("getpeername", getpeername(conn, (struct sockaddr *)&p2, &p2len));
    int status;
    waitpid(child, &status, 0);
    printf("child=%d\n", WEXITSTATUS(status));
    close(conn);
    close(server);

    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in b = { 0 };
    b.sin_family = AF_INET;
    b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(u2, (struct sockaddr *)&b, sizeof b);
    socklen_t blen = sizeof b;
    getsockname(u2, (struct sockaddr *)&b, &blen);
    report("sendto", sendto(u1, "datagram", 8, 0, (struct sockaddr *)&b, sizeof b));
    struct sockaddr_in from;
    socklen_t flen = 4; /* shorter than the address: truncated, full length reported */
    memset(&from, 0x5a, sizeof from);
    report("recvfrom", recvfrom(u2, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    printf("flen=%d family=%d untouched=%d\n", (int)flen, from.sin_family, ((unsigned char *)&from)[4] == 0x5a);
    close(u1);
    close(u2);
}

static void hostile_cases(void)
{
    char *bad = page_then_hole() + 4096;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    char big[200] = { 0 };
    ((struct sockaddr_in *)big)->sin_family = AF_INET;
    report("bind_long_address", bind(s, (struct sockaddr *)big, 129));
    report("bind_negative_length", syscall(SYS_bind, s, big, -1L));
    report("bind_unreadable", bind(s, (struct sockaddr *)bad, sizeof(struct sockaddr_in)));
    report("connect_null", connect(s, NULL, sizeof(struct sockaddr_in)));
    report("sendto_bad_address_unreadable_buffer", syscall(SYS_sendto, s, bad, 16L, 0L, big, (long)sizeof(struct sockaddr_in)));
    struct sockaddr_in to = { 0 };
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    report("sendto_unreadable_buffer", syscall(SYS_sendto, s, bad, 16L, 0L, &to, (long)sizeof to));
    int value = 1;
    report("setsockopt_unreadable", syscall(SYS_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, bad, (long)sizeof value));
    int negative = -1;
    report("getsockopt_negative_length", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_REUSEADDR, &value, &negative));
    report("getsockopt_unreadable_length", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_REUSEADDR, &value, bad));
    report("getsockname_unwritable", syscall(SYS_getsockname, s, bad, &(socklen_t){ 16 }));
    report("socket_unknown_family", socket(12345, SOCK_STREAM, 0));
    report("listen_not_socket", listen(0, 1));
    report("listen_closed", listen(999, 1));
    report("recvmsg_unreadable_header", syscall(SYS_recvmsg, s, bad, (long)MSG_DONTWAIT));
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "xy", 2, 0);
    report("recv_into_unmapped", syscall(SYS_recvfrom, sv[1], bad, 2L, 0L, 0L, 0L));
    struct msghdr m = { 0 };
    struct iovec iov = { "z", 1 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    char control[CMSG_SPACE(sizeof(int))] = { 0 };
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int closed = 999;
    memcpy(CMSG_DATA(c), &closed, sizeof closed);
    report("sendmsg_rights_closed_fd", sendmsg(sv[0], &m, 0));
    m.msg_iovlen = 1025;
    m.msg_control = NULL;
    m.msg_controllen = 0;
    report("sendmsg_too_many_vectors", sendmsg(sv[0], &m, 0));
    close(sv[0]);
    close(sv[1]);
    close(s);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "unix") == 0) {
        unix_cases();
    } else if (strcmp(mode, "inet") == 0) {
        inet_cases();
    } else if (strcmp(mode, "hostile") == 0) {
        hostile_cases();
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
