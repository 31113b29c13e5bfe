/* Lock waits a signal interrupts (issue 11; stress-ng's lockf hung the runner): a child holds a record lock and a
 * flock on a file; the parent's F_SETLKW, F_OFD_SETLKW and blocking flock wait for it, and a SIGALRM without
 * SA_RESTART ends each wait with EINTR (nothing taken). With SA_RESTART the wait goes on after the handler and
 * takes the lock once the child lets go. The non-waiting forms answer at once. */
#include "probe_common.h"
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>

#define OFD_SETLK 37
#define OFD_SETLKW 38

static volatile int handled;

static void on_alarm(int signal)
{
    (void)signal;
    handled++;
}

static void arm(int restart)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 200000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static struct flock whole(short type)
{
    struct flock l = { 0 };
    l.l_type = type;
    l.l_whence = SEEK_SET;
    return l;
}

int main(void)
{
    char path[64];
    scratch_file(path);
    int to_child[2], from_child[2];
    pipe(to_child);
    pipe(from_child);
    pid_t child = fork();
    if (child == 0) {
        int fd = open(path, O_RDWR);
        struct flock l = whole(F_WRLCK);
        fcntl(fd, F_SETLK, &l);
        flock(fd, LOCK_EX);
        write(from_child[1], "h", 1);
        char c;
        read(to_child[0], &c, 1); /* 'r': let go after a while */
        usleep(600000);
        l = whole(F_UNLCK);
        fcntl(fd, F_SETLK, &l);
        flock(fd, LOCK_UN);
        read(to_child[0], &c, 1); /* 'q' */
        _exit(0);
    }

    char c;
    read(from_child[0], &c, 1);
    int fd = open(path, O_RDWR);
    int fd2 = open(path, O_RDWR);
    struct flock l = whole(F_WRLCK);
    report("setlk_conflict", fcntl(fd, F_SETLK, &l) < 0 ? -(errno == EACCES ? EAGAIN : errno) : 0);
    l = whole(F_WRLCK);
    report("ofd_setlk_conflict", syscall(SYS_fcntl, fd2, OFD_SETLK, &l));
    report("flock_nb_conflict", flock(fd, LOCK_EX | LOCK_NB));
    struct flock probe = whole(F_WRLCK);
    fcntl(fd, F_GETLK, &probe);
    printf("getlk type_is_write=%d\n", probe.l_type == F_WRLCK);

    handled = 0;
    arm(0);
    l = whole(F_WRLCK);
    report("setlkw_interrupted", syscall(SYS_fcntl, fd, F_SETLKW, &l));
    printf("handled=%d\n", handled);
    arm(0);
    l = whole(F_WRLCK);
    report("ofd_setlkw_interrupted", syscall(SYS_fcntl, fd2, OFD_SETLKW, &l));
    arm(0);
    report("flock_interrupted", syscall(SYS_flock, fd, LOCK_EX));
    printf("handled=%d\n", handled);

    /* With SA_RESTART: the handler runs, the wait goes on, the lock is taken when the child lets go. */
    write(to_child[1], "r", 1);
    handled = 0;
    arm(1);
    l = whole(F_WRLCK);
    report("setlkw_restarted", syscall(SYS_fcntl, fd, F_SETLKW, &l));
    printf("handled=%d\n", handled);
    report("flock_after_release", syscall(SYS_flock, fd, LOCK_EX));
    l = whole(F_UNLCK);
    report("unlock", fcntl(fd, F_SETLK, &l));
    report("flock_unlock", flock(fd, LOCK_UN));
    report("flock_bad_op", syscall(SYS_flock, fd, 3));
    report("flock_bad_fd", syscall(SYS_flock, 999, LOCK_EX));
    write(to_child[1], "q", 1);
    int status;
    waitpid(child, &status, 0);
    printf("child status=%d\n", status);
    unlink(path);
    puts("done");
    return 0;
}
