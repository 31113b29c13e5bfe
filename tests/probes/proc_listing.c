/* Every process directory that readdir of /proc shows must open (but for one that exits meanwhile) (stress-ng's procfs stressor walks them all), and
 * the caller's own must be among them. Under usermem-run the host's processes are neither openable nor listed. */
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
    printf("listed_self=%d unopenable=%d few_vanished=%d\n", listed_self, unopenable, vanished * 10 < entries);
    return 0;
}
