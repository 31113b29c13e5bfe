namespace UserMemory.Linux.Abi;

/// <summary>The x86-64 Linux system call numbers (RAX at <c>syscall</c>; <c>arch/x86/entry/syscalls/syscall_64.tbl</c>).
/// Member names are the Linux names in Pascal case; <see cref="SyscallNames"/> has the Linux spelling.</summary>
public enum SyscallNumber
{
    /// <summary><c>read</c>.</summary>
    Read = 0,

    /// <summary><c>write</c>.</summary>
    Write = 1,

    /// <summary><c>open</c>.</summary>
    Open = 2,

    /// <summary><c>close</c>.</summary>
    Close = 3,

    /// <summary><c>stat</c>.</summary>
    Stat = 4,

    /// <summary><c>fstat</c>.</summary>
    Fstat = 5,

    /// <summary><c>lstat</c>.</summary>
    Lstat = 6,

    /// <summary><c>poll</c>.</summary>
    Poll = 7,

    /// <summary><c>lseek</c>.</summary>
    Lseek = 8,

    /// <summary><c>mmap</c>.</summary>
    Mmap = 9,

    /// <summary><c>mprotect</c>.</summary>
    Mprotect = 10,

    /// <summary><c>munmap</c>.</summary>
    Munmap = 11,

    /// <summary><c>brk</c>.</summary>
    Brk = 12,

    /// <summary><c>rt_sigaction</c>.</summary>
    RtSigaction = 13,

    /// <summary><c>rt_sigprocmask</c>.</summary>
    RtSigprocmask = 14,

    /// <summary><c>rt_sigreturn</c>.</summary>
    RtSigreturn = 15,

    /// <summary><c>ioctl</c>.</summary>
    Ioctl = 16,

    /// <summary><c>pread64</c>.</summary>
    Pread64 = 17,

    /// <summary><c>pwrite64</c>.</summary>
    Pwrite64 = 18,

    /// <summary><c>readv</c>.</summary>
    Readv = 19,

    /// <summary><c>writev</c>.</summary>
    Writev = 20,

    /// <summary><c>access</c>.</summary>
    Access = 21,

    /// <summary><c>pipe</c>.</summary>
    Pipe = 22,

    /// <summary><c>select</c>.</summary>
    Select = 23,

    /// <summary><c>sched_yield</c>.</summary>
    SchedYield = 24,

    /// <summary><c>mremap</c>.</summary>
    Mremap = 25,

    /// <summary><c>msync</c>.</summary>
    Msync = 26,

    /// <summary><c>mincore</c>.</summary>
    Mincore = 27,

    /// <summary><c>madvise</c>.</summary>
    Madvise = 28,

    /// <summary><c>shmget</c>.</summary>
    Shmget = 29,

    /// <summary><c>shmat</c>.</summary>
    Shmat = 30,

    /// <summary><c>shmctl</c>.</summary>
    Shmctl = 31,

    /// <summary><c>dup</c>.</summary>
    Dup = 32,

    /// <summary><c>dup2</c>.</summary>
    Dup2 = 33,

    /// <summary><c>pause</c>.</summary>
    Pause = 34,

    /// <summary><c>nanosleep</c>.</summary>
    Nanosleep = 35,

    /// <summary><c>getitimer</c>.</summary>
    Getitimer = 36,

    /// <summary><c>alarm</c>.</summary>
    Alarm = 37,

    /// <summary><c>setitimer</c>.</summary>
    Setitimer = 38,

    /// <summary><c>getpid</c>.</summary>
    Getpid = 39,

    /// <summary><c>sendfile</c>.</summary>
    Sendfile = 40,

    /// <summary><c>socket</c>.</summary>
    Socket = 41,

    /// <summary><c>connect</c>.</summary>
    Connect = 42,

    /// <summary><c>accept</c>.</summary>
    Accept = 43,

    /// <summary><c>sendto</c>.</summary>
    Sendto = 44,

    /// <summary><c>recvfrom</c>.</summary>
    Recvfrom = 45,

    /// <summary><c>sendmsg</c>.</summary>
    Sendmsg = 46,

    /// <summary><c>recvmsg</c>.</summary>
    Recvmsg = 47,

    /// <summary><c>shutdown</c>.</summary>
    Shutdown = 48,

    /// <summary><c>bind</c>.</summary>
    Bind = 49,

    /// <summary><c>listen</c>.</summary>
    Listen = 50,

