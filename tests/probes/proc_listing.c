/* Every process directory that readdir of /proc shows must open (but for one that exits meanwhile) (stress-ng's procfs stressor walks them all), and
 * the caller's own must be among them. Under usermem-run the host's processes are neither openable nor listed. Reads
 * past the end of a /proc file read nothing. */
#include "probe_common.h"
#include <dirent.h>

int main(void)
{
    DIR *d = opendir("/proc");
    if (!d) { perror("opendir"); return 2; }
    char self[32];
    snprintf(self, sizeof self, "%d", (int)getpid());
    int listed_self = 0, unopenable = 0, vanished = 0, entries = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        entries++;
        if (strcmp(e->d_name, self) == 0) listed_self = 1;
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) vanished++; /* listed but not there: exited meanwhile, or hidden */
        else if (fd < 0) unopenable++;
        if (fd >= 0) close(fd);
    }
    closedir(d);
    /* a process may exit between readdir and open, natively too: a few vanish, not most */
    /* reading past the end of a /proc file reads nothing (stress-ng's procfs stressor preads far past it) */
    const char *files[] = { "/proc/self/stat", "/proc/self/status", "/proc/self/cmdline", "/proc/self/maps" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char buf[64];
        int fd = open(files[i], O_RDONLY | O_CLOEXEC);
        long far = pread(fd, buf, sizeof buf, 1L << 20);
        long just = pread(fd, buf, sizeof buf, 65536);
        lseek(fd, 1L << 30, SEEK_SET);
        long after_seek = read(fd, buf, sizeof buf);
        printf("%s pread_far=%ld pread_64k=%ld read_after_seek=%ld\n", files[i], far, just, after_seek);
        close(fd);
    }
    printf("listed_self=%d unopenable=%d few_vanished=%d\n", listed_self, unopenable, vanished * 10 < entries);
    return 0;
}
