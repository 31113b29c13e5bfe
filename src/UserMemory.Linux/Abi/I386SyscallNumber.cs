namespace UserMemory.Linux.Abi;

/// <summary>The i386 Linux system call numbers (EAX at <c>int $0x80</c>; <c>arch/x86/entry/syscalls/syscall_32.tbl</c>)
/// that the i386 table (<see cref="Syscalls.I386.I386SyscallTable"/>) answers; the others are ENOSYS. Member names are
/// the Linux names in Pascal case.</summary>
internal enum I386SyscallNumber
{
    /// <summary><c>exit</c>.</summary>
    Exit = 1,

    /// <summary><c>read</c>.</summary>
    Read = 3,

    /// <summary><c>write</c>.</summary>
    Write = 4,

    /// <summary><c>open</c> (<c>compat_sys_open</c>).</summary>
    Open = 5,

    /// <summary><c>close</c>.</summary>
    Close = 6,

    /// <summary><c>creat</c>.</summary>
    Creat = 8,

    /// <summary><c>link</c>.</summary>
    Link = 9,

    /// <summary><c>unlink</c>.</summary>
    Unlink = 10,

    /// <summary><c>chdir</c>.</summary>
    Chdir = 12,

    /// <summary><c>time</c> (<c>compat_sys_time</c>: a 32-bit time).</summary>
    Time = 13,

    /// <summary><c>chmod</c>.</summary>
    Chmod = 15,

    /// <summary><c>getpid</c>.</summary>
    Getpid = 20,

    /// <summary><c>getuid</c> (16-bit ids).</summary>
    Getuid16 = 24,

    /// <summary><c>alarm</c>.</summary>
    Alarm = 27,

    /// <summary><c>pause</c>.</summary>
    Pause = 29,

    /// <summary><c>access</c>.</summary>
    Access = 33,

    /// <summary><c>sync</c>.</summary>
    Sync = 36,

    /// <summary><c>kill</c>.</summary>
    Kill = 37,

    /// <summary><c>rename</c>.</summary>
    Rename = 38,

    /// <summary><c>mkdir</c>.</summary>
    Mkdir = 39,

    /// <summary><c>rmdir</c>.</summary>
    Rmdir = 40,

    /// <summary><c>dup</c>.</summary>
    Dup = 41,

    /// <summary><c>pipe</c>.</summary>
    Pipe = 42,

    /// <summary><c>brk</c>.</summary>
    Brk = 45,

    /// <summary><c>getgid</c> (16-bit ids).</summary>
    Getgid16 = 47,

    /// <summary><c>geteuid</c> (16-bit ids).</summary>
    Geteuid16 = 49,

    /// <summary><c>getegid</c> (16-bit ids).</summary>
    Getegid16 = 50,

    /// <summary><c>setpgid</c>.</summary>
    Setpgid = 57,

    /// <summary><c>umask</c>.</summary>
    Umask = 60,

    /// <summary><c>dup2</c>.</summary>
    Dup2 = 63,

    /// <summary><c>getppid</c>.</summary>
    Getppid = 64,

    /// <summary><c>getpgrp</c>.</summary>
    Getpgrp = 65,

    /// <summary><c>setsid</c>.</summary>
    Setsid = 66,

    /// <summary><c>symlink</c>.</summary>
    Symlink = 83,

    /// <summary><c>readlink</c>.</summary>
    Readlink = 85,

    /// <summary><c>fchmod</c>.</summary>
    Fchmod = 94,

    /// <summary><c>fsync</c>.</summary>
    Fsync = 118,

    /// <summary><c>uname</c> (<c>sys_newuname</c>: the same layout as x86-64's).</summary>
    Uname = 122,

    /// <summary><c>getpgid</c>.</summary>
    Getpgid = 132,

    /// <summary><c>fchdir</c>.</summary>
    Fchdir = 133,

    /// <summary><c>flock</c>.</summary>
    Flock = 143,

    /// <summary><c>getsid</c>.</summary>
    Getsid = 147,

    /// <summary><c>fdatasync</c>.</summary>
    Fdatasync = 148,

    /// <summary><c>sched_yield</c>.</summary>
    SchedYield = 158,

    /// <summary><c>getcwd</c>.</summary>
    Getcwd = 183,

    /// <summary><c>getuid32</c>.</summary>
    Getuid32 = 199,

    /// <summary><c>getgid32</c>.</summary>
    Getgid32 = 200,

    /// <summary><c>geteuid32</c>.</summary>
    Geteuid32 = 201,

    /// <summary><c>getegid32</c>.</summary>
    Getegid32 = 202,

    /// <summary><c>getresuid32</c>.</summary>
    Getresuid32 = 209,

    /// <summary><c>getresgid32</c>.</summary>
    Getresgid32 = 211,

    /// <summary><c>getdents64</c>.</summary>
    Getdents64 = 220,

    /// <summary><c>gettid</c>.</summary>
    Gettid = 224,

    /// <summary><c>tkill</c>.</summary>
    Tkill = 238,

    /// <summary><c>exit_group</c>.</summary>
    ExitGroup = 252,

    /// <summary><c>set_tid_address</c>.</summary>
    SetTidAddress = 258,

    /// <summary><c>tgkill</c>.</summary>
    Tgkill = 270,

    /// <summary><c>mkdirat</c>.</summary>
    Mkdirat = 296,

    /// <summary><c>unlinkat</c>.</summary>
    Unlinkat = 301,

    /// <summary><c>renameat</c>.</summary>
    Renameat = 302,

    /// <summary><c>linkat</c>.</summary>
    Linkat = 303,

    /// <summary><c>symlinkat</c>.</summary>
    Symlinkat = 304,

    /// <summary><c>readlinkat</c>.</summary>
    Readlinkat = 305,

    /// <summary><c>fchmodat</c>.</summary>
    Fchmodat = 306,

    /// <summary><c>faccessat</c>.</summary>
    Faccessat = 307,

    /// <summary><c>getcpu</c>.</summary>
    Getcpu = 318,

    /// <summary><c>dup3</c>.</summary>
    Dup3 = 330,

    /// <summary><c>pipe2</c>.</summary>
    Pipe2 = 331,

    /// <summary><c>getrandom</c>.</summary>
    Getrandom = 355,

    /// <summary>One past the highest number the table can hold.</summary>
    TableSize = 512,
}
