/* Fidelity (issue 11), calls real programs and test suites reach that once answered ENOSYS: the native run is the
 * oracle. One mode per topic:
 *
 *   memfd        memfd_create (flags, name bounds, bad pointers), seals, read/write, ftruncate, fstat, MAP_SHARED
 *                and MAP_PRIVATE mappings, the /proc/self/fd link
 *   utimes       utimes, utime, futimesat (NULL times, explicit times read back, bad pointers, bad microseconds,
 *                missing files, a directory descriptor)
 *   personality  query, PER_LINUX with flags, the flags read back, unknown personalities
 *   mmsg         sendmmsg and recvmmsg on a datagram socket pair: counts, msg_len written back, a bad vector
 *                part-way, MSG_WAITFORONE, a timeout, bad descriptors
 *   splice       splice and tee between pipes and files, vmsplice from guest memory, bad flags, descriptors and
 *                offsets
 *   pidfd        pidfd_open of itself, a child and a missing pid; pidfd_send_signal to a child; bad flags
 *   process_vm   process_vm_readv and process_vm_writev on itself: partial counts, bad vectors, other pids
 *   inotify      inotify_init1, add and remove watches, an event read back, bad flags and paths
 *   recv_fault   a stream receive into a buffer that faults keeps the data queued (EFAULT); a datagram is consumed
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <time.h>
#include <utime.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif

static void *unmapped(void)
{
    char *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, 4096);
    return p;
}

static void memfd_cases(void)
{
    int fd = syscall(SYS_memfd_create, "probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    report("memfd_create", fd >= 0 ? 0 : fd);
    report("memfd_cloexec", fcntl(fd, F_GETFD));
    report("memfd_write", write(fd, "hello memfd", 11));
    report("memfd_lseek", lseek(fd, 0, SEEK_SET));
    char back[16] = {0};
    report("memfd_read", read(fd, back, sizeof back));
    printf("read back: %s\n", back);
    report("memfd_ftruncate", ftruncate(fd, 8192));
    struct stat st;
    report("memfd_fstat", fstat(fd, &st));
    printf("size=%ld regular=%d nlink=%ld\n", (long)st.st_size, S_ISREG(st.st_mode), (long)st.st_nlink);
    char link[128] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    long n = readlink(path, link, sizeof link - 1);
    report("memfd_readlink", n);
    printf("link=%s\n", n > 0 ? link : "");
    char *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    report("memfd_mmap_shared", shared == MAP_FAILED ? -1 : 0);
    if (shared != MAP_FAILED)
    {
        printf("shared[0..4]=%.5s\n", shared);
        memcpy(shared + 4096, "via map", 7);
        char again[8] = {0};
        pread(fd, again, 7, 4096);
        printf("pread after store: %s\n", again);
        pwrite(fd, "WRITE", 5, 0);
        printf("map after pwrite: %.5s\n", shared);
    }
    char *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    report("memfd_mmap_private", private == MAP_FAILED ? -1 : 0);
    if (private != MAP_FAILED)
    {
        private[0] = 'p';
        char first = 0;
        pread(fd, &first, 1, 0);
        printf("private store stays private: file[0]=%c map[0]=%c\n", first, private[0]);
        munmap(private, 4096);
    }
    report("memfd_get_seals", fcntl(fd, F_GET_SEALS));
    report("memfd_add_seals_with_shared_map", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    if (shared != MAP_FAILED)
    {
        munmap(shared, 8192);
    }
    report("memfd_add_seals", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    report("memfd_get_seals_after", fcntl(fd, F_GET_SEALS));
    report("memfd_grow_sealed", ftruncate(fd, 16384));
    report("memfd_shrink_sealed", ftruncate(fd, 100));
    report("memfd_write_within", pwrite(fd, "x", 1, 10));
    report("memfd_write_past_end", pwrite(fd, "x", 1, 8192));
    report("memfd_seal_seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    report("memfd_add_after_seal", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    close(fd);

    fd = syscall(SYS_memfd_create, "nosealing", 0);
    report("memfd_no_cloexec", fcntl(fd, F_GETFD));
    report("memfd_get_seals_unsealable", fcntl(fd, F_GET_SEALS));
    report("memfd_add_seals_unsealable", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
    close(fd);
    int p[2];
    pipe(p);
    report("get_seals_pipe", fcntl(p[0], F_GET_SEALS));
    close(p[0]);
    close(p[1]);

    char name[300];
    memset(name, 'n', sizeof name);
    name[249] = 0;
    fd = syscall(SYS_memfd_create, name, 0);
    report("memfd_name_249", fd >= 0 ? 0 : fd);
    if (fd >= 0)
    {
        close(fd);
    }
    name[249] = 'n';
    name[250] = 0;
    report("memfd_name_250", syscall(SYS_memfd_create, name, 0));
    name[250] = 'n';
    name[299] = 0;
    report("memfd_name_long", syscall(SYS_memfd_create, name, 0));
    fd = syscall(SYS_memfd_create, "", 0);
    report("memfd_name_empty", fd >= 0 ? 0 : fd);
    if (fd >= 0)
    {
        close(fd);
    }
    report("memfd_name_null", syscall(SYS_memfd_create, NULL, 0));
    report("memfd_name_unmapped", syscall(SYS_memfd_create, unmapped(), 0));
    char *edge = page_then_hole();
    memset(edge + 4096 - 3, 'e', 3);
    report("memfd_name_runs_into_hole", syscall(SYS_memfd_create, edge + 4096 - 3, 0));
    report("memfd_bad_flags", syscall(SYS_memfd_create, "x", 0x100));
    report("memfd_bad_flags_high", syscall(SYS_memfd_create, "x", 0x80000000U));
    report("memfd_bad_flags_bad_name", syscall(SYS_memfd_create, NULL, 0x100));
}

static void print_times(const char *label, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
    {
        printf("%s stat failed errno=%d\n", label, errno);
        return;
    }
    printf("%s atime=%ld.%09ld mtime=%ld.%09ld\n", label, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void utimes_cases(void)
{
    char name[64];
    scratch_file(name);
    struct timeval tv[2] = {{1000000000, 123456}, {1100000000, 999999}};
    report("utimes_explicit", syscall(SYS_utimes, name, tv));
    print_times("utimes", name);
    report("utimes_now", syscall(SYS_utimes, name, NULL));
    tv[0].tv_usec = 1000000;
    report("utimes_usec_too_big", syscall(SYS_utimes, name, tv));
    tv[0].tv_usec = -1;
    report("utimes_usec_negative", syscall(SYS_utimes, name, tv));
    report("utimes_times_unmapped", syscall(SYS_utimes, name, unmapped()));
    char *edge = page_then_hole();
    report("utimes_times_cross_hole", syscall(SYS_utimes, name, edge + 4096 - 16));
    report("utimes_path_null", syscall(SYS_utimes, NULL, NULL));
    report("utimes_path_unmapped", syscall(SYS_utimes, unmapped(), NULL));
    report("utimes_missing", syscall(SYS_utimes, "/tmp/usermem-probe-missing/x", NULL));
    report("utimes_proc", syscall(SYS_utimes, "/proc/self/status", NULL));
    struct timespec ts[2] = {{1, 0}, {2, 1000000000}};
    report("utimensat_proc_bad_nsec", syscall(SYS_utimensat, AT_FDCWD, "/proc/self/status", ts, 0));
    tv[0].tv_usec = 0;
    tv[0].tv_sec = -5;
    report("utimes_negative_seconds", syscall(SYS_utimes, name, tv));

    struct utimbuf ub = {1200000000, 1300000000};
    report("utime_explicit", syscall(SYS_utime, name, &ub));
    print_times("utime", name);
    report("utime_now", syscall(SYS_utime, name, NULL));
    report("utime_times_unmapped", syscall(SYS_utime, name, unmapped()));
    report("utime_path_null", syscall(SYS_utime, NULL, &ub));
    report("utime_missing", syscall(SYS_utime, "/tmp/usermem-probe-missing/x", &ub));

    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    struct timeval tv2[2] = {{1400000000, 5}, {1500000000, 6}};
    report("futimesat_relative", syscall(SYS_futimesat, dir, name + 5, tv2));
    print_times("futimesat", name);
    int fd = open(name, O_RDWR);
    tv2[1].tv_sec = 1600000000;
    report("futimesat_null_path_fd", syscall(SYS_futimesat, fd, NULL, tv2));
    print_times("futimesat_fd", name);
    report("futimesat_null_path_cwd", syscall(SYS_futimesat, AT_FDCWD, NULL, tv2));
    report("futimesat_absolute_bad_dir", syscall(SYS_futimesat, 999, name, tv2));
    report("futimesat_relative_bad_dir", syscall(SYS_futimesat, 999, "x", tv2));
    report("futimesat_null_path_bad_fd", syscall(SYS_futimesat, 999, NULL, tv2));
    report("futimesat_relative_file_dir", syscall(SYS_futimesat, fd, "x", tv2));
    report("futimesat_cwd", syscall(SYS_futimesat, AT_FDCWD, name, NULL));
    close(fd);
    close(dir);
    unlink(name);
}

static void personality_cases(void)
{
    report("personality_query", syscall(SYS_personality, 0xffffffffUL));
    report("personality_linux_no_randomize", syscall(SYS_personality, 0x0040000UL));
    report("personality_query_after", syscall(SYS_personality, 0xffffffffUL));
    report("personality_read_implies_exec", syscall(SYS_personality, 0x0400000UL | 0x0040000UL));
    report("personality_unknown_domain", syscall(SYS_personality, 0x12345UL));
    report("personality_query_unknown", syscall(SYS_personality, 0xffffffffUL));
    report("personality_upper_bits_ignored", syscall(SYS_personality, 0x100000000UL));
    report("personality_all_but_query", syscall(SYS_personality, 0xfffffffeUL));
    report("personality_restore", syscall(SYS_personality, 0UL));
    report("personality_query_restored", syscall(SYS_personality, 0xffffffffUL));
}

#ifndef MSG_WAITFORONE
#define MSG_WAITFORONE 0x10000
#endif

struct probe_mmsghdr
{
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

static char mmsg_bufs[8][16];
static struct iovec mmsg_iov[8];

static void mmsg_setup(struct probe_mmsghdr *m, int n, const char *const *texts)
{
    memset(m, 0, sizeof(*m) * n);
    for (int i = 0; i < n; i++)
    {
        if (texts)
            strcpy(mmsg_bufs[i], texts[i]);
        else
            memset(mmsg_bufs[i], 0, sizeof mmsg_bufs[i]);
        mmsg_iov[i].iov_base = mmsg_bufs[i];
        mmsg_iov[i].iov_len = texts ? strlen(texts[i]) : sizeof mmsg_bufs[i];
        m[i].msg_hdr.msg_iov = &mmsg_iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
        m[i].msg_len = 0xdead;
    }
}

static void mmsg_print(const char *label, struct probe_mmsghdr *m, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s[%d] len=%u flags=%d data=%.16s\n", label, i, m[i].msg_len, m[i].msg_hdr.msg_flags, mmsg_bufs[i]);
}

static void drain(int fd)
{
    char b[64];
    int n = 0;
    while (recv(fd, b, sizeof b, MSG_DONTWAIT) >= 0)
        n++;
    printf("drained %d\n", n);
}

static void mmsg_cases(void)
{
    int sv[2];
    report("socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    static const char *const texts[] = {"one", "second", "third!"};
    struct probe_mmsghdr m[8];
    mmsg_setup(m, 3, texts);
    report("sendmmsg_three", syscall(SYS_sendmmsg, sv[0], m, 3, 0));
    mmsg_print("sent", m, 3);
    mmsg_setup(m, 5, NULL);
    report("recvmmsg_dontwait", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, NULL));
    mmsg_print("received", m, 4);
    report("recvmmsg_empty", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, NULL));
    report("sendmmsg_zero", syscall(SYS_sendmmsg, sv[0], m, 0, 0));
    report("recvmmsg_zero", syscall(SYS_recvmmsg, sv[1], m, 0, 0, NULL));
    report("sendmmsg_null", syscall(SYS_sendmmsg, sv[0], NULL, 1, 0));
    report("recvmmsg_null", syscall(SYS_recvmmsg, sv[1], NULL, 1, MSG_DONTWAIT, NULL));
    report("sendmmsg_bad_fd", syscall(SYS_sendmmsg, 999, m, 1, 0));
    report("recvmmsg_bad_fd", syscall(SYS_recvmmsg, 999, m, 1, 0, NULL));
    int p[2];
    pipe(p);
    report("sendmmsg_pipe", syscall(SYS_sendmmsg, p[1], m, 1, 0));
    report("recvmmsg_pipe", syscall(SYS_recvmmsg, p[0], m, 1, 0, NULL));
    close(p[0]);
    close(p[1]);
    report("sendmmsg_cmsg_compat", syscall(SYS_sendmmsg, sv[0], m, 1, 0x80000000U));
    report("recvmmsg_cmsg_compat", syscall(SYS_recvmmsg, sv[1], m, 1, 0x80000000U, NULL));

    /* A bad buffer in the second message: one sent, then the error is dropped. */
    mmsg_setup(m, 3, texts);
    mmsg_iov[1].iov_base = unmapped();
    report("sendmmsg_second_faults", syscall(SYS_sendmmsg, sv[0], m, 3, 0));
    mmsg_print("partial", m, 3);
    drain(sv[1]);
    mmsg_setup(m, 3, texts);
    mmsg_iov[0].iov_base = unmapped();
    report("sendmmsg_first_faults", syscall(SYS_sendmmsg, sv[0], m, 3, 0));
    drain(sv[1]);

    /* The vector runs into a hole: the entries before it are sent; a huge count changes nothing. */
    char *edge = page_then_hole();
    struct probe_mmsghdr *tail = (struct probe_mmsghdr *)(edge + 4096 - 2 * sizeof(struct probe_mmsghdr));
    mmsg_setup(tail, 2, texts);
    report("sendmmsg_into_hole", syscall(SYS_sendmmsg, sv[0], tail, 0xffffffffU, 0));
    printf("tail lens %u %u\n", tail[0].msg_len, tail[1].msg_len);
    mmsg_setup(tail, 2, NULL);
    /* (A count past the hole would leave EFAULT pending on the socket for its next call: not emulated.) */
    report("recvmmsg_up_to_hole", syscall(SYS_recvmmsg, sv[1], tail, 2, MSG_DONTWAIT, NULL));
    printf("tail lens %u %u data=%s,%s\n", tail[0].msg_len, tail[1].msg_len, mmsg_bufs[0], mmsg_bufs[1]);

    /* msg_len cannot be written: the message is sent, the call answers EFAULT. */
    struct probe_mmsghdr *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mmsg_setup(ro, 1, texts);
    mprotect(ro, 4096, PROT_READ);
    report("sendmmsg_len_read_only", syscall(SYS_sendmmsg, sv[0], ro, 1, 0));
    drain(sv[1]);

    /* MSG_WAITFORONE on a blocking socket: whatever is queued after the first. */
    mmsg_setup(m, 2, texts);
    report("sendmmsg_two", syscall(SYS_sendmmsg, sv[0], m, 2, 0));
    mmsg_setup(m, 5, NULL);
    report("recvmmsg_waitforone", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_WAITFORONE, NULL));
    mmsg_print("waitforone", m, 2);

    /* Timeouts: checked after each message. */
    mmsg_setup(m, 3, texts);
    syscall(SYS_sendmmsg, sv[0], m, 3, 0);
    struct timespec ts = {0, 0};
    mmsg_setup(m, 5, NULL);
    report("recvmmsg_zero_timeout", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, &ts));
    printf("timeout left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    ts.tv_sec = 100;
    report("recvmmsg_long_timeout", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, &ts));
    printf("timeout left in (90,100]: %d\n", ts.tv_sec >= 90 && ts.tv_sec <= 100);
    ts.tv_nsec = 1000000000;
    report("recvmmsg_bad_timeout", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, &ts));
    ts.tv_sec = -1;
    ts.tv_nsec = 0;
    report("recvmmsg_negative_timeout", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, &ts));
    report("recvmmsg_timeout_unmapped", syscall(SYS_recvmmsg, sv[1], m, 5, MSG_DONTWAIT, unmapped()));
    report("recvmmsg_timeout_unmapped_bad_fd", syscall(SYS_recvmmsg, 999, m, 5, MSG_DONTWAIT, unmapped()));
    drain(sv[1]);

    /* A datagram longer than its buffer: truncated, MSG_TRUNC in msg_flags. */
    mmsg_setup(m, 1, texts + 1);
    syscall(SYS_sendmmsg, sv[0], m, 1, 0);
    mmsg_setup(m, 1, NULL);
    mmsg_iov[0].iov_len = 2;
    report("recvmmsg_truncated", syscall(SYS_recvmmsg, sv[1], m, 1, MSG_DONTWAIT, NULL));
    mmsg_print("truncated", m, 1);
    close(sv[0]);
    close(sv[1]);
}

