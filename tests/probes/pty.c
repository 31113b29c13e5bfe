/*
 * pty: pseudo-terminals through /dev/ptmx. posix_openpt, grantpt, unlockpt (TIOCSPTLCK), ptsname (TIOCGPTN), the
 * slave opened by path and by TIOCGPTPEER, TIOCGPTLCK, packet mode, line discipline, and a line written to the
 * master read back from the slave. Pty numbers differ between runs, so only their agreement is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

static void say(const char *what, long r)
{
    printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

int main(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    say("posix_openpt", master < 0 ? -1 : 0);
    if (master < 0) return 1;
    int locked = -1;
    say("TIOCGPTLCK", ioctl(master, TIOCGPTLCK, &locked));
    printf("locked before unlockpt: %d\n", locked);
    say("grantpt", grantpt(master));
    say("unlockpt", unlockpt(master));
    say("TIOCGPTLCK", ioctl(master, TIOCGPTLCK, &locked));
    printf("locked after: %d\n", locked);
    unsigned int n = 0;
    say("TIOCGPTN", ioctl(master, TIOCGPTN, &n));
    char *name = ptsname(master);
    char expected[64];
    snprintf(expected, sizeof expected, "/dev/pts/%u", n);
    printf("ptsname agrees with TIOCGPTN: %d\n", name != NULL && strcmp(name, expected) == 0);
    int slave = open(name, O_RDWR | O_NOCTTY);
    say("open slave", slave < 0 ? -1 : 0);
    printf("isatty(slave) %d isatty(master) %d\n", isatty(slave), isatty(master));
    int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    say("TIOCGPTPEER", peer < 0 ? -1 : 0);
    printf("peer close-on-exec: %d, a tty: %d\n", (fcntl(peer, F_GETFD) & FD_CLOEXEC) != 0, isatty(peer));
    int disc = -1;
    say("TIOCGETD", ioctl(slave, TIOCGETD, &disc));
    printf("line discipline %d\n", disc);
    int on = 1, pkt = -1;
    say("TIOCPKT", ioctl(master, TIOCPKT, &on));
    say("TIOCGPKT", ioctl(master, TIOCGPKT, &pkt));
    printf("packet mode %d\n", pkt);
    on = 0;
    ioctl(master, TIOCPKT, &on);
    struct termios tio;
    say("tcgetattr(slave)", tcgetattr(slave, &tio));
    printf("ICANON %d ECHO %d\n", (tio.c_lflag & ICANON) != 0, (tio.c_lflag & ECHO) != 0);
    tio.c_lflag &= ~ECHO;
    say("tcsetattr(slave)", tcsetattr(slave, TCSANOW, &tio));
    say("write master", write(master, "hello\n", 6));
    char buf[32] = { 0 };
    long got = read(peer, buf, sizeof buf - 1);
    say("read peer", got);
    printf("read: %s", buf);
    say("write slave", write(slave, "back\n", 5));
    memset(buf, 0, sizeof buf);
    got = read(master, buf, sizeof buf - 1);
    printf("master read %ld: %s", got, buf);
    /* Breaks: tcsendbreak with a duration is TCSBRKP in glibc (TCSBRK in musl); TIOCSBRK/TIOCCBRK take no argument */
    say("tcsendbreak(slave, 0)", tcsendbreak(slave, 0));
    say("tcsendbreak(slave, 1)", tcsendbreak(slave, 1));
    say("TCSBRKP 1", ioctl(slave, TCSBRKP, 1));
    say("TCSBRKP 0 (master)", ioctl(master, TCSBRKP, 0));
    say("TIOCSBRK", ioctl(slave, TIOCSBRK));
    say("TIOCCBRK", ioctl(slave, TIOCCBRK));
    say("tcdrain(slave)", tcdrain(slave));
    say("TCSBRKP on a pipe", ({ int p[2]; pipe(p); ioctl(p[0], TCSBRKP, 0); }));
    say("TIOCSBRK on a pipe", ({ int p[2]; pipe(p); ioctl(p[1], TIOCSBRK); }));
    say("ioctl TIOCGPTN on a pipe", ({ int p[2]; pipe(p); ioctl(p[0], TIOCGPTN, &n); }));
    return 0;
}
