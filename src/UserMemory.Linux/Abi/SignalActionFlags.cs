using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>sa_flags</c> of <c>rt_sigaction</c> (<c>SA_*</c>).</summary>
[Flags]
public enum SignalActionFlags : ulong
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>SA_NOCLDSTOP</c>.</summary>
    NoChildStop = 0x1,

    /// <summary><c>SA_NOCLDWAIT</c>.</summary>
    NoChildWait = 0x2,

    /// <summary><c>SA_SIGINFO</c>.</summary>
    SigInfo = 0x4,

    /// <summary><c>SA_UNSUPPORTED</c>.</summary>
    UnsupportedProbe = 0x400,

    /// <summary><c>SA_EXPOSE_TAGBITS</c>.</summary>
    ExposeTagBits = 0x800,

    /// <summary><c>SA_RESTORER</c>.</summary>
    Restorer = 0x04000000,

    /// <summary><c>SA_ONSTACK</c>.</summary>
    OnStack = 0x08000000,

    /// <summary><c>SA_RESTART</c>.</summary>
    Restart = 0x10000000,

    /// <summary><c>SA_NODEFER</c>.</summary>
    NoDefer = 0x40000000,

    /// <summary><c>SA_RESETHAND</c>.</summary>
    ResetHandler = 0x80000000,
}