    /// <summary><c>getsockname</c>.</summary>
    Getsockname = 51,

    /// <summary><c>getpeername</c>.</summary>
    Getpeername = 52,

    /// <summary><c>socketpair</c>.</summary>
    Socketpair = 53,

    /// <summary><c>setsockopt</c>.</summary>
    Setsockopt = 54,

    /// <summary><c>getsockopt</c>.</summary>
    Getsockopt = 55,

    /// <summary><c>clone</c>.</summary>
    Clone = 56,

    /// <summary><c>fork</c>.</summary>
    Fork = 57,

    /// <summary><c>vfork</c>.</summary>
    Vfork = 58,

    /// <summary><c>execve</c>.</summary>
    Execve = 59,

    /// <summary><c>exit</c>.</summary>
    Exit = 60,

    /// <summary><c>wait4</c>.</summary>
    Wait4 = 61,

    /// <summary><c>kill</c>.</summary>
    Kill = 62,

    /// <summary><c>uname</c>.</summary>
    Uname = 63,

    /// <summary><c>semget</c>.</summary>
    Semget = 64,

    /// <summary><c>semop</c>.</summary>
    Semop = 65,

    /// <summary><c>semctl</c>.</summary>
    Semctl = 66,

    /// <summary><c>shmdt</c>.</summary>
    Shmdt = 67,

    /// <summary><c>msgget</c>.</summary>
    Msgget = 68,

    /// <summary><c>msgsnd</c>.</summary>
    Msgsnd = 69,

    /// <summary><c>msgrcv</c>.</summary>
    Msgrcv = 70,

    /// <summary><c>msgctl</c>.</summary>
    Msgctl = 71,

    /// <summary><c>fcntl</c>.</summary>
    Fcntl = 72,

    /// <summary><c>flock</c>.</summary>
    Flock = 73,

    /// <summary><c>fsync</c>.</summary>
    Fsync = 74,

    /// <summary><c>fdatasync</c>.</summary>
    Fdatasync = 75,

    /// <summary><c>truncate</c>.</summary>
    Truncate = 76,

    /// <summary><c>ftruncate</c>.</summary>
    Ftruncate = 77,

    /// <summary><c>getdents</c>.</summary>
    Getdents = 78,

    /// <summary><c>getcwd</c>.</summary>
    Getcwd = 79,

    /// <summary><c>chdir</c>.</summary>
    Chdir = 80,

    /// <summary><c>fchdir</c>.</summary>
    Fchdir = 81,

    /// <summary><c>rename</c>.</summary>
    Rename = 82,

    /// <summary><c>mkdir</c>.</summary>
    Mkdir = 83,

    /// <summary><c>rmdir</c>.</summary>
    Rmdir = 84,

    /// <summary><c>creat</c>.</summary>
    Creat = 85,

    /// <summary><c>link</c>.</summary>
    Link = 86,

    /// <summary><c>unlink</c>.</summary>
    Unlink = 87,

    /// <summary><c>symlink</c>.</summary>
    Symlink = 88,

    /// <summary><c>readlink</c>.</summary>
    Readlink = 89,

    /// <summary><c>chmod</c>.</summary>
    Chmod = 90,

    /// <summary><c>fchmod</c>.</summary>
    Fchmod = 91,

    /// <summary><c>chown</c>.</summary>
    Chown = 92,

    /// <summary><c>fchown</c>.</summary>
    Fchown = 93,

    /// <summary><c>lchown</c>.</summary>
    Lchown = 94,

    /// <summary><c>umask</c>.</summary>
    Umask = 95,

    /// <summary><c>gettimeofday</c>.</summary>
    Gettimeofday = 96,

    /// <summary><c>getrlimit</c>.</summary>
    Getrlimit = 97,

    /// <summary><c>getrusage</c>.</summary>
    Getrusage = 98,

    /// <summary><c>sysinfo</c>.</summary>
    Sysinfo = 99,

    /// <summary><c>times</c>.</summary>
    Times = 100,

    /// <summary><c>ptrace</c>.</summary>
    Ptrace = 101,

    /// <summary><c>getuid</c>.</summary>
    Getuid = 102,

    /// <summary><c>syslog</c>.</summary>
    Syslog = 103,

    /// <summary><c>getgid</c>.</summary>
    Getgid = 104,

    /// <summary><c>setuid</c>.</summary>
    Setuid = 105,

