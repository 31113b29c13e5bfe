using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Loader.Vdso;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Loader;

/// <summary>Where a loaded program starts.</summary>
/// <param name="Entry">The entry point (RIP): the dynamic linker's for a program with PT_INTERP, else the program's.</param>
/// <param name="StackPointer">The initial RSP (16-byte aligned, at argc).</param>
/// <param name="BrkStart">The first address of the heap.</param>
/// <param name="LoadBase">The program's load bias (0 for ET_EXEC).</param>
/// <param name="Stack">The initial stack as built.</param>
public sealed record LoadedProgram(ulong Entry, ulong StackPointer, ulong BrkStart, ulong LoadBase, InitialStack Stack);

/// <summary>
/// Loads an ELF64 x86-64 executable into an address space as Linux's ELF loader does: ET_EXEC at its addresses,
/// ET_DYN (PIE) at <see cref="GuestLayout.PieBase"/>, and for a program with PT_INTERP the dynamic linker it names
/// (e.g. <c>/lib64/ld-linux-x86-64.so.2</c>) in the mmap area, where execution starts. Segments are mapped by
/// <see cref="SegmentMapper"/> (file pages copied, <c>.bss</c> past the file lazy); an 8 MiB lazily populated stack
/// receives argc, argv, envp and the auxiliary vector (AT_BASE = the linker's base, AT_ENTRY = the program's entry).
/// A vDSO (<see cref="VdsoImage"/>, AT_SYSINFO_EHDR) and its clock page are mapped below the stack.
/// </summary>
public static class ProgramLoader
{
    /// <summary>The largest span of one image's loadable segments accepted (file pages plus lazy <c>.bss</c>).</summary>
    public const ulong MaxImageBytes = 16UL << 30;

    /// <summary>The largest segment alignment honoured when choosing a load bias.</summary>
    private const ulong MaxLoadAlignment = 1UL << 30;

    /// <summary>AT_HWCAP on x86-64: CPUID leaf 1's EDX of a baseline x86-64 CPU.</summary>
    private const ulong BaselineHardwareCapabilities = 0x178bfbff;

    /// <summary>AT_MINSIGSTKSZ: the signal frame of a CPU without extended (AVX) state, rounded up like MINSIGSTKSZ.</summary>
    private const ulong MinSignalStackBytes = 2048;

    /// <summary>AT_CLKTCK: USER_HZ.</summary>
    private const ulong ClockTicksPerSecond = 100;

    /// <summary>The unmapped gap between the vDSO and the stack's lowest page.</summary>
    private const ulong VdsoGapBelowStack = 1UL << 20;

    /// <summary>Bytes of AT_RANDOM.</summary>
    private const int RandomBytes = 16;

    /// <summary>Loads <paramref name="file"/>, reading a dynamic linker it names from the host.</summary>
    /// <param name="space">An empty address space.</param>
    /// <param name="file">The executable's bytes.</param>
    /// <param name="argv">The arguments.</param>
    /// <param name="envp">The environment.</param>
    /// <param name="executableName">AT_EXECFN (the path as given to execve).</param>
    /// <param name="identity">uid, euid, gid, egid for the auxiliary vector.</param>
    /// <param name="program">The result.</param>
    /// <returns>None; ENOEXEC for a file that is not an x86-64 ELF executable; ENOENT/EACCES when its dynamic linker
    /// cannot be read, ELIBBAD when that is not an x86-64 ELF image; ENOMEM when it does not fit; E2BIG when the
    /// arguments do not fit the stack. On failure the space is left empty.</returns>
    public static LinuxError Load(AddrSpace space, ReadOnlySpan<byte> file, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp, byte[] executableName, (ulong Uid, ulong Euid, ulong Gid, ulong Egid) identity, out LoadedProgram? program) =>
        Load(space, file, ExecutableCheck.ReadFile, argv, envp, executableName, identity, out program);

