/* A shared object whose constructor appends "loaded" to the file named by $USERMEM_MARKER: if the runner (a host
 * process) ever loads it because of a guest's environment (LD_PRELOAD, LD_AUDIT, a CoreCLR profiler path), the marker
 * file appears. Used by hostile_env. Build: gcc -shared -fPIC -O1. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void mark(void)
{
    const char *path = getenv("USERMEM_MARKER");
    if (!path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    write(fd, "loaded\n", 7);
    close(fd);
}