    /// <summary><c>setgid</c>.</summary>
    Setgid = 106,

    /// <summary><c>geteuid</c>.</summary>
    Geteuid = 107,

    /// <summary><c>getegid</c>.</summary>
    Getegid = 108,

    /// <summary><c>setpgid</c>.</summary>
    Setpgid = 109,

    /// <summary><c>getppid</c>.</summary>
    Getppid = 110,

    /// <summary><c>getpgrp</c>.</summary>
    Getpgrp = 111,

    /// <summary><c>setsid</c>.</summary>
    Setsid = 112,

    /// <summary><c>setreuid</c>.</summary>
    Setreuid = 113,

    /// <summary><c>setregid</c>.</summary>
    Setregid = 114,

    /// <summary><c>getgroups</c>.</summary>
    Getgroups = 115,

    /// <summary><c>setgroups</c>.</summary>
    Setgroups = 116,

    /// <summary><c>setresuid</c>.</summary>
    Setresuid = 117,

    /// <summary><c>getresuid</c>.</summary>
    Getresuid = 118,

    /// <summary><c>setresgid</c>.</summary>
    Setresgid = 119,

    /// <summary><c>getresgid</c>.</summary>
    Getresgid = 120,

    /// <summary><c>getpgid</c>.</summary>
    Getpgid = 121,

    /// <summary><c>setfsuid</c>.</summary>
    Setfsuid = 122,

    /// <summary><c>setfsgid</c>.</summary>
    Setfsgid = 123,

    /// <summary><c>getsid</c>.</summary>
    Getsid = 124,

    /// <summary><c>capget</c>.</summary>
    Capget = 125,

    /// <summary><c>capset</c>.</summary>
    Capset = 126,

    /// <summary><c>rt_sigpending</c>.</summary>
    RtSigpending = 127,

    /// <summary><c>rt_sigtimedwait</c>.</summary>
    RtSigtimedwait = 128,

    /// <summary><c>rt_sigqueueinfo</c>.</summary>
    RtSigqueueinfo = 129,

    /// <summary><c>rt_sigsuspend</c>.</summary>
    RtSigsuspend = 130,

    /// <summary><c>sigaltstack</c>.</summary>
    Sigaltstack = 131,

    /// <summary><c>utime</c>.</summary>
    Utime = 132,

    /// <summary><c>mknod</c>.</summary>
    Mknod = 133,

    /// <summary><c>uselib</c>.</summary>
    Uselib = 134,

    /// <summary><c>personality</c>.</summary>
    Personality = 135,

    /// <summary><c>ustat</c>.</summary>
    Ustat = 136,

    /// <summary><c>statfs</c>.</summary>
    Statfs = 137,

    /// <summary><c>fstatfs</c>.</summary>
    Fstatfs = 138,

    /// <summary><c>sysfs</c>.</summary>
    Sysfs = 139,

    /// <summary><c>getpriority</c>.</summary>
    Getpriority = 140,

    /// <summary><c>setpriority</c>.</summary>
    Setpriority = 141,

    /// <summary><c>sched_setparam</c>.</summary>
    SchedSetparam = 142,

    /// <summary><c>sched_getparam</c>.</summary>
    SchedGetparam = 143,

    /// <summary><c>sched_setscheduler</c>.</summary>
    SchedSetscheduler = 144,

    /// <summary><c>sched_getscheduler</c>.</summary>
    SchedGetscheduler = 145,

    /// <summary><c>sched_get_priority_max</c>.</summary>
    SchedGetPriorityMax = 146,

    /// <summary><c>sched_get_priority_min</c>.</summary>
    SchedGetPriorityMin = 147,

    /// <summary><c>sched_rr_get_interval</c>.</summary>
    SchedRrGetInterval = 148,

    /// <summary><c>mlock</c>.</summary>
    Mlock = 149,

    /// <summary><c>munlock</c>.</summary>
    Munlock = 150,

    /// <summary><c>mlockall</c>.</summary>
    Mlockall = 151,

    /// <summary><c>munlockall</c>.</summary>
    Munlockall = 152,

    /// <summary><c>vhangup</c>.</summary>
    Vhangup = 153,

    /// <summary><c>modify_ldt</c>.</summary>
    ModifyLdt = 154,

    /// <summary><c>pivot_root</c>.</summary>
    PivotRoot = 155,

    /// <summary><c>_sysctl</c>.</summary>
    Sysctl = 156,

