/* ptrace without a tracer: mode "common" asks what Linux answers the same way whatever its ptrace policy (attaching
 * to the caller's own process is EPERM, to a pid that does not exist ESRCH, a request on a child nobody traces
 * ESRCH); mode "deny" (run under the runner only) shows that tracing is refused with EPERM, so a program asking for
 * it (Go's SysProcAttr.Ptrace) gets a permission error and a child that asked still runs. Build: musl-gcc -static. */
#include "probe_common.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "common";
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    if (strcmp(mode, "common") == 0) {
        report("attach_self", syscall(SYS_ptrace, PTRACE_ATTACH, getpid(), 0, 0));
        report("attach_missing", syscall(SYS_ptrace, PTRACE_ATTACH, 0x3ffffff0, 0, 0));
        report("attach_negative", syscall(SYS_ptrace, PTRACE_ATTACH, -1, 0, 0));
        long word = 0;
        report("peek_untraced_child", syscall(SYS_ptrace, PTRACE_PEEKDATA, child, &word, &word));
        report("cont_untraced_child", syscall(SYS_ptrace, PTRACE_CONT, child, 0, 0));
        report("detach_untraced_child", syscall(SYS_ptrace, PTRACE_DETACH, child, 0, 0));
    } else {
        report("traceme", syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
        report("attach_child", syscall(SYS_ptrace, PTRACE_ATTACH, child, 0, 0));
        report("seize_child", syscall(SYS_ptrace, PTRACE_SEIZE, child, 0, 0));
        report("peek_child", syscall(SYS_ptrace, PTRACE_PEEKDATA, child, 0, 0));
        pid_t asker = fork();
        if (asker == 0) {
            /* As Go's forkExec does: ask to be traced, then carry on (here: exit with the errno seen). */
            long r = syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
            _exit(r == 0 ? 0 : errno);
        }
        int status = 0;
        waitpid(asker, &status, 0);
        printf("asker exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    printf("child killed=%d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    printf("done\n");
    return 0;
}
