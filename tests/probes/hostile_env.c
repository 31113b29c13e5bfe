/* Hostile guest, family "environment injection" (issue 10): a guest execve carries loader and runtime variables in
 * its envp (LD_PRELOAD and LD_AUDIT naming a shared object whose constructor writes a marker file, a CoreCLR
 * profiler, a tiny .NET heap limit) and non-UTF-8 bytes in argv and envp. A static child ignores all of them and sees
 * every byte unchanged, natively and under the runner; the runner itself must not load or obey any of them.
 *
 *   hostile_env exec SO MARKER   execve of this program ("child") with the hostile envp
 *   hostile_env bytes            execve of this program ("child") with non-UTF-8 argv and envp only
 *   hostile_env launch PROGRAM   execve of PROGRAM (the runner, or this program natively) with this program and
 *                                non-UTF-8 bytes in argv and envp, so the bytes cross the runner's own command line
 *   hostile_env child ...        prints every argument and the interesting variables in hex
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void hex(const char *label, const char *s)
{
    printf("%s len=%zu hex=", label, strlen(s));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) printf("%02x", *p);
    printf("\n");
}

static int child(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char label[32];
        snprintf(label, sizeof label, "argv[%d]", i);
        hex(label, argv[i]);
    }
    static const char *const names[] = { "LD_PRELOAD=", "LD_AUDIT=", "LD_LIBRARY_PATH=", "CORECLR_ENABLE_PROFILING=",
                                         "DOTNET_GCHeapHardLimit=", "BYTES=", "\xff\xfeNAME=" };
    for (char **e = environ; *e; e++)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strncmp(*e, names[i], strlen(names[i])) == 0) hex("env", *e);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child(argc, argv);
    static char bytes_arg[] = "a\x80\xff\xfe\xc3\x28z";
    static char bytes_env[] = "BYTES=\xed\xa0\x80\xf8\x88\x80\x80\x80";
    static char bytes_name[] = "\xff\xfeNAME=v";
    if (argc > 3 && strcmp(argv[1], "exec") == 0) {
        char preload[512], audit[512], profiler[512], marker[512];
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", argv[2]);
        snprintf(audit, sizeof audit, "LD_AUDIT=%s", argv[2]);
        snprintf(profiler, sizeof profiler, "CORECLR_PROFILER_PATH=%s", argv[2]);
        snprintf(marker, sizeof marker, "USERMEM_MARKER=%s", argv[3]);
        char *envp[] = { preload, audit, "LD_LIBRARY_PATH=/nonexistent", "CORECLR_ENABLE_PROFILING=1",
                         "CORECLR_PROFILER={01234567-89ab-cdef-0123-456789abcdef}", profiler,
                         "DOTNET_GCHeapHardLimit=0x100000", "DOTNET_gcServer=1", marker, bytes_env, bytes_name,
                         "PATH=/usr/bin:/bin", 0 };
        char *args[] = { argv[0], "child", bytes_arg, "", "plain", 0 };
        execve(argv[0], args, envp);
        printf("execve errno=%d\n", errno);
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "bytes") == 0) {
        char *envp[] = { bytes_env, bytes_name, "PATH=/usr/bin:/bin", 0 };
        char *args[] = { argv[0], "child", bytes_arg, "", "plain", 0 };
        execve(argv[0], args, envp);
        printf("execve errno=%d\n", errno);
        return 1;
    }
    if (argc > 2 && strcmp(argv[1], "launch") == 0) {
        char *envp[] = { bytes_env, bytes_name, "PATH=/usr/bin:/bin", 0 };
        char *args[] = { argv[2], argv[0], "child", bytes_arg, "", "plain", 0 };
        char **a = strcmp(argv[2], argv[0]) == 0 ? args + 1 : args;
        execve(argv[2], a, envp);
        printf("execve errno=%d\n", errno);
        return 1;
    }
    fprintf(stderr, "usage: hostile_env exec SO MARKER | bytes | launch PROGRAM | child ...\n");
    return 2;
}