    /// <summary><c>prctl</c>.</summary>
    Prctl = 157,

    /// <summary><c>arch_prctl</c>.</summary>
    ArchPrctl = 158,

    /// <summary><c>adjtimex</c>.</summary>
    Adjtimex = 159,

    /// <summary><c>setrlimit</c>.</summary>
    Setrlimit = 160,

    /// <summary><c>chroot</c>.</summary>
    Chroot = 161,

    /// <summary><c>sync</c>.</summary>
    Sync = 162,

    /// <summary><c>acct</c>.</summary>
    Acct = 163,

    /// <summary><c>settimeofday</c>.</summary>
    Settimeofday = 164,

    /// <summary><c>mount</c>.</summary>
    Mount = 165,

    /// <summary><c>umount2</c>.</summary>
    Umount2 = 166,

    /// <summary><c>swapon</c>.</summary>
    Swapon = 167,

    /// <summary><c>swapoff</c>.</summary>
    Swapoff = 168,

    /// <summary><c>reboot</c>.</summary>
    Reboot = 169,

    /// <summary><c>sethostname</c>.</summary>
    Sethostname = 170,

    /// <summary><c>setdomainname</c>.</summary>
    Setdomainname = 171,

    /// <summary><c>iopl</c>.</summary>
    Iopl = 172,

    /// <summary><c>ioperm</c>.</summary>
    Ioperm = 173,

    /// <summary><c>init_module</c>.</summary>
    InitModule = 175,

    /// <summary><c>delete_module</c>.</summary>
    DeleteModule = 176,

    /// <summary><c>quotactl</c>.</summary>
    Quotactl = 179,

    /// <summary><c>gettid</c>.</summary>
    Gettid = 186,

    /// <summary><c>readahead</c>.</summary>
    Readahead = 187,

    /// <summary><c>setxattr</c>.</summary>
    Setxattr = 188,

    /// <summary><c>lsetxattr</c>.</summary>
    Lsetxattr = 189,

    /// <summary><c>fsetxattr</c>.</summary>
    Fsetxattr = 190,

    /// <summary><c>getxattr</c>.</summary>
    Getxattr = 191,

    /// <summary><c>lgetxattr</c>.</summary>
    Lgetxattr = 192,

    /// <summary><c>fgetxattr</c>.</summary>
    Fgetxattr = 193,

    /// <summary><c>listxattr</c>.</summary>
    Listxattr = 194,

    /// <summary><c>llistxattr</c>.</summary>
    Llistxattr = 195,

    /// <summary><c>flistxattr</c>.</summary>
    Flistxattr = 196,

    /// <summary><c>removexattr</c>.</summary>
    Removexattr = 197,

    /// <summary><c>lremovexattr</c>.</summary>
    Lremovexattr = 198,

    /// <summary><c>fremovexattr</c>.</summary>
    Fremovexattr = 199,

    /// <summary><c>tkill</c>.</summary>
    Tkill = 200,

    /// <summary><c>time</c>.</summary>
    Time = 201,

    /// <summary><c>futex</c>.</summary>
    Futex = 202,

    /// <summary><c>sched_setaffinity</c>.</summary>
    SchedSetaffinity = 203,

    /// <summary><c>sched_getaffinity</c>.</summary>
    SchedGetaffinity = 204,

    /// <summary><c>set_thread_area</c>.</summary>
    SetThreadArea = 205,

    /// <summary><c>io_setup</c>.</summary>
    IoSetup = 206,

    /// <summary><c>io_destroy</c>.</summary>
    IoDestroy = 207,

    /// <summary><c>io_getevents</c>.</summary>
    IoGetevents = 208,

    /// <summary><c>io_submit</c>.</summary>
    IoSubmit = 209,

    /// <summary><c>io_cancel</c>.</summary>
    IoCancel = 210,

    /// <summary><c>get_thread_area</c>.</summary>
    GetThreadArea = 211,

    /// <summary><c>lookup_dcookie</c>.</summary>
    LookupDcookie = 212,

    /// <summary><c>epoll_create</c>.</summary>
    EpollCreate = 213,

    /// <summary><c>remap_file_pages</c>.</summary>
    RemapFilePages = 216,

    /// <summary><c>getdents64</c>.</summary>
    Getdents64 = 217,

    /// <summary><c>set_tid_address</c>.</summary>
    SetTidAddress = 218,

    /// <summary><c>restart_syscall</c>.</summary>
    RestartSyscall = 219,

