/* Network-interface ioctls on sockets (SIOCGIF*, SIOCGIFCONF): what if_nametoindex, if_indextoname and ifconfig ask.
 * Mode "read" prints what the guest learns about the loopback interface, the edges of SIOCGIFCONF and the answers to
 * changes naming a missing interface (ENODEV or EPERM, as Linux orders its checks); Linux is the oracle. Mode
 * "change" (run under the runner only: natively as root it would change the host) asks for changes, which must
 * answer EPERM. Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static int lo_request(int s, unsigned long request, struct ifreq *ifr)
{
    memset(ifr, 0, sizeof *ifr);
    strcpy(ifr->ifr_name, "lo");
    return ioctl(s, request, ifr);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    struct ifreq ifr;
    if (strcmp(mode, "read") == 0) {
        unsigned index = if_nametoindex("lo");
        char name[IF_NAMESIZE] = "";
        printf("lo_index_found=%d indextoname=%s\n", index > 0, if_indextoname(index, name) ? name : "(null)");
        report("unknown_name", (long)if_nametoindex("nosuchif0") - 1);
        report("flags", lo_request(s, SIOCGIFFLAGS, &ifr));
        printf("loopback=%d up=%d\n", (ifr.ifr_flags & IFF_LOOPBACK) != 0, (ifr.ifr_flags & IFF_UP) != 0);
        report("flags_on_unix_socket", lo_request(u, SIOCGIFFLAGS, &ifr));
        report("address", lo_request(s, SIOCGIFADDR, &ifr));
        printf("lo_address=%s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
        report("netmask", lo_request(s, SIOCGIFNETMASK, &ifr));
        printf("lo_netmask=%s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr));
        report("mtu", lo_request(s, SIOCGIFMTU, &ifr));
        printf("lo_mtu=%d\n", ifr.ifr_mtu);
        report("index", lo_request(s, SIOCGIFINDEX, &ifr));
        printf("index_matches=%d\n", (unsigned)ifr.ifr_ifindex == index);
        memset(&ifr, 0, sizeof ifr);
        ifr.ifr_ifindex = (int)index;
        report("name_of_index", ioctl(s, SIOCGIFNAME, &ifr));
        printf("name=%s\n", ifr.ifr_name);
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "nosuchif0");
        report("flags_of_unknown", ioctl(s, SIOCGIFFLAGS, &ifr));

        struct ifconf conf = { 0 };
        report("conf_size", ioctl(s, SIOCGIFCONF, &conf));
        int needed = conf.ifc_len;
        printf("conf_size_positive=%d whole_records=%d\n", needed > 0, needed % (int)sizeof(struct ifreq) == 0);
        char buffer[8192];
        conf.ifc_len = sizeof buffer;
        conf.ifc_buf = buffer;
        report("conf_full", ioctl(s, SIOCGIFCONF, &conf));
        int has_lo = 0;
        for (int i = 0; i + (int)sizeof(struct ifreq) <= conf.ifc_len; i += sizeof(struct ifreq))
            has_lo |= strcmp(((struct ifreq *)(buffer + i))->ifr_name, "lo") == 0;
        printf("conf_len_is_size=%d conf_has_lo=%d buf_kept=%d\n", conf.ifc_len == needed, has_lo, conf.ifc_buf == buffer);
        conf.ifc_len = sizeof(struct ifreq) + 7;
        report("conf_one", ioctl(s, SIOCGIFCONF, &conf));
        printf("conf_one_len=%d\n", conf.ifc_len);
        conf.ifc_len = 0;
        report("conf_zero", ioctl(s, SIOCGIFCONF, &conf));
        printf("conf_zero_len=%d\n", conf.ifc_len);
        conf.ifc_len = -5;
        report("conf_negative", ioctl(s, SIOCGIFCONF, &conf));
        printf("conf_negative_len=%d\n", conf.ifc_len);

        char *page = page_then_hole();
        conf.ifc_len = sizeof buffer;
        conf.ifc_buf = page + 4096;
        report("conf_into_hole", ioctl(s, SIOCGIFCONF, &conf));
        report("conf_struct_in_hole", ioctl(s, SIOCGIFCONF, (struct ifconf *)(page + 4096)));
        report("flags_request_in_hole", ioctl(s, SIOCGIFFLAGS, page + 4096 - 8));
        /* Changes naming a missing interface: Linux looks the name up first (device-private and WAN requests for
         * anyone, the others after the CAP_NET_ADMIN check), so they answer ENODEV, or EPERM without the capability. */
        static const struct { const char *name; unsigned long request; } missing[] = {
            { "tunnel_on_missing", 0x89F1 /* SIOCADDTUNNEL */ }, { "wan_on_missing", 0x894A /* SIOCWANDEV */ },
            { "set_mtu_on_missing", SIOCSIFMTU }, { "set_flags_on_missing", SIOCSIFFLAGS },
            { "set_name_on_missing", SIOCSIFNAME }, { "set_txqlen_on_missing", SIOCSIFTXQLEN },
        };
        for (unsigned i = 0; i < sizeof missing / sizeof missing[0]; i++) {
            memset(&ifr, 0, sizeof ifr);
            strcpy(ifr.ifr_name, "nosuchgre0");
            report(missing[i].name, ioctl(s, missing[i].request, &ifr));
        }
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "nosuchgre0");
        report("tunnel_on_missing_unix", ioctl(u, 0x89F1, &ifr));
        report("tunnel_request_in_hole", ioctl(s, 0x89F1, page + 4096 - 8));
        int p[2];
        pipe(p);
        report("flags_on_pipe", lo_request(p[0], SIOCGIFFLAGS, &ifr));
        report("conf_on_pipe", ioctl(p[0], SIOCGIFCONF, &conf));
    } else {
        /* Each of these would change the host's network as root: the runner must refuse them all. */
        lo_request(s, SIOCGIFMTU, &ifr);
        report("set_mtu", ioctl(s, SIOCSIFMTU, &ifr));
        lo_request(s, SIOCGIFFLAGS, &ifr);
        report("set_flags", ioctl(s, SIOCSIFFLAGS, &ifr));
        lo_request(s, SIOCGIFADDR, &ifr);
        report("set_address", ioctl(s, SIOCSIFADDR, &ifr));
        report("delete_route", ioctl(s, SIOCDELRT, &ifr));
        report("net_namespace", ioctl(s, 0x894C /* SIOCGSKNS */, 0));
        report("device_private", ioctl(s, 0x89F0 /* SIOCDEVPRIVATE */, &ifr));
    }
    puts("done");
    return 0;
}
