/*
 * sigwait_thread: a process-directed signal that every thread blocks, sent by another thread of the process while
 * the main thread waits for it: sigwait, sigtimedwait with a timeout, and a blocking signalfd read must each take
 * it. The runner once queued it without waking the waiter (CPython's test_sigwait_thread hung).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static void *kill_later(void *arg)
{
    (void)arg;
    usleep(200 * 1000);
    kill(getpid(), SIGUSR1);
    return NULL;
}

static pthread_t start_killer(void)
{
    pthread_t t;
    pthread_create(&t, NULL, kill_later, NULL);
    return t;
}

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    pthread_t t = start_killer();
    int sig = 0;
    int r = sigwait(&set, &sig);
    pthread_join(t, NULL);
    printf("sigwait: %d, signal %d\n", r, sig);

    t = start_killer();
    siginfo_t info;
    memset(&info, 0, sizeof info);
    struct timespec limit = { 10, 0 };
    r = sigtimedwait(&set, &info, &limit);
    pthread_join(t, NULL);
    printf("sigtimedwait: %d, si_code %d, from self %d\n", r, info.si_code, info.si_pid == getpid());

    int fd = signalfd(-1, &set, 0);
    t = start_killer();
    struct signalfd_siginfo record;
    ssize_t n = read(fd, &record, sizeof record);
    pthread_join(t, NULL);
    printf("signalfd read: %zd, signal %u\n", n, record.ssi_signo);

    struct timespec none = { 0, 0 };
    r = sigtimedwait(&set, &info, &none);
    printf("nothing left: %d\n", r);
    return 0;
}