static int scratch_with(char *name, const char *text)
{
    scratch_file(name);
    int fd = open(name, O_RDWR);
    write(fd, text, strlen(text));
    return fd;
}

static void read_pipe(const char *label, int fd)
{
    char b[64] = {0};
    long n = syscall(SYS_read, fd, b, sizeof b - 1);
    printf("%s: %ld [%s]\n", label, n, n > 0 ? b : "");
}

static void splice_cases(void)
{
    signal(SIGPIPE, SIG_IGN);
    char name[64], name2[64];
    int f = scratch_with(name, "hello splice world");
    int g = scratch_with(name2, "");
    int p[2], q[2];
    pipe(p);
    pipe(q);
    loff_t off = 6;
    report("splice_file_to_pipe", syscall(SYS_splice, f, &off, p[1], NULL, 6L, 0));
    printf("off=%lld\n", (long long)off);
    read_pipe("pipe", p[0]);
    lseek(f, 0, SEEK_SET);
    report("splice_file_pos_to_pipe", syscall(SYS_splice, f, NULL, p[1], NULL, 5L, 0));
    printf("file position=%ld\n", (long)lseek(f, 0, SEEK_CUR));
    off = 3;
    report("splice_pipe_to_file", syscall(SYS_splice, p[0], NULL, g, &off, 64L, SPLICE_F_NONBLOCK));
    char back[16] = {0};
    pread(g, back, sizeof back - 1, 0);
    printf("off=%lld file=[%c%c%c%s]\n", (long long)off, back[0] ? back[0] : '0', back[1] ? back[1] : '0', back[2] ? back[2] : '0', back + 3);
    report("splice_len_zero_bad_flags", syscall(SYS_splice, f, NULL, p[1], NULL, 0L, 0x100));
    report("splice_bad_flags", syscall(SYS_splice, f, NULL, p[1], NULL, 5L, 0x100));
    report("splice_bad_in", syscall(SYS_splice, 999, NULL, p[1], NULL, 5L, 0));
    report("splice_bad_out", syscall(SYS_splice, f, NULL, 999, NULL, 5L, 0));
    report("splice_file_to_file", syscall(SYS_splice, f, NULL, g, NULL, 5L, 0));
    off = 0;
    report("splice_offset_on_pipe", syscall(SYS_splice, p[0], &off, g, NULL, 5L, 0));
    report("splice_offset_on_out_pipe", syscall(SYS_splice, f, NULL, p[1], &off, 5L, 0));
    report("splice_unmapped_offset_on_pipe", syscall(SYS_splice, p[0], unmapped(), g, NULL, 5L, 0));
    report("splice_unmapped_offset_on_file", syscall(SYS_splice, f, unmapped(), p[1], NULL, 5L, 0));
    report("splice_negative_offset", syscall(SYS_splice, f, &(loff_t){-1}, p[1], NULL, 5L, 0));
    report("splice_empty_pipe_nonblock", syscall(SYS_splice, p[0], NULL, g, NULL, 5L, SPLICE_F_NONBLOCK));
    report("splice_huge_len", syscall(SYS_splice, f, &(loff_t){0}, p[1], NULL, ~0UL, SPLICE_F_NONBLOCK));
    report("splice_large_len", syscall(SYS_splice, f, &(loff_t){0}, p[1], NULL, 1L << 40, SPLICE_F_NONBLOCK));
    report("splice_pipe_to_pipe", syscall(SYS_splice, p[0], NULL, q[1], NULL, 5L, 0));
    report("splice_pipe_to_pipe_rest", syscall(SYS_splice, p[0], NULL, q[1], NULL, 100L, 0));
    read_pipe("q", q[0]);
    int proc = open("/proc/self/status", O_RDONLY);
    report("splice_proc_to_closed", syscall(SYS_splice, proc, NULL, 999, NULL, 5L, 0));
    close(proc);

    /* tee: pipes only; the data stays in the source. */
    write(p[1], "tee data", 8);
    report("tee_pipe_to_pipe", syscall(SYS_tee, p[0], q[1], 64L, 0));
    read_pipe("tee copy", q[0]);
    report("tee_bad_flags", syscall(SYS_tee, p[0], q[1], 64L, 0x10));
    report("tee_len_zero", syscall(SYS_tee, p[0], q[1], 0L, 0));
    report("tee_same_pipe", syscall(SYS_tee, p[0], p[1], 64L, 0));
    report("tee_file", syscall(SYS_tee, f, q[1], 64L, 0));
    report("tee_bad_fd", syscall(SYS_tee, 999, q[1], 64L, 0));
    read_pipe("source", p[0]);
    report("tee_empty_nonblock", syscall(SYS_tee, p[0], q[1], 64L, SPLICE_F_NONBLOCK));

    /* vmsplice: towards a pipe from guest memory, from a pipe into guest memory. */
    struct iovec iov[2] = {{"abc", 3}, {"defgh", 5}};
    report("vmsplice_to_pipe", syscall(SYS_vmsplice, p[1], iov, 2L, 0));
    read_pipe("vmspliced", p[0]);
    write(p[1], "0123456789ABC", 13);
    char a[4] = {0}, b[8] = {0};
    struct iovec in[2] = {{a, 3}, {b, 4}};
    report("vmsplice_to_user", syscall(SYS_vmsplice, p[0], in, 2L, 0));
    printf("a=%s b=%s\n", a, b);
    in[0].iov_base = unmapped();
    report("vmsplice_to_user_unmapped", syscall(SYS_vmsplice, p[0], in, 2L, 0));
    in[0].iov_base = a;
    in[1].iov_base = unmapped();
    memset(a, 0, sizeof a);
    /* (Linux may have copied part of the pipe buffer into a before the fault; the data stays queued.) */
    report("vmsplice_to_user_second_unmapped", syscall(SYS_vmsplice, p[0], in, 2L, 0));
    read_pipe("left in pipe", p[0]);
    iov[0].iov_base = unmapped();
    report("vmsplice_from_unmapped", syscall(SYS_vmsplice, p[1], iov, 2L, 0));
    report("vmsplice_null_vector", syscall(SYS_vmsplice, p[1], NULL, 1L, 0));
    report("vmsplice_zero_segments", syscall(SYS_vmsplice, p[1], NULL, 0L, 0));
    report("vmsplice_too_many", syscall(SYS_vmsplice, p[1], iov, 1025L, 0));
    report("vmsplice_huge_count", syscall(SYS_vmsplice, p[1], iov, ~0UL, 0));
    report("vmsplice_bad_flags", syscall(SYS_vmsplice, p[1], iov, 2L, 0x20));
    report("vmsplice_bad_fd", syscall(SYS_vmsplice, 999, iov, 2L, 0));
    iov[0].iov_base = "abc";
    report("vmsplice_file", syscall(SYS_vmsplice, f, iov, 2L, 0));
    report("vmsplice_empty_nonblock", syscall(SYS_vmsplice, p[0], in, 1L, SPLICE_F_NONBLOCK));
    close(q[0]);
    report("splice_reader_closed", syscall(SYS_splice, f, &(loff_t){0}, q[1], NULL, 5L, 0));
    report("vmsplice_reader_closed", syscall(SYS_vmsplice, q[1], iov, 2L, 0));
    close(q[1]);
    close(p[0]);
    close(p[1]);
    close(f);
    close(g);
    unlink(name);
    unlink(name2);
}