    /// <summary><c>semtimedop</c>.</summary>
    Semtimedop = 220,

    /// <summary><c>fadvise64</c>.</summary>
    Fadvise64 = 221,

    /// <summary><c>timer_create</c>.</summary>
    TimerCreate = 222,

    /// <summary><c>timer_settime</c>.</summary>
    TimerSettime = 223,

    /// <summary><c>timer_gettime</c>.</summary>
    TimerGettime = 224,

    /// <summary><c>timer_getoverrun</c>.</summary>
    TimerGetoverrun = 225,

    /// <summary><c>timer_delete</c>.</summary>
    TimerDelete = 226,

    /// <summary><c>clock_settime</c>.</summary>
    ClockSettime = 227,

    /// <summary><c>clock_gettime</c>.</summary>
    ClockGettime = 228,

    /// <summary><c>clock_getres</c>.</summary>
    ClockGetres = 229,

    /// <summary><c>clock_nanosleep</c>.</summary>
    ClockNanosleep = 230,

    /// <summary><c>exit_group</c>.</summary>
    ExitGroup = 231,

    /// <summary><c>epoll_wait</c>.</summary>
    EpollWait = 232,

    /// <summary><c>epoll_ctl</c>.</summary>
    EpollCtl = 233,

    /// <summary><c>tgkill</c>.</summary>
    Tgkill = 234,

    /// <summary><c>utimes</c>.</summary>
    Utimes = 235,

    /// <summary><c>mbind</c>.</summary>
    Mbind = 237,

    /// <summary><c>set_mempolicy</c>.</summary>
    SetMempolicy = 238,

    /// <summary><c>get_mempolicy</c>.</summary>
    GetMempolicy = 239,

    /// <summary><c>mq_open</c>.</summary>
    MqOpen = 240,

    /// <summary><c>mq_unlink</c>.</summary>
    MqUnlink = 241,

    /// <summary><c>mq_timedsend</c>.</summary>
    MqTimedsend = 242,

    /// <summary><c>mq_timedreceive</c>.</summary>
    MqTimedreceive = 243,

    /// <summary><c>mq_notify</c>.</summary>
    MqNotify = 244,

    /// <summary><c>mq_getsetattr</c>.</summary>
    MqGetsetattr = 245,

    /// <summary><c>kexec_load</c>.</summary>
    KexecLoad = 246,

    /// <summary><c>waitid</c>.</summary>
    Waitid = 247,

    /// <summary><c>add_key</c>.</summary>
    AddKey = 248,

    /// <summary><c>request_key</c>.</summary>
    RequestKey = 249,

    /// <summary><c>keyctl</c>.</summary>
    Keyctl = 250,

    /// <summary><c>ioprio_set</c>.</summary>
    IoprioSet = 251,

    /// <summary><c>ioprio_get</c>.</summary>
    IoprioGet = 252,

    /// <summary><c>inotify_init</c>.</summary>
    InotifyInit = 253,

    /// <summary><c>inotify_add_watch</c>.</summary>
    InotifyAddWatch = 254,

    /// <summary><c>inotify_rm_watch</c>.</summary>
    InotifyRmWatch = 255,

    /// <summary><c>migrate_pages</c>.</summary>
    MigratePages = 256,

    /// <summary><c>openat</c>.</summary>
    Openat = 257,

    /// <summary><c>mkdirat</c>.</summary>
    Mkdirat = 258,

    /// <summary><c>mknodat</c>.</summary>
    Mknodat = 259,

    /// <summary><c>fchownat</c>.</summary>
    Fchownat = 260,

    /// <summary><c>futimesat</c>.</summary>
    Futimesat = 261,

    /// <summary><c>newfstatat</c>.</summary>
    Newfstatat = 262,

    /// <summary><c>unlinkat</c>.</summary>
    Unlinkat = 263,

    /// <summary><c>renameat</c>.</summary>
    Renameat = 264,

    /// <summary><c>linkat</c>.</summary>
    Linkat = 265,

    /// <summary><c>symlinkat</c>.</summary>
    Symlinkat = 266,

    /// <summary><c>readlinkat</c>.</summary>
    Readlinkat = 267,

    /// <summary><c>fchmodat</c>.</summary>
    Fchmodat = 268,

    /// <summary><c>faccessat</c>.</summary>
    Faccessat = 269,