    /// <summary>Loads <paramref name="file"/>, reading a dynamic linker it names through <paramref name="readInterpreter"/>.</summary>
    /// <param name="space">An empty address space.</param>
    /// <param name="file">The executable's bytes.</param>
    /// <param name="readInterpreter">Reads the PT_INTERP file.</param>
    /// <param name="argv">The arguments.</param>
    /// <param name="envp">The environment.</param>
    /// <param name="executableName">AT_EXECFN.</param>
    /// <param name="identity">uid, euid, gid, egid.</param>
    /// <param name="program">The result.</param>
    /// <returns>As <see cref="Load(AddrSpace, ReadOnlySpan{byte}, IReadOnlyList{byte[]}, IReadOnlyList{byte[]}, byte[], ValueTuple{ulong, ulong, ulong, ulong}, out LoadedProgram?)"/>.</returns>
    internal static LinuxError Load(AddrSpace space, ReadOnlySpan<byte> file, InterpreterReader readInterpreter, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp, byte[] executableName, (ulong Uid, ulong Euid, ulong Gid, ulong Egid) identity, out LoadedProgram? program)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(readInterpreter);
        LinuxError e = LoadImages(space, file, readInterpreter, argv, envp, executableName, identity, out program);
        if (e != LinuxError.None)
        {
            program = null;
            space.Clear();
        }

