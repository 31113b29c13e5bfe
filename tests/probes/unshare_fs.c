/* unshare(CLONE_FS) on one thread (Go's LockOSThread callers change directory on one thread only): the thread's
 * working directory changes alone; relative paths on each thread resolve against its own directory.
 *
 *   thread   a second thread unshares, changes to a new directory and creates a file by a relative name; the main
 *            thread's directory and relative names are unaffected; a thread the unshared thread starts shares its
 *            directory; flags Linux refuses in a multi-threaded process, unknown flags, unshare(0).
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

static char dir[64];
static char start[4096];

static int in_dir(const char *what)
{
    char here[4096];
    if (getcwd(here, sizeof here) == NULL) return -1;
    return strcmp(here, what) == 0;
}

static void *grandchild(void *unused)
{
    (void)unused;
    printf("grandchild_in_new_dir=%d\n", in_dir(dir));
    return NULL;
}

static void *worker(void *unused)
{
    (void)unused;
    report("unshare_fs", syscall(SYS_unshare, (long)CLONE_FS));
    report("chdir", chdir(dir));
    printf("worker_in_new_dir=%d\n", in_dir(dir));
    int fd = open("made-here", O_CREAT | O_WRONLY, 0600);
    report("create_relative", fd < 0 ? -1 : 0);
    close(fd);
    pthread_t th;
    pthread_create(&th, NULL, grandchild, NULL);
    pthread_join(th, NULL);
    report("unshare_fs_again", syscall(SYS_unshare, (long)CLONE_FS));
    return NULL;
}

static void *sleeper(void *gate)
{
    char c;
    read(*(int *)gate, &c, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "thread") != 0) {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }

    strcpy(dir, "/tmp/usermem-probe-fs-XXXXXX");
    if (mkdtemp(dir) == NULL || getcwd(start, sizeof start) == NULL) { perror("setup"); return 2; }
    report("unshare_zero", syscall(SYS_unshare, 0L));
    report("unshare_unknown_flag", syscall(SYS_unshare, 0x1L));

    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    pthread_join(th, NULL);
    printf("main_in_start_dir=%d\n", in_dir(start));
    struct stat st;
    report("main_sees_relative", stat("made-here", &st));
    char made[128];
    snprintf(made, sizeof made, "%s/made-here", dir);
    report("made_in_new_dir", stat(made, &st));

    int gate[2];
    pipe(gate);
    pthread_create(&th, NULL, sleeper, &gate[0]);
    report("unshare_vm_threaded", syscall(SYS_unshare, (long)CLONE_VM));
    report("unshare_sighand_threaded", syscall(SYS_unshare, (long)CLONE_SIGHAND));
    write(gate[1], "x", 1);
    pthread_join(th, NULL);

    unlink(made);
    rmdir(dir);
    puts("done");
    return 0;
}
