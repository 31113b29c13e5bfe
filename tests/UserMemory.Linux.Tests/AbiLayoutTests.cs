using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Tests;

/// <summary>The ABI structs have Linux's x86-64 sizes and field offsets, and the syscall numbers and names agree.</summary>
public sealed class AbiLayoutTests
{
    [Fact]
    public void Structs_have_the_kernel_sizes()
    {
        Assert.Equal(16, Unsafe.SizeOf<Timespec>());
        Assert.Equal(16, Unsafe.SizeOf<Timeval>());
        Assert.Equal(144, Unsafe.SizeOf<Stat>());
        Assert.Equal(16, Unsafe.SizeOf<StatxTimestamp>());
        Assert.Equal(256, Unsafe.SizeOf<Statx>());
        Assert.Equal(32, Unsafe.SizeOf<KernelSigaction>());
        Assert.Equal(24, Unsafe.SizeOf<SignalStack>());
        Assert.Equal(256, Unsafe.SizeOf<SigContext>());
        Assert.Equal(304, Unsafe.SizeOf<UContext>());
        Assert.Equal(16, Unsafe.SizeOf<RLimit>());
        Assert.Equal(390, Unsafe.SizeOf<UtsName>());
        Assert.Equal(8, Unsafe.SizeOf<PollFd>());
        Assert.Equal(32, Unsafe.SizeOf<Flock>());
        Assert.Equal(8, Unsafe.SizeOf<WindowSize>());
        Assert.Equal(32, Unsafe.SizeOf<Tms>());
        Assert.Equal(24, Unsafe.SizeOf<RobustListHead>());
        Assert.Equal(88, Unsafe.SizeOf<CloneArgs>());
        Assert.Equal(128, Unsafe.SizeOf<SigInfo>());
    }

    [Fact]
    public void Stat_fields_sit_at_the_kernel_offsets()
    {
        var s = new Stat { Mode = 0x81A4, Size = 0x1122334455667788, ModifyTime = new Timespec { Seconds = 7 } };
        byte[] bytes = new byte[Unsafe.SizeOf<Stat>()];
        MemoryMarshal.Write(bytes, in s);
        Assert.Equal(0x81A4u, BitConverter.ToUInt32(bytes, 24));
        Assert.Equal(0x1122334455667788, BitConverter.ToInt64(bytes, 48));
        Assert.Equal(7, BitConverter.ToInt64(bytes, 88));
    }

    [Fact]
    public void Sigaction_ucontext_and_siginfo_fields_sit_at_the_kernel_offsets()
    {
        var act = new KernelSigaction { Handler = 1, Flags = 2, Restorer = 3, Mask = 4 };
        byte[] a = new byte[32];
        MemoryMarshal.Write(a, in act);
        Assert.Equal(3UL, BitConverter.ToUInt64(a, 16));
        Assert.Equal(4UL, BitConverter.ToUInt64(a, 24));

        var uc = new UContext { Machine = new SigContext { Rip = 0xAB, Cr2 = 0xCD }, SignalMask = 0xEF };
        byte[] u = new byte[Unsafe.SizeOf<UContext>()];
        MemoryMarshal.Write(u, in uc);
        Assert.Equal(0xABUL, BitConverter.ToUInt64(u, 40 + 128)); // uc_mcontext at 40, rip at 128 in it
        Assert.Equal(0xCDUL, BitConverter.ToUInt64(u, 40 + 176));
        Assert.Equal(0xEFUL, BitConverter.ToUInt64(u, 296));

        var info = new SigInfo { Signal = 17, Code = 1, Pid = 42, Status = 3 };
        byte[] i = new byte[SigInfo.Size];
        MemoryMarshal.Write(i, in info);
        Assert.Equal(17, BitConverter.ToInt32(i, 0));
        Assert.Equal(42, BitConverter.ToInt32(i, 16));
        Assert.Equal(3, BitConverter.ToInt32(i, 24));
    }

    [Fact]
    public void Syscall_numbers_and_names_agree()
    {
        Assert.Equal(0, (int)SyscallNumber.Read);
        Assert.Equal(13, (int)SyscallNumber.RtSigaction);
        Assert.Equal(56, (int)SyscallNumber.Clone);
        Assert.Equal(202, (int)SyscallNumber.Futex);
        Assert.Equal(231, (int)SyscallNumber.ExitGroup);
        Assert.Equal(257, (int)SyscallNumber.Openat);
        Assert.Equal(273, (int)SyscallNumber.SetRobustList);
        Assert.Equal(290, (int)SyscallNumber.Eventfd2);
        Assert.Equal(334, (int)SyscallNumber.Rseq);
        Assert.Equal(435, (int)SyscallNumber.Clone3);
        Assert.Equal(439, (int)SyscallNumber.Faccessat2);
        foreach (SyscallNumber n in Enum.GetValues<SyscallNumber>())
        {
            string? name = SyscallNames.Of((long)n);
            Assert.NotNull(name);
            Assert.Equal(n.ToString().ToUpperInvariant(), name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant());
        }

        Assert.Null(SyscallNames.Of(-1));
        Assert.Null(SyscallNames.Of(SyscallNames.TableSize));
        Assert.Null(SyscallNames.Of(long.MaxValue));
    }
}