    /// <summary><c>pselect6</c>.</summary>
    Pselect6 = 270,

    /// <summary><c>ppoll</c>.</summary>
    Ppoll = 271,

    /// <summary><c>unshare</c>.</summary>
    Unshare = 272,

    /// <summary><c>set_robust_list</c>.</summary>
    SetRobustList = 273,

    /// <summary><c>get_robust_list</c>.</summary>
    GetRobustList = 274,

    /// <summary><c>splice</c>.</summary>
    Splice = 275,

    /// <summary><c>tee</c>.</summary>
    Tee = 276,

    /// <summary><c>sync_file_range</c>.</summary>
    SyncFileRange = 277,

    /// <summary><c>vmsplice</c>.</summary>
    Vmsplice = 278,

    /// <summary><c>move_pages</c>.</summary>
    MovePages = 279,

    /// <summary><c>utimensat</c>.</summary>
    Utimensat = 280,

    /// <summary><c>epoll_pwait</c>.</summary>
    EpollPwait = 281,

    /// <summary><c>signalfd</c>.</summary>
    Signalfd = 282,

    /// <summary><c>timerfd_create</c>.</summary>
    TimerfdCreate = 283,

    /// <summary><c>eventfd</c>.</summary>
    Eventfd = 284,

    /// <summary><c>fallocate</c>.</summary>
    Fallocate = 285,

    /// <summary><c>timerfd_settime</c>.</summary>
    TimerfdSettime = 286,

    /// <summary><c>timerfd_gettime</c>.</summary>
    TimerfdGettime = 287,

    /// <summary><c>accept4</c>.</summary>
    Accept4 = 288,

    /// <summary><c>signalfd4</c>.</summary>
    Signalfd4 = 289,

    /// <summary><c>eventfd2</c>.</summary>
    Eventfd2 = 290,

    /// <summary><c>epoll_create1</c>.</summary>
    EpollCreate1 = 291,

    /// <summary><c>dup3</c>.</summary>
    Dup3 = 292,

    /// <summary><c>pipe2</c>.</summary>
    Pipe2 = 293,

    /// <summary><c>inotify_init1</c>.</summary>
    InotifyInit1 = 294,

    /// <summary><c>preadv</c>.</summary>
    Preadv = 295,

    /// <summary><c>pwritev</c>.</summary>
    Pwritev = 296,

    /// <summary><c>rt_tgsigqueueinfo</c>.</summary>
    RtTgsigqueueinfo = 297,

    /// <summary><c>perf_event_open</c>.</summary>
    PerfEventOpen = 298,

    /// <summary><c>recvmmsg</c>.</summary>
    Recvmmsg = 299,

    /// <summary><c>fanotify_init</c>.</summary>
    FanotifyInit = 300,

    /// <summary><c>fanotify_mark</c>.</summary>
    FanotifyMark = 301,

    /// <summary><c>prlimit64</c>.</summary>
    Prlimit64 = 302,

    /// <summary><c>name_to_handle_at</c>.</summary>
    NameToHandleAt = 303,

    /// <summary><c>open_by_handle_at</c>.</summary>
    OpenByHandleAt = 304,

    /// <summary><c>clock_adjtime</c>.</summary>
    ClockAdjtime = 305,

    /// <summary><c>syncfs</c>.</summary>
    Syncfs = 306,

    /// <summary><c>sendmmsg</c>.</summary>
    Sendmmsg = 307,

    /// <summary><c>setns</c>.</summary>
    Setns = 308,

    /// <summary><c>getcpu</c>.</summary>
    Getcpu = 309,

    /// <summary><c>process_vm_readv</c>.</summary>
    ProcessVmReadv = 310,

    /// <summary><c>process_vm_writev</c>.</summary>
    ProcessVmWritev = 311,

    /// <summary><c>kcmp</c>.</summary>
    Kcmp = 312,

    /// <summary><c>finit_module</c>.</summary>
    FinitModule = 313,

    /// <summary><c>sched_setattr</c>.</summary>
    SchedSetattr = 314,

    /// <summary><c>sched_getattr</c>.</summary>
    SchedGetattr = 315,

    /// <summary><c>renameat2</c>.</summary>
    Renameat2 = 316,

    /// <summary><c>seccomp</c>.</summary>
    Seccomp = 317,

    /// <summary><c>getrandom</c>.</summary>
    Getrandom = 318,

    /// <summary><c>memfd_create</c>.</summary>
    MemfdCreate = 319,

