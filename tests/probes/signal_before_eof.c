/*
 * signal_before_eof: a signal sent before the event that ends a wait is handled before the waiting call returns to
 * the program. The parent sends SIGUSR1 to a child blocked in read on a pipe (or a short sleep later, one that has
 * data waiting), then closes the pipe; Linux queues the signal at kill, so the child's handler has run by the time
 * read returns the end of file. Under the runner the signal once reached the guest only after the read returned
 * and more calls ran (CPython's test_file_eintr: its child reset SIGINT to the default before the signal arrived,
 * and died of it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 100

static volatile sig_atomic_t handled;

static void on_usr1(int s) { (void)s; handled = 1; }

static int child(int in, int ready, int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, 0);
    char buf[16];
    if (write(ready, "r", 1) != 1) return 2;
    for (;;) {
        long n = read(in, buf, sizeof buf);
        if (n == 0) return handled ? 0 : 1; /* the signal came before the end of file */
        if (n < 0 && errno != EINTR) return 3;
    }
}

int main(int argc, char **argv)
{
    int restart = argc > 1 && !strcmp(argv[1], "restart");
    int late = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int in[2], ready[2];
        if (pipe(in) || pipe(ready)) return 2;
        pid_t pid = fork();
        if (pid == 0) {
            close(in[1]);
            close(ready[0]);
            _exit(child(in[0], ready[1], restart));
        }
        close(in[0]);
        close(ready[1]);
        char c;
        if (read(ready[0], &c, 1) != 1) return 2;
        if (round % 2) {
            struct timespec pause = { 0, 2000000 }; /* odd rounds: the child is blocked in read by now */
            nanosleep(&pause, 0);
        }
        kill(pid, SIGUSR1);
        close(in[1]);
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
            printf("round %d: child status 0x%x\n", round, status);
            return 1;
        }
        late += WEXITSTATUS(status);
        close(ready[0]);
    }
    printf("%d rounds, signal after the end of file: %d\n", ROUNDS, late);
    return 0;
}