static void process_vm_cases(void)
{
    pid_t self = getpid();
    char src[32] = "remote bytes here", dst[32] = {0}, dst2[8] = {0};
    struct iovec l[2] = {{dst, 6}, {dst2, 5}};
    struct iovec r[2] = {{src, 7}, {src + 7, 10}};
    report("readv_self", syscall(SYS_process_vm_readv, self, l, 2L, r, 2L, 0L));
    printf("dst=%s dst2=%s\n", dst, dst2);
    char target[16] = "..............";
    struct iovec wl[1] = {{"WRITTEN", 7}};
    struct iovec wr[2] = {{target, 3}, {target + 8, 4}};
    report("writev_self", syscall(SYS_process_vm_writev, self, wl, 1L, wr, 2L, 0L));
    printf("target=%s\n", target);
    report("readv_bad_flags", syscall(SYS_process_vm_readv, self, l, 2L, r, 2L, 1L));
    report("readv_local_zero", syscall(SYS_process_vm_readv, self, l, 0L, NULL, 5L, 0L));
    report("readv_local_too_many", syscall(SYS_process_vm_readv, self, l, 1025L, r, 2L, 0L));
    report("readv_remote_too_many", syscall(SYS_process_vm_readv, self, l, 2L, r, 1025L, 0L));
    report("readv_remote_null", syscall(SYS_process_vm_readv, self, l, 2L, NULL, 1L, 0L));
    report("readv_local_null", syscall(SYS_process_vm_readv, self, NULL, 1L, r, 2L, 0L));
    struct iovec neg[1] = {{src, (size_t)-1}};
    report("readv_remote_negative_len", syscall(SYS_process_vm_readv, self, l, 2L, neg, 1L, 0L));
    report("readv_missing_pid", syscall(SYS_process_vm_readv, 0x3fffffff, l, 2L, r, 2L, 0L));
    report("readv_pid_zero", syscall(SYS_process_vm_readv, 0, l, 2L, r, 2L, 0L));
    report("readv_pid_negative", syscall(SYS_process_vm_readv, -1, l, 2L, r, 2L, 0L));
    report("readv_missing_pid_bad_flags", syscall(SYS_process_vm_readv, 0x3fffffff, l, 2L, r, 2L, 4L));

    /* Faults: the bytes before the first one count. */
    struct iovec bad_r[2] = {{src, 4}, {unmapped(), 8}};
    memset(dst, 0, sizeof dst);
    report("readv_second_remote_unmapped", syscall(SYS_process_vm_readv, self, l, 2L, bad_r, 2L, 0L));
    bad_r[0].iov_base = unmapped();
    report("readv_first_remote_unmapped", syscall(SYS_process_vm_readv, self, l, 2L, bad_r, 2L, 0L));
    struct iovec bad_l[2] = {{dst, 3}, {unmapped(), 8}};
    report("readv_second_local_unmapped", syscall(SYS_process_vm_readv, self, bad_l, 2L, r, 2L, 0L));
    char *edge = page_then_hole();
    struct iovec edge_r[1] = {{edge + 4096 - 5, 10}};
    report("readv_remote_runs_into_hole", syscall(SYS_process_vm_readv, self, l, 2L, edge_r, 1L, 0L));
    struct iovec edge_w[1] = {{edge + 4096 - 3, 10}};
    struct iovec wl2[1] = {{"0123456789", 10}};
    report("writev_remote_runs_into_hole", syscall(SYS_process_vm_writev, self, wl2, 1L, edge_w, 1L, 0L));
    printf("edge tail=%.3s\n", edge + 4096 - 3);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec ro_w[1] = {{ro, 4}};
    report("writev_read_only", syscall(SYS_process_vm_writev, self, wl2, 1L, ro_w, 1L, 0L));
    struct iovec big_l[1] = {{dst, 4}};
    struct iovec big_r[1] = {{src, (size_t)1 << 40}};
    report("readv_remote_longer_than_local", syscall(SYS_process_vm_readv, self, big_l, 1L, big_r, 1L, 0L));
}