    /// <summary><c>kexec_file_load</c>.</summary>
    KexecFileLoad = 320,

    /// <summary><c>bpf</c>.</summary>
    Bpf = 321,

    /// <summary><c>execveat</c>.</summary>
    Execveat = 322,

    /// <summary><c>userfaultfd</c>.</summary>
    Userfaultfd = 323,

    /// <summary><c>membarrier</c>.</summary>
    Membarrier = 324,

    /// <summary><c>mlock2</c>.</summary>
    Mlock2 = 325,

    /// <summary><c>copy_file_range</c>.</summary>
    CopyFileRange = 326,

    /// <summary><c>preadv2</c>.</summary>
    Preadv2 = 327,

    /// <summary><c>pwritev2</c>.</summary>
    Pwritev2 = 328,

    /// <summary><c>pkey_mprotect</c>.</summary>
    PkeyMprotect = 329,

    /// <summary><c>pkey_alloc</c>.</summary>
    PkeyAlloc = 330,

    /// <summary><c>pkey_free</c>.</summary>
    PkeyFree = 331,

    /// <summary><c>statx</c>.</summary>
    Statx = 332,

    /// <summary><c>io_pgetevents</c>.</summary>
    IoPgetevents = 333,

    /// <summary><c>rseq</c>.</summary>
    Rseq = 334,

    /// <summary><c>pidfd_send_signal</c>.</summary>
    PidfdSendSignal = 424,

    /// <summary><c>io_uring_setup</c>.</summary>
    IoUringSetup = 425,

    /// <summary><c>io_uring_enter</c>.</summary>
    IoUringEnter = 426,

    /// <summary><c>io_uring_register</c>.</summary>
    IoUringRegister = 427,

    /// <summary><c>open_tree</c>.</summary>
    OpenTree = 428,

    /// <summary><c>move_mount</c>.</summary>
    MoveMount = 429,

    /// <summary><c>fsopen</c>.</summary>
    Fsopen = 430,

    /// <summary><c>fsconfig</c>.</summary>
    Fsconfig = 431,

    /// <summary><c>fsmount</c>.</summary>
    Fsmount = 432,

    /// <summary><c>fspick</c>.</summary>
    Fspick = 433,

    /// <summary><c>pidfd_open</c>.</summary>
    PidfdOpen = 434,

    /// <summary><c>clone3</c>.</summary>
    Clone3 = 435,

    /// <summary><c>close_range</c>.</summary>
    CloseRange = 436,

    /// <summary><c>openat2</c>.</summary>
    Openat2 = 437,

    /// <summary><c>pidfd_getfd</c>.</summary>
    PidfdGetfd = 438,

    /// <summary><c>faccessat2</c>.</summary>
    Faccessat2 = 439,

    /// <summary><c>process_madvise</c>.</summary>
    ProcessMadvise = 440,

    /// <summary><c>epoll_pwait2</c>.</summary>
    EpollPwait2 = 441,

    /// <summary><c>mount_setattr</c>.</summary>
    MountSetattr = 442,

    /// <summary><c>quotactl_fd</c>.</summary>
    QuotactlFd = 443,

    /// <summary><c>landlock_create_ruleset</c>.</summary>
    LandlockCreateRuleset = 444,

    /// <summary><c>landlock_add_rule</c>.</summary>
    LandlockAddRule = 445,

    /// <summary><c>landlock_restrict_self</c>.</summary>
    LandlockRestrictSelf = 446,

    /// <summary><c>memfd_secret</c>.</summary>
    MemfdSecret = 447,

    /// <summary><c>process_mrelease</c>.</summary>
    ProcessMrelease = 448,

    /// <summary><c>futex_waitv</c>.</summary>
    FutexWaitv = 449,

    /// <summary><c>set_mempolicy_home_node</c>.</summary>
    SetMempolicyHomeNode = 450,

    /// <summary><c>cachestat</c>.</summary>
    Cachestat = 451,

    /// <summary><c>fchmodat2</c>.</summary>
    Fchmodat2 = 452,

    /// <summary><c>map_shadow_stack</c>.</summary>
    MapShadowStack = 453,

    /// <summary><c>futex_wake</c>.</summary>
    FutexWake = 454,

    /// <summary><c>futex_wait</c>.</summary>
    FutexWait = 455,

    /// <summary><c>futex_requeue</c>.</summary>
    FutexRequeue = 456,
}
