using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary><c>sigaltstack</c>: Linux's checks (EFAULT for pointers, EPERM while running on the alternate stack,
/// EINVAL for unknown modes, ENOMEM below <c>MINSIGSTKSZ</c>) and the stack a disabled entry becomes.</summary>
internal static class SignalAltStack
{
    /// <summary><c>MINSIGSTKSZ</c> on x86-64.</summary>
    internal const ulong MinimumSize = 2048;

    private static int Size => System.Runtime.InteropServices.Marshal.SizeOf<SignalStack>();

    /// <summary>Checks a new stack's mode and size.</summary>
    /// <param name="s">The stack the guest asked for.</param>
    /// <returns>0, -EINVAL or -ENOMEM.</returns>
    internal static long Validate(SignalStack s)
    {
        int mode = s.Flags & ~SignalFrame.AutoDisarm;
        if (mode != SignalFrame.Disable && mode != SignalFrame.OnStack && mode != 0)
        {
            return -(long)LinuxError.EINVAL;
        }

        return mode != SignalFrame.Disable && s.Size < MinimumSize ? -(long)LinuxError.ENOMEM : 0;
    }

    /// <summary>The stored form of a valid stack: a disabled one has no pointer and no size.</summary>
    /// <param name="s">The validated stack.</param>
    /// <returns>What the task keeps.</returns>
    internal static SignalStack Normalise(SignalStack s) => (s.Flags & ~SignalFrame.AutoDisarm) == SignalFrame.Disable
        ? new SignalStack { Flags = SignalFrame.Disable }
        : new SignalStack { Pointer = s.Pointer, Size = s.Size, Flags = s.Flags };

    /// <summary>The <c>sigaltstack</c> syscall.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="newAddr">The new stack, or 0.</param>
    /// <param name="oldAddr">Where to store the old one, or 0.</param>
    /// <returns>0 or -errno.</returns>
    internal static long Syscall(Task t, ulong newAddr, ulong oldAddr)
    {
        ulong sp = t.Cpu.Read(CpuRegister.Rsp);
        SignalStack current = t.AltStack;
        var old = new SignalStack { Pointer = current.Pointer, Size = current.Size, Flags = SignalFrame.ReportedFlags(t, sp) };
        if (newAddr != 0)
        {
            byte[] raw = new byte[Size];
            if (t.CopyIn(newAddr, raw) < 0)
            {
                return -(long)LinuxError.EFAULT;
            }

            SignalStack wanted = System.Runtime.InteropServices.MemoryMarshal.Read<SignalStack>(raw);
            if (SignalFrame.IsOnAltStack(t, sp))
            {
                return -(long)LinuxError.EPERM;
            }

            long r = Validate(wanted);
            if (r < 0)
            {
                return r;
            }

            t.AltStack = Normalise(wanted);
        }

        if (oldAddr != 0)
        {
            byte[] raw = new byte[Size];
            System.Runtime.InteropServices.MemoryMarshal.Write(raw, in old);
            if (t.CopyOut(oldAddr, raw) < 0)
            {
                return -(long)LinuxError.EFAULT;
            }
        }

        return 0;
    }
}