#include <poll.h>
static volatile int usr1_seen;
static void on_usr1(int s) { (void)s; usr1_seen++; }

static void pidfd_cases(void)
{
    pid_t self = getpid();
    int me = syscall(SYS_pidfd_open, self, 0);
    report("pidfd_open_self", me >= 0 ? 0 : me);
    report("pidfd_cloexec", fcntl(me, F_GETFD));
    report("pidfd_open_bad_flags", syscall(SYS_pidfd_open, self, 1));
    report("pidfd_open_zero", syscall(SYS_pidfd_open, 0, 0));
    report("pidfd_open_negative", syscall(SYS_pidfd_open, -1, 0));
    report("pidfd_open_missing", syscall(SYS_pidfd_open, 0x3fffffff, 0));
    signal(SIGUSR1, on_usr1);
    report("pidfd_send_self", syscall(SYS_pidfd_send_signal, me, SIGUSR1, NULL, 0));
    printf("usr1 seen=%d\n", usr1_seen);
    report("pidfd_send_zero", syscall(SYS_pidfd_send_signal, me, 0, NULL, 0));
    report("pidfd_send_bad_flags", syscall(SYS_pidfd_send_signal, me, SIGUSR1, NULL, 0x100));
    report("pidfd_send_bad_signal", syscall(SYS_pidfd_send_signal, me, 999, NULL, 0));
    report("pidfd_send_info_unmapped", syscall(SYS_pidfd_send_signal, me, SIGUSR1, unmapped(), 0));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR2;
    info.si_code = SI_QUEUE;
    report("pidfd_send_info_mismatch", syscall(SYS_pidfd_send_signal, me, SIGUSR1, &info, 0));
    int p[2];
    pipe(p);
    report("pidfd_send_pipe", syscall(SYS_pidfd_send_signal, p[0], SIGUSR1, NULL, 0));
    report("pidfd_send_bad_fd", syscall(SYS_pidfd_send_signal, 999, SIGUSR1, NULL, 0));
    char proc_dir[32];
    snprintf(proc_dir, sizeof proc_dir, "/proc/%d", (int)self);
    int dir = open(proc_dir, O_RDONLY | O_DIRECTORY);
    usr1_seen = 0;
    report("pidfd_send_proc_dir", syscall(SYS_pidfd_send_signal, dir, SIGUSR1, NULL, 0));
    printf("usr1 seen via /proc/PID=%d\n", usr1_seen);
    close(dir);
    dir = open("/", O_RDONLY | O_DIRECTORY);
    report("pidfd_send_root_dir", syscall(SYS_pidfd_send_signal, dir, SIGUSR1, NULL, 0));
    close(dir);
    report("pidfd_getfd_pipe", syscall(SYS_pidfd_getfd, p[0], 0, 0));
    report("pidfd_getfd_bad_flags", syscall(SYS_pidfd_getfd, me, 0, 1));
    report("pidfd_getfd_bad_fd", syscall(SYS_pidfd_getfd, 999, 0, 0));

    pid_t child = fork();
    if (child == 0)
    {
        for (;;)
            pause();
    }
    int cfd = syscall(SYS_pidfd_open, child, 0);
    report("pidfd_open_child", cfd >= 0 ? 0 : cfd);
    struct pollfd pf = {cfd, POLLIN, 0};
    report("pidfd_poll_running", poll(&pf, 1, 0));
    info.si_signo = SIGTERM;
    info.si_code = 0;
    report("pidfd_send_child_kernel_code", syscall(SYS_pidfd_send_signal, cfd, SIGTERM, &info, 0));
    report("pidfd_send_child", syscall(SYS_pidfd_send_signal, cfd, SIGTERM, NULL, 0));
    report("pidfd_poll_exited", poll(&pf, 1, 5000));
    int status = 0;
    waitpid(child, &status, 0);
    printf("child signalled=%d sig=%d\n", WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    report("pidfd_send_reaped", syscall(SYS_pidfd_send_signal, cfd, SIGTERM, NULL, 0));
    close(cfd);
    close(me);
    close(p[0]);
    close(p[1]);
}

#include <sys/inotify.h>
static void read_events(const char *label, int fd)
{
    char buf[4096] __attribute__((aligned(8)));
    long n = read(fd, buf, sizeof buf);
    printf("%s read=%ld errno=%d\n", label, n, n < 0 ? errno : 0);
    errno = 0;
    for (long at = 0; n > 0 && at < n;)
    {
        struct inotify_event *e = (struct inotify_event *)(buf + at);
        printf("  wd=%d mask=%#x name=%s\n", e->wd, e->mask, e->len ? e->name : "");
        at += sizeof *e + e->len;
    }
}

static void inotify_cases(void)
{
    char dir[] = "/tmp/usermem-inotify-XXXXXX";
    mkdtemp(dir);
    char file[128], link[128];
    snprintf(file, sizeof file, "%s/file", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    report("inotify_init1_bad_flags", syscall(SYS_inotify_init1, 1));
    int old = syscall(SYS_inotify_init);
    report("inotify_init", old >= 0 ? 0 : old);
    report("inotify_init_cloexec", fcntl(old, F_GETFD));
    close(old);
    int in = syscall(SYS_inotify_init1, IN_CLOEXEC | IN_NONBLOCK);
    report("inotify_init1", in >= 0 ? 0 : in);
    report("inotify_init1_cloexec", fcntl(in, F_GETFD));
    read_events("empty", in);
    report("add_watch_dir", syscall(SYS_inotify_add_watch, in, dir, IN_CREATE | IN_DELETE));
    int f = open(file, O_CREAT | O_RDWR, 0600);
    read_events("after create", in);
    report("add_watch_file", syscall(SYS_inotify_add_watch, in, file, IN_MODIFY));
    report("add_watch_same_again", syscall(SYS_inotify_add_watch, in, file, IN_MODIFY | IN_ATTRIB));
    report("add_watch_mask_create_existing", syscall(SYS_inotify_add_watch, in, file, IN_MODIFY | IN_MASK_CREATE));
    write(f, "x", 1);
    read_events("after write", in);
    symlink(file, link);
    read_events("after symlink", in);
    report("add_watch_link_nofollow", syscall(SYS_inotify_add_watch, in, link, IN_ATTRIB | IN_DONT_FOLLOW));
    report("add_watch_link_follow", syscall(SYS_inotify_add_watch, in, link, IN_ATTRIB));
    report("add_watch_onlydir_file", syscall(SYS_inotify_add_watch, in, file, IN_ATTRIB | IN_ONLYDIR));
    report("add_watch_no_events", syscall(SYS_inotify_add_watch, in, file, 0));
    report("add_watch_only_flags", syscall(SYS_inotify_add_watch, in, file, IN_ONESHOT));
    report("add_watch_add_and_create", syscall(SYS_inotify_add_watch, in, file, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
    report("add_watch_bad_fd", syscall(SYS_inotify_add_watch, 999, file, IN_MODIFY));
    int p[2];
    pipe(p);
    report("add_watch_pipe", syscall(SYS_inotify_add_watch, p[0], file, IN_MODIFY));
    report("add_watch_null", syscall(SYS_inotify_add_watch, in, NULL, IN_MODIFY));
    report("add_watch_unmapped", syscall(SYS_inotify_add_watch, in, unmapped(), IN_MODIFY));
    report("add_watch_missing", syscall(SYS_inotify_add_watch, in, "/tmp/usermem-inotify-missing/x", IN_MODIFY));
    report("add_watch_empty", syscall(SYS_inotify_add_watch, in, "", IN_MODIFY));
    report("rm_watch_file", syscall(SYS_inotify_rm_watch, in, 2));
    read_events("after rm", in);
    report("rm_watch_again", syscall(SYS_inotify_rm_watch, in, 2));
    report("rm_watch_negative", syscall(SYS_inotify_rm_watch, in, -1));
    report("rm_watch_bad_fd", syscall(SYS_inotify_rm_watch, 999, 1));
    report("rm_watch_pipe", syscall(SYS_inotify_rm_watch, p[0], 1));
    close(f);
    unlink(link);
    unlink(file);
    read_events("after unlink", in);
    rmdir(dir);
    close(in);
    close(p[0]);
    close(p[1]);
}

static void recv_fault_cases(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char *edge = page_then_hole();
    report("recv_empty_unmapped_nonblock", recv(sv[1], unmapped(), 10, MSG_DONTWAIT));
    write(sv[0], "hello stream world", 18);
    report("recv_unmapped", recv(sv[1], unmapped(), 10, 0));
    /* (Linux may have stored the first bytes before the fault; the data stays queued.) */
    report("recv_runs_into_hole", recv(sv[1], edge + 4096 - 3, 10, 0));
    char rest[32] = {0};
    report("recv_rest", recv(sv[1], rest, sizeof rest - 1, 0));
    printf("rest=%s\n", rest);
    write(sv[0], "again", 5);
    report("recvfrom_unmapped", recvfrom(sv[1], unmapped(), 10, 0, NULL, NULL));
    memset(rest, 0, sizeof rest);
    report("recv_after", recv(sv[1], rest, sizeof rest - 1, 0));
    printf("after=%s\n", rest);
    shutdown(sv[0], SHUT_WR);
    report("recv_eof_unmapped", recv(sv[1], unmapped(), 10, 0));
    close(sv[0]);
    close(sv[1]);

    /* A datagram is consumed by a failed receive, as on Linux. */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    write(sv[0], "dgram", 5);
    write(sv[0], "next", 4);
    report("recv_dgram_unmapped", recv(sv[1], unmapped(), 10, 0));
    memset(rest, 0, sizeof rest);
    report("recv_dgram_after", recv(sv[1], rest, sizeof rest - 1, MSG_DONTWAIT));
    printf("dgram after=%s\n", rest);
    close(sv[0]);
    close(sv[1]);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "memfd"))
        memfd_cases();
    else if (!strcmp(mode, "utimes"))
        utimes_cases();
    else if (!strcmp(mode, "personality"))
        personality_cases();
    else if (!strcmp(mode, "mmsg"))
        mmsg_cases();
    else if (!strcmp(mode, "splice"))
        splice_cases();
    else if (!strcmp(mode, "process_vm"))
        process_vm_cases();
    else if (!strcmp(mode, "pidfd"))
        pidfd_cases();
    else if (!strcmp(mode, "inotify"))
        inotify_cases();
    else if (!strcmp(mode, "recv_fault"))
        recv_fault_cases();
    else
    {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