        return e;
    }

    private static LinuxError LoadImages(AddrSpace space, ReadOnlySpan<byte> file, InterpreterReader readInterpreter, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp, byte[] executableName, (ulong Uid, ulong Euid, ulong Gid, ulong Egid) identity, out LoadedProgram? program)
    {
        program = null;
        LinuxError e = ElfImage.TryParse(file, out ElfImage? image);
        if (e != LinuxError.None)
        {
            return e;
        }

        e = InterpreterPath.TryRead(image!, file, out byte[] interpreterPath);
        if (e != LinuxError.None)
        {
            return e;
        }

        if (!SegmentMapper.TryGetSpan(image!, out ulong low, out ulong high))
        {
            return LinuxError.ENOEXEC;
        }

        ulong bias = 0;
        if (image!.IsPositionIndependent)
        {
            ulong alignment = SegmentMapper.LoadAlignment(image, MaxLoadAlignment);
            bias = Pages.AlignDown(GuestLayout.PieBase + alignment - 1, alignment) - low;
        }

        if (low + bias < GuestLayout.UserStart || high + bias > GuestLayout.MmapBase || high + bias < low + bias)
        {
            return LinuxError.ENOEXEC;
        }

        if (high - low > MaxImageBytes)
        {
            return LinuxError.ENOMEM;
        }

        e = SegmentMapper.Map(space, image, file, bias);
        if (e != LinuxError.None)
        {
            return e;
        }

        ulong entry = bias + image.Entry;
        ulong interpreterBase = 0;
        if (interpreterPath.Length != 0)
        {
            e = LoadInterpreter(space, interpreterPath, readInterpreter, out interpreterBase, out entry);
            if (e != LinuxError.None)
            {
                return e;
            }
        }

        e = MapVdso(space, out ulong vdso);
        if (e != LinuxError.None)
        {
            return e;
        }

        e = space.MapAlloc(new VirtAddr(GuestLayout.StackBottom), GuestLayout.StackSize, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, false);
        if (e != LinuxError.None)
        {
            return e;
        }

        byte[] random = new byte[RandomBytes];
        FillRandom(random);
        var auxv = new List<KeyValuePair<AuxvType, ulong>>
        {
            new(AuxvType.SysinfoHeader, vdso),
            new(AuxvType.HardwareCapabilities, BaselineHardwareCapabilities),
            new(AuxvType.PageSize, Pages.Size4K),
            new(AuxvType.ClockTicks, ClockTicksPerSecond),
            new(AuxvType.ProgramHeaders, ProgramHeaderAddress(image, bias)),
            new(AuxvType.ProgramHeaderSize, image.ProgramHeaderEntrySize),
            new(AuxvType.ProgramHeaderCount, (ulong)image.Segments.Count),
            new(AuxvType.InterpreterBase, interpreterBase),
            new(AuxvType.Flags, 0),
            new(AuxvType.Entry, bias + image.Entry),
            new(AuxvType.Uid, identity.Uid),
            new(AuxvType.EffectiveUid, identity.Euid),
            new(AuxvType.Gid, identity.Gid),
            new(AuxvType.EffectiveGid, identity.Egid),
            new(AuxvType.Secure, 0),
            new(AuxvType.HardwareCapabilities2, 0),
            new(AuxvType.MinSignalStackSize, MinSignalStackBytes),
        };
        InitialStack stack = InitialStack.Build(GuestLayout.StackTop, argv, envp, executableName, random, auxv);
        if ((ulong)stack.Image.Length > GuestLayout.StackSize / 4)
        {
            return LinuxError.E2BIG;
        }

        CopyResult written = UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(new VirtAddr(stack.StackPointer)), (ReadOnlySpan<byte>)stack.Image);
        if (!written.IsOk)
        {
            return written.Error;
        }

        program = new LoadedProgram(entry, stack.StackPointer, bias + high, bias, stack);
        return LinuxError.None;
    }

    /// <summary>Maps the dynamic linker in the mmap area (an ET_EXEC linker at its own addresses).</summary>
    private static LinuxError LoadInterpreter(AddrSpace space, byte[] path, InterpreterReader readInterpreter, out ulong interpreterBase, out ulong entry)
    {
        interpreterBase = 0;
        entry = 0;
        long r = readInterpreter(path, out byte[] file);
        if (r < 0)
        {
            return (LinuxError)(-r);
        }

        if (ElfImage.TryParse(file, out ElfImage? image) != LinuxError.None || !SegmentMapper.TryGetSpan(image!, out ulong low, out ulong high))
        {
            return LinuxError.ELIBBAD;
        }

        if (high - low > MaxImageBytes)
        {
            return LinuxError.ENOMEM;
        }

        ulong bias = 0;
        if (image!.IsPositionIndependent)
        {
            var limit = new VirtAddrRange(new VirtAddr(GuestLayout.MmapBase), new VirtAddr(GuestLayout.StackBottom));
            if (!space.TryFindFreeArea(new VirtAddr(GuestLayout.MmapBase), high - low, limit, SegmentMapper.LoadAlignment(image, MaxLoadAlignment), out VirtAddr start))
            {
                return LinuxError.ENOMEM;
            }

            bias = start.Value - low;
        }
        else if (low < GuestLayout.UserStart || high > GuestLayout.StackBottom)
        {
            return LinuxError.ELIBBAD;
        }

        LinuxError e = SegmentMapper.Map(space, image, file, bias);
        if (e != LinuxError.None)
        {
            return e == LinuxError.EEXIST ? LinuxError.ENOMEM : e;
        }

        interpreterBase = bias;
        entry = bias + image.Entry;
        return LinuxError.None;
    }

    /// <summary>Maps the vDSO (<see cref="VdsoImage"/>) with its clock page below it, a gap below the stack as Linux
    /// places it near the stack (so the mmap area, and every address a program maps there, stays as it was without
    /// one): the page guest read-only and zero (not valid: the vDSO makes system calls until <c>Kernel.VdsoClock</c>
    /// calibrates it), the image read-and-execute.</summary>
    private static LinuxError MapVdso(AddrSpace space, out ulong vdso)
    {
        var start = new VirtAddr(GuestLayout.StackBottom - VdsoGapBelowStack - VdsoImage.ClockPageSize - VdsoImage.Size);
        vdso = start.Value + VdsoImage.ClockPageSize;
        LinuxError e = space.MapAlloc(start, VdsoImage.ClockPageSize, MappingFlags.Read | MappingFlags.User, true);
        return e != LinuxError.None
            ? e
            : space.MapLinear(new VirtAddr(vdso), VdsoImage.Size, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, VdsoImage.Bytes);
    }

    /// <summary>AT_PHDR: PT_PHDR's address, else where the PT_LOAD segment holding e_phoff maps it.</summary>
    private static ulong ProgramHeaderAddress(ElfImage image, ulong bias)
    {
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type == ElfSegment.ProgramHeaders)
            {
                return bias + s.VirtualAddress;
            }
        }

        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type == ElfSegment.Load && image.ProgramHeaderOffset >= s.Offset && image.ProgramHeaderOffset < s.Offset + s.FileSize)
            {
                return bias + s.VirtualAddress + (image.ProgramHeaderOffset - s.Offset);
            }
        }

        return 0;
    }

    /// <summary>AT_RANDOM's bytes from the host's <c>getrandom</c> (the guest's stack protector and pointer guard
    /// seeds). Asked of the kernel directly: .NET's cryptography would load OpenSSL in every runner start, 10-20 ms of
    /// each fork and execve.</summary>
    private static void FillRandom(byte[] random)
    {
        long r = Interop.HostLinux.Syscall((long)Abi.SyscallNumber.Getrandom, random, 0, [0, random.Length, 0]);
        if (r != random.Length)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(random); // no getrandom on this host
        }
    }
}
