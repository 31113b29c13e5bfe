using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Loader;

/// <summary>Where a loaded program starts.</summary>
/// <param name="Entry">The entry point (RIP).</param>
/// <param name="StackPointer">The initial RSP (16-byte aligned, at argc).</param>
/// <param name="BrkStart">The first address of the heap.</param>
/// <param name="LoadBase">The load bias (0 for ET_EXEC).</param>
/// <param name="Stack">The initial stack as built.</param>
public sealed record LoadedProgram(ulong Entry, ulong StackPointer, ulong BrkStart, ulong LoadBase, InitialStack Stack);

/// <summary>
/// Loads a static ELF64 x86-64 executable (ET_EXEC or static PIE) into an address space: PT_LOAD segments become
/// areas with their permissions (pages shared by two segments get both), .bss is zero, and an 8 MiB lazily populated
/// stack receives argc, argv, envp and the auxiliary vector.
/// </summary>
public static class ProgramLoader
{
    /// <summary>The largest span of loadable segments accepted (the image is assembled in managed memory).</summary>
    public const ulong MaxImageBytes = 1UL << 30;

    /// <summary>Loads <paramref name="file"/>.</summary>
    /// <param name="space">An empty address space.</param>
    /// <param name="file">The executable's bytes.</param>
    /// <param name="argv">The arguments.</param>
    /// <param name="envp">The environment.</param>
    /// <param name="executableName">AT_EXECFN (the path as given to execve).</param>
    /// <param name="identity">uid, euid, gid, egid for the auxiliary vector.</param>
    /// <param name="program">The result.</param>
    /// <returns>None; ENOEXEC for a file that is not a static x86-64 ELF executable; ENOMEM when it does not fit.</returns>
    public static LinuxError Load(AddrSpace space, ReadOnlySpan<byte> file, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp, byte[] executableName, (ulong Uid, ulong Euid, ulong Gid, ulong Egid) identity, out LoadedProgram? program)
    {
        ArgumentNullException.ThrowIfNull(space);
        program = null;
        LinuxError e = ElfImage.TryParse(file, out ElfImage? image);
        if (e != LinuxError.None)
        {
            return e;
        }

        if (image!.NeedsInterpreter)
        {
            return LinuxError.ENOEXEC; // dynamically linked: no dynamic linker support
        }

        ulong bias = image.IsPositionIndependent ? Process.GuestLayout.PieBase : 0;
        ulong low = ulong.MaxValue;
        ulong high = 0;
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type != ElfSegment.Load || s.MemorySize == 0)
            {
                continue;
            }

            low = Math.Min(low, Pages.AlignDown4K(bias + s.VirtualAddress));
            high = Math.Max(high, bias + s.VirtualAddress + s.MemorySize);
        }

        if (low == ulong.MaxValue || !Pages.TryAlignUp4K(high, out high) || low < Process.GuestLayout.UserStart || high > Process.GuestLayout.MmapBase)
        {
            return LinuxError.ENOEXEC;
        }

        if (high - low > MaxImageBytes)
        {
            return LinuxError.ENOMEM;
        }

        // Build the whole image once, then map runs of pages with equal permissions.
        byte[] memory = new byte[high - low];
        MappingFlags[] pageFlags = new MappingFlags[memory.Length / (int)Pages.Size4K];
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type != ElfSegment.Load || s.MemorySize == 0)
            {
                continue;
            }

            ulong at = bias + s.VirtualAddress - low;
            file.Slice((int)s.Offset, (int)s.FileSize).CopyTo(memory.AsSpan((int)at));
            for (ulong page = Pages.AlignDown4K(at); page < at + s.MemorySize; page += Pages.Size4K)
            {
                pageFlags[page / Pages.Size4K] |= s.MappingFlags;
            }
        }

        int run = 0;
        for (int i = 1; i <= pageFlags.Length; i++)
        {
            if (i == pageFlags.Length || pageFlags[i] != pageFlags[run])
            {
                ulong start = low + ((ulong)run * Pages.Size4K);
                ulong size = (ulong)(i - run) * Pages.Size4K;
                if (pageFlags[run] != 0)
                {
                    e = space.MapLinear(new VirtAddr(start), size, pageFlags[run] | MappingFlags.User, memory.AsSpan(run * (int)Pages.Size4K, (int)size));
                    if (e != LinuxError.None)
                    {
                        return e;
                    }
                }

                run = i;
            }
        }

        ulong phdr = 0;
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type == ElfSegment.ProgramHeaders)
            {
                phdr = bias + s.VirtualAddress;
            }
        }

        if (phdr == 0)
        {
            foreach (ElfSegment s in image.Segments)
            {
                if (s.Type == ElfSegment.Load && image.ProgramHeaderOffset >= s.Offset && image.ProgramHeaderOffset < s.Offset + s.FileSize)
                {
                    phdr = bias + s.VirtualAddress + (image.ProgramHeaderOffset - s.Offset);
                }
            }
        }

        e = space.MapAlloc(new VirtAddr(Process.GuestLayout.StackBottom), Process.GuestLayout.StackSize, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, false);
        if (e != LinuxError.None)
        {
            return e;
        }

        byte[] random = new byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        var auxv = new List<KeyValuePair<AuxvType, ulong>>
        {
            new(AuxvType.ProgramHeaders, phdr),
            new(AuxvType.ProgramHeaderSize, image.ProgramHeaderEntrySize),
            new(AuxvType.ProgramHeaderCount, (ulong)image.Segments.Count),
            new(AuxvType.PageSize, Pages.Size4K),
            new(AuxvType.InterpreterBase, 0),
            new(AuxvType.Flags, 0),
            new(AuxvType.Entry, bias + image.Entry),
            new(AuxvType.Uid, identity.Uid),
            new(AuxvType.EffectiveUid, identity.Euid),
            new(AuxvType.Gid, identity.Gid),
            new(AuxvType.EffectiveGid, identity.Egid),
            new(AuxvType.HardwareCapabilities, 0x178bfbff),
            new(AuxvType.ClockTicks, 100),
            new(AuxvType.Secure, 0),
            new(AuxvType.HardwareCapabilities2, 0),
        };
        InitialStack stack = InitialStack.Build(Process.GuestLayout.StackTop, argv, envp, executableName, random, auxv);
        if ((ulong)stack.Image.Length > Process.GuestLayout.StackSize / 4)
        {
            return LinuxError.E2BIG;
        }

        CopyResult written = UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(new VirtAddr(stack.StackPointer)), (ReadOnlySpan<byte>)stack.Image);
        if (!written.IsOk)
        {
            return written.Error;
        }

        program = new LoadedProgram(bias + image.Entry, stack.StackPointer, high, bias, stack);
        return LinuxError.None;
    }
}
