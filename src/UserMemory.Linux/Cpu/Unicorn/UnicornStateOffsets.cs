using System;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// Where Unicorn 2.0.1 keeps two pieces of CPU state its API cannot set, found at run time inside a saved context
/// (never hard-coded) and patched through <c>uc_context_save</c>/<c>uc_context_restore</c>:
/// <list type="bullet">
/// <item><b>EFER</b>: <c>UC_X86_REG_MSR</c> masks EFER with the CPU model's features and drops NXE, so NX would be
/// a reserved bit. Found by clearing LME through the MSR write (0x500 → 0x400) and looking for the one 8-byte field
/// that changed that way.</item>
/// <item><b>The exception in flight</b> (QEMU's <c>old_exception</c>): Unicorn delivers exceptions to the interrupt
/// hook without running the code that resets it, so the next page fault or contributory exception would be reported
/// as a double fault. Found by raising one page fault and looking for the one 4-byte field that went from -1 to 14;
/// reset to -1 after every exception.</item>
/// </list>
/// A search that finds nothing or more than one candidate fails with a clear message: guest paging is then refused.
/// </summary>
internal static class UnicornStateOffsets
{
    /// <summary>The value QEMU keeps in <c>old_exception</c> when no exception is in flight.</summary>
    public const int NoException = -1;

    /// <summary>EFER as Unicorn sets it up for 64-bit mode: LME | LMA.</summary>
    public const ulong InitialEfer = 0x500;

    /// <summary>EFER after clearing LME through the MSR write.</summary>
    public const ulong EferWithoutLme = 0x400;

    /// <summary>The offset of EFER in a context, or -1 before <see cref="FindEfer"/>.</summary>
    public static int Efer { get; private set; } = -1;

    /// <summary>The offset of <c>old_exception</c> in a context, or -1 before <see cref="FindOldException"/>.</summary>
    public static int OldException { get; private set; } = -1;

    /// <summary>Finds EFER's offset from two contexts saved before and after clearing LME.</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="before">The context saved before.</param>
    /// <param name="after">The context saved after.</param>
    public static void FindEfer(UnicornEngine engine, nint before, nint after)
    {
        if (Efer >= 0)
        {
            return;
        }

        int found = -1;
        for (int offset = 0; offset <= engine.ContextSize - sizeof(ulong); offset += sizeof(ulong))
        {
            if (engine.ReadContextUInt64(before, offset) == InitialEfer && engine.ReadContextUInt64(after, offset) == EferWithoutLme)
            {
                found = found < 0 ? offset : throw Refused("EFER (several candidates)");
            }
        }

        Efer = found >= 0 ? found : throw Refused("EFER (no candidate)");
    }

    /// <summary>Finds <c>old_exception</c>'s offset from a context saved on a fresh engine and one saved inside the
    /// hook of the first page fault.</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="fresh">The context saved before the fault.</param>
    /// <param name="faulted">The context saved in the hook.</param>
    /// <param name="vector">The vector the hook received (14).</param>
    public static void FindOldException(UnicornEngine engine, nint fresh, nint faulted, int vector)
    {
        if (OldException >= 0)
        {
            return;
        }

        int found = -1;
        for (int offset = 0; offset <= engine.ContextSize - sizeof(int); offset += sizeof(int))
        {
            if (engine.ReadContextInt32(fresh, offset) == NoException && engine.ReadContextInt32(faulted, offset) == vector)
            {
                found = found < 0 ? offset : throw Refused("the exception in flight (several candidates)");
            }
        }

        OldException = found >= 0 ? found : throw Refused("the exception in flight (no candidate)");
    }

    private static InvalidOperationException Refused(string what) =>
        new("This Unicorn build does not keep " + what + " where guest paging expects it; guest paging is refused (tested with Unicorn 2.0.1).");
}
