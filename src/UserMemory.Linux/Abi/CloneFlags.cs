using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>clone</c>/<c>clone3</c> flags (<c>CLONE_*</c>); the low byte of <c>clone</c>'s flags is the exit signal (<see cref="ExitSignalMask"/>).</summary>
[Flags]
public enum CloneFlags : ulong
{
    /// <summary><c>CSIGNAL</c>: the signal sent to the parent at exit.</summary>
    ExitSignalMask = 0xff,

    /// <summary><c>CLONE_VM</c>.</summary>
    Vm = 0x100,

    /// <summary><c>CLONE_FS</c>.</summary>
    Fs = 0x200,

    /// <summary><c>CLONE_FILES</c>.</summary>
    Files = 0x400,

    /// <summary><c>CLONE_SIGHAND</c>.</summary>
    SigHand = 0x800,

    /// <summary><c>CLONE_PIDFD</c>.</summary>
    PidFd = 0x1000,

    /// <summary><c>CLONE_PTRACE</c>.</summary>
    Ptrace = 0x2000,

    /// <summary><c>CLONE_VFORK</c>.</summary>
    Vfork = 0x4000,

    /// <summary><c>CLONE_PARENT</c>.</summary>
    Parent = 0x8000,

    /// <summary><c>CLONE_THREAD</c>.</summary>
    Thread = 0x10000,

    /// <summary><c>CLONE_NEWNS</c>.</summary>
    NewNs = 0x20000,

    /// <summary><c>CLONE_SYSVSEM</c>.</summary>
    SysVSem = 0x40000,

    /// <summary><c>CLONE_SETTLS</c>.</summary>
    SetTls = 0x80000,

    /// <summary><c>CLONE_PARENT_SETTID</c>.</summary>
    ParentSetTid = 0x100000,

    /// <summary><c>CLONE_CHILD_CLEARTID</c>.</summary>
    ChildClearTid = 0x200000,

    /// <summary><c>CLONE_DETACHED</c> (ignored).</summary>
    Detached = 0x400000,

    /// <summary><c>CLONE_UNTRACED</c>.</summary>
    Untraced = 0x800000,

    /// <summary><c>CLONE_CHILD_SETTID</c>.</summary>
    ChildSetTid = 0x1000000,

    /// <summary><c>CLONE_NEWCGROUP</c>.</summary>
    NewCgroup = 0x2000000,

    /// <summary><c>CLONE_NEWUTS</c>.</summary>
    NewUts = 0x4000000,

    /// <summary><c>CLONE_NEWIPC</c>.</summary>
    NewIpc = 0x8000000,

    /// <summary><c>CLONE_NEWUSER</c>.</summary>
    NewUser = 0x10000000,

    /// <summary><c>CLONE_NEWPID</c>.</summary>
    NewPid = 0x20000000,

    /// <summary><c>CLONE_NEWNET</c>.</summary>
    NewNet = 0x40000000,

    /// <summary><c>CLONE_IO</c>.</summary>
    Io = 0x80000000,

    /// <summary><c>CLONE_CLEAR_SIGHAND</c> (clone3 only).</summary>
    ClearSignalHandlers = 0x100000000,

    /// <summary><c>CLONE_INTO_CGROUP</c> (clone3 only).</summary>
    IntoCgroup = 0x200000000,
}
