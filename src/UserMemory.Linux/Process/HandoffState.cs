using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Process;

/// <summary>
/// What one runner process hands the next (a guest <c>execve</c> or <c>fork</c>), encoded as a versioned,
/// length-checked binary state. Layout (little-endian):
/// <list type="bullet">
/// <item>Header, <see cref="HeaderSize"/> bytes: magic <see cref="Magic"/> (u64), <see cref="Version"/> (u32),
/// <see cref="HandoffKind"/> (u32), payload length (u64, at most <see cref="MaxPayload"/>).</item>
/// <item>Payload: flags (u32, <see cref="HandoffFlags"/>); program path, argv and envp as length-prefixed raw bytes
/// (u32 length, no NUL); the descriptor table (<see cref="Fs.FdTable"/>'s text form, length-prefixed); signal
/// dispositions (count, then handler, flags, restorer, mask per signal); the blocked mask; resource limits (soft and
/// hard per resource); the command name and the exec name (length-prefixed raw bytes). A fork adds the registers (count, values), the break (start, end), the CLONE_CHILD_SETTID
/// address, the inherited descriptor of the memory snapshot (<c>AddrSpace.CreateSnapshot</c>'s memfd, adopted by the
/// child as its own backing: the written pages are copied once, by the parent), the snapshot's area table
/// (length-prefixed; areas, population, shared-object and file indexes), the shared objects (count, then inherited
/// descriptor and backing each, in the table's index order), the private files (count, then the inherited descriptor
/// of each, in the table's index order: the child reads the pages of its private file mappings that were not
/// populated from them, as the parent would have) and the loan descriptor (u32, all ones for none: the
/// memory descriptor is then a copy; otherwise it is the parent's own memory, lent, and this is the pipe end the parent
/// waits on).</item>
/// </list>
/// Every string is byte-exact (no text decoding), every count is checked against the bytes that remain, every address
/// against the user range, and trailing bytes are refused.
/// </summary>
public sealed class HandoffState
{
    /// <summary>"USMHANDO" read as a little-endian u64.</summary>
    public const ulong Magic = 0x4F444E41484D5355;

    /// <summary>The layout version this runner writes and accepts.</summary>
    public const uint Version = 6;

    /// <summary>Magic, version, kind and payload length.</summary>
    public const int HeaderSize = 24;

    /// <summary>The largest payload accepted (64 MiB: far above Linux's argument limit and 65 530 areas).</summary>
    public const int MaxPayload = 64 << 20;

    /// <summary>PATH_MAX, the longest program path.</summary>
    public const int MaxPath = 4096;

    /// <summary>MAX_ARG_STRLEN (32 pages), the longest argument or environment string.</summary>
    public const int MaxArgumentLength = 32 * 4096;

    /// <summary>The most areas a fork state may describe.</summary>
    public const int MaxAreas = 1 << 20;

    /// <summary>The longest descriptor table text: a table may grow to <see cref="Fs.FdTable.MaxLimit"/> entries (a
    /// guest that raised its RLIMIT_NOFILE), each of at most 19 characters when it names a host descriptor
    /// (<c>1048575:1048575:c,</c>); 32 MiB leaves room for that within <see cref="MaxPayload"/>. A table of
    /// synthetic entries too long for it makes the fork fail with ENOMEM.</summary>
    public const int MaxFdTableText = 32 << 20;

    private const int KindOffset = 12;
    private const int LengthOffset = 16;
    private const int SignalRecordSize = 4 * sizeof(ulong);

    /// <summary>The longest area table: a header and 65 536 areas (of 48 bytes) plus as many populated runs, and the
    /// private files.</summary>
    private const int MaxAreaTable = 8 << 20;
    private const int SignalCount = ThreadGroup.MaxSignal + 1;

    /// <summary>Standard error: shared-area descriptors lie above the standard three.</summary>
    private const uint MaxStandardDescriptor = 2;

    /// <summary>What the state carries.</summary>
    public HandoffKind Kind { get; init; }

    /// <summary>Runner settings.</summary>
    public HandoffFlags Flags { get; init; }

    /// <summary>The CPU backend the first runner resolved (<c>--cpu</c>): Unicorn or KVM.</summary>
    public CpuBackend Cpu { get; init; } = CpuBackend.Unicorn;

    /// <summary>The guest's memory limit in bytes (<c>--memory</c>); never 0.</summary>
    public ulong MemoryLimit { get; init; } = RunnerOptions.DefaultMemoryLimit;

    /// <summary>The confinement root (<c>--root</c>) as host path bytes, or empty for none.</summary>
    public byte[] Root { get; init; } = [];

    /// <summary>Exec: the program to load (as the guest named it, after <c>#!</c> resolution). Fork: the running
    /// program's absolute path (<c>/proc/self/exe</c>).</summary>
    public byte[] Program { get; init; } = [];

    /// <summary>Fork: the command name (<c>comm</c>, at most 15 bytes, no NUL) the child inherits. Empty: derived from
    /// <see cref="Program"/>.</summary>
    public byte[] CommandName { get; init; } = [];

    /// <summary>Exec: the path the guest passed to <c>execve</c> (a link's path, a script's path), which Linux gives
    /// as <c>AT_EXECFN</c> and whose last component becomes the command name. Empty: <see cref="Program"/>.</summary>
    public byte[] ExecName { get; init; } = [];

    /// <summary>The arguments (exec only), raw bytes without NUL.</summary>
    public IReadOnlyList<byte[]> Arguments { get; init; } = [];

    /// <summary>The environment (exec only), raw bytes without NUL.</summary>
    public IReadOnlyList<byte[]> Environment { get; init; } = [];

    /// <summary>The descriptor table in <see cref="Fs.FdTable.Serialize"/>'s form.</summary>
    public string FdTable { get; init; } = "-";

    /// <summary>Signal handlers by signal number (0 = default, 1 = ignore, else the guest handler).</summary>
    public ulong[] SignalHandlers { get; init; } = new ulong[SignalCount];

    /// <summary>sa_flags, sa_restorer and sa_mask by signal number.</summary>
    public (ulong Flags, ulong Restorer, ulong Mask)[] SignalExtras { get; init; } = new (ulong, ulong, ulong)[SignalCount];

    /// <summary>The blocked-signal mask.</summary>
    public ulong SignalMask { get; init; }

    /// <summary>Resource limits, <see cref="ResourceLimits.ToArray"/>'s form.</summary>
    public ulong[] Limits { get; init; } = new ulong[ResourceLimits.Count * 2];

    /// <summary>Fork: the child's registers, indexed by <see cref="CpuRegister"/>.</summary>
    public ulong[] Registers { get; init; } = [];

    /// <summary>Fork: the heap's start.</summary>
    public ulong BrkStart { get; init; }

    /// <summary>Fork: the program break.</summary>
    public ulong BrkEnd { get; init; }

    /// <summary>Fork: where the child stores its pid (CLONE_CHILD_SETTID), or 0.</summary>
    public ulong ChildSetTid { get; init; }

    /// <summary>Fork: the host descriptor the child inherits the memory snapshot at.</summary>
    internal int MemoryDescriptor { get; init; } = -1;

    /// <summary>Fork: the snapshot's area table (<c>AddrSpaceSnapshot.AreaTable</c>).</summary>
    internal byte[] AreaTable { get; init; } = [];

    /// <summary>Fork: the shared objects the area table refers to, in its index order: the descriptor the child
    /// inherits each at, and what it is.</summary>
    internal IReadOnlyList<(int Descriptor, HandoffSharedBacking Backing)> SharedObjects { get; init; } = [];

    /// <summary>Fork: the descriptors the child inherits the private files of the area table at
    /// (<c>AddrSpaceSnapshot.FileDescriptors</c>), in its index order.</summary>
    internal IReadOnlyList<int> PrivateFiles { get; init; } = [];

    /// <summary>Fork: when the memory descriptor is the parent's own memory lent copy-on-write
    /// (<c>AddrSpace.CreateLendingSnapshot</c>), the write end of the pipe the parent waits on (the child closes it once
    /// it no longer reads the lent memory); otherwise -1 and the memory descriptor is a copy the child adopts.</summary>
    internal int LoanDescriptor { get; init; } = -1;

    /// <summary>Where the fork memory starts in the state file, for a payload of <paramref name="payloadLength"/>.</summary>
    /// <param name="payloadLength">The payload's length.</param>
    /// <returns>The first page boundary after header and payload.</returns>
    public static long MemoryOffset(long payloadLength) => (long)Pages.AlignDown4K((ulong)(HeaderSize + payloadLength) + Pages.Size4K - 1);

    /// <summary>Encodes the header and the payload.</summary>
    /// <returns>The bytes (fork memory follows at <see cref="MemoryOffset"/>).</returns>
    public byte[] Encode()
    {
        using var w = new HandoffWriter();
        w.WriteU32((uint)Flags);
        w.WriteU32((uint)Cpu);
        w.WriteU64(MemoryLimit);
        w.WriteBytes(Root);
        w.WriteBytes(Program);
        w.WriteCount(Arguments.Count);
        foreach (byte[] a in Arguments)
        {
            w.WriteBytes(a);
        }

        w.WriteCount(Environment.Count);
        foreach (byte[] e in Environment)
        {
            w.WriteBytes(e);
        }

        w.WriteBytes(System.Text.Encoding.ASCII.GetBytes(FdTable));
        w.WriteCount(SignalHandlers.Length);
        for (int s = 0; s < SignalHandlers.Length; s++)
        {
            w.WriteU64(SignalHandlers[s]);
            w.WriteU64(SignalExtras[s].Flags);
            w.WriteU64(SignalExtras[s].Restorer);
            w.WriteU64(SignalExtras[s].Mask);
        }

        w.WriteU64(SignalMask);
        w.WriteCount(Limits.Length);
        foreach (ulong l in Limits)
        {
            w.WriteU64(l);
        }

        w.WriteBytes(CommandName);
        w.WriteBytes(ExecName);

        if (Kind == HandoffKind.Fork)
        {
            w.WriteCount(Registers.Length);
            foreach (ulong r in Registers)
            {
                w.WriteU64(r);
            }

            w.WriteU64(BrkStart);
            w.WriteU64(BrkEnd);
            w.WriteU64(ChildSetTid);
            w.WriteU32((uint)MemoryDescriptor);
            w.WriteBytes(AreaTable);
            w.WriteCount(SharedObjects.Count);
            foreach ((int descriptor, HandoffSharedBacking backing) in SharedObjects)
            {
                w.WriteU32((uint)descriptor);
                w.WriteU32((uint)backing);
            }

            w.WriteCount(PrivateFiles.Count);
            foreach (int descriptor in PrivateFiles)
            {
                w.WriteU32((uint)descriptor);
            }

            w.WriteU32(unchecked((uint)LoanDescriptor));
        }

        byte[] payload = w.ToArray();
        byte[] all = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(all, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(all.AsSpan(sizeof(ulong)), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(all.AsSpan(KindOffset), (uint)Kind);
        BinaryPrimitives.WriteUInt64LittleEndian(all.AsSpan(LengthOffset), (ulong)payload.Length);
        payload.CopyTo(all, HeaderSize);
        return all;
    }

    /// <summary>Checks a header and returns the kind and payload length.</summary>
    /// <param name="header">The first <see cref="HeaderSize"/> bytes of the state.</param>
    /// <param name="kind">The kind.</param>
    /// <returns>The payload length.</returns>
    /// <exception cref="HandoffRejectedException">Not a state this runner wrote.</exception>
    public static int DecodeHeader(ReadOnlySpan<byte> header, out HandoffKind kind)
    {
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
        {
            throw new HandoffRejectedException("not a hand-off state (bad magic)");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[sizeof(ulong)..]);
        if (version != Version)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"hand-off state version {version}, this runner reads {Version}"));
        }

        kind = (HandoffKind)BinaryPrimitives.ReadUInt32LittleEndian(header[KindOffset..]);
        if (kind is not HandoffKind.Exec and not HandoffKind.Fork)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"unknown hand-off kind {(uint)kind}"));
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header[LengthOffset..]);
        if (length > MaxPayload)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"payload length {length} is out of range"));
        }

        return (int)length;
    }

    /// <summary>Decodes and validates a payload.</summary>
    /// <param name="kind">The kind from the header.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>The state.</returns>
    /// <exception cref="HandoffRejectedException">Truncated, out of range or inconsistent.</exception>
    public static HandoffState DecodePayload(HandoffKind kind, byte[] payload)
    {
        var r = new HandoffReader(payload);
        uint flags = r.ReadU32("flags");
        if ((flags & ~(uint)HandoffFlags.All) != 0)
        {
            throw new HandoffRejectedException("unknown flags");
        }

        uint cpu = r.ReadU32("cpu backend");
        if (cpu is not ((uint)CpuBackend.Unicorn or (uint)CpuBackend.Kvm))
        {
            throw new HandoffRejectedException("unknown cpu backend");
        }

        ulong memoryLimit = r.ReadU64("memory limit");
        if (memoryLimit == 0)
        {
            throw new HandoffRejectedException("memory limit: zero");
        }

        byte[] root = r.ReadBytes(MaxPath, "root");
        if (root.AsSpan().Contains((byte)0) || (root.Length > 0 && root[0] != (byte)'/'))
        {
            throw new HandoffRejectedException("root: not an absolute path without NUL bytes");
        }

        byte[] program = r.ReadBytes(MaxPath, "program path");
        if (program.Length == 0 || program.AsSpan().Contains((byte)0))
        {
            throw new HandoffRejectedException("program path: empty or with a NUL byte");
        }

        List<byte[]> arguments = ReadStrings(r, "argv");
        List<byte[]> environment = ReadStrings(r, "envp");
        byte[] fdText = r.ReadBytes(MaxFdTableText, "descriptor table");
        foreach (byte b in fdText)
        {
            if (b is < 0x20 or > 0x7e)
            {
                throw new HandoffRejectedException("descriptor table: not printable ASCII");
            }
        }

        int signals = r.ReadCount(SignalRecordSize, SignalCount, "signal dispositions");
        if (signals != SignalCount)
        {
            throw new HandoffRejectedException("signal dispositions: wrong count");
        }

        ulong[] handlers = new ulong[SignalCount];
        var extras = new (ulong, ulong, ulong)[SignalCount];
        for (int s = 0; s < SignalCount; s++)
        {
            handlers[s] = r.ReadU64("signal handler");
            extras[s] = (r.ReadU64("sa_flags"), r.ReadU64("sa_restorer"), r.ReadU64("sa_mask"));
        }

        ulong mask = r.ReadU64("signal mask");
        int limitCount = r.ReadCount(sizeof(ulong), ResourceLimits.Count * 2, "resource limits");
        ulong[] limits = new ulong[limitCount];
        for (int i = 0; i < limitCount; i++)
        {
            limits[i] = r.ReadU64("resource limit");
        }

        if (ResourceLimits.FromArray(limits) is null)
        {
            throw new HandoffRejectedException("resource limits: wrong count or soft above hard");
        }

        byte[] commandName = r.ReadBytes(ProcessCommandName.MaxLength, "command name");
        if (commandName.AsSpan().Contains((byte)0))
        {
            throw new HandoffRejectedException("command name: with a NUL byte");
        }

        byte[] execName = r.ReadBytes(MaxPath, "exec name");
        if (execName.AsSpan().Contains((byte)0))
        {
            throw new HandoffRejectedException("exec name: with a NUL byte");
        }

        var state = new HandoffState
        {
            Kind = kind,
            Flags = (HandoffFlags)flags,
            Cpu = (CpuBackend)cpu,
            MemoryLimit = memoryLimit,
            Root = root,
            Program = program,
            Arguments = arguments,
            Environment = environment,
            FdTable = System.Text.Encoding.ASCII.GetString(fdText),
            SignalHandlers = handlers,
            SignalExtras = extras,
            SignalMask = mask,
            Limits = limits,
            CommandName = commandName,
            ExecName = execName,
        };
        if (kind == HandoffKind.Exec)
        {
            r.ExpectEnd();
            return state;
        }

        state = DecodeFork(r, state);
        r.ExpectEnd();
        return state;
    }

    private static HandoffState DecodeFork(HandoffReader r, HandoffState common)
    {
        int registerCount = r.ReadCount(sizeof(ulong), (int)CpuRegister.Count, "registers");
        if (registerCount != (int)CpuRegister.Count)
        {
            throw new HandoffRejectedException("registers: wrong count");
        }

        ulong[] registers = new ulong[registerCount];
        for (int i = 0; i < registerCount; i++)
        {
            registers[i] = r.ReadU64("register");
        }

        ulong brkStart = r.ReadU64("break start");
        ulong brkEnd = r.ReadU64("break end");
        ulong setTid = r.ReadU64("child tid address");
        if (brkStart > brkEnd || brkEnd > GuestLayout.UserEnd)
        {
            throw new HandoffRejectedException("break: out of range");
        }

        int memoryDescriptor = CheckDescriptor(r.ReadU32("memory descriptor"), "memory descriptor");
        byte[] areaTable = r.ReadBytes(MaxAreaTable, "area table");
        AreaTableCodec.Decoded table;
        try
        {
            table = AreaTableCodec.Decode(areaTable);
        }
        catch (ArgumentException e)
        {
            throw new HandoffRejectedException("area table: " + e.Message);
        }

        if (table.UserRange != new VirtAddrRange(new VirtAddr(GuestLayout.UserStart), new VirtAddr(GuestLayout.UserEnd)))
        {
            throw new HandoffRejectedException("area table: not this runner's user range");
        }

        int sharedCount = r.ReadCount(2 * sizeof(uint), MaxAreas, "shared objects");
        if (sharedCount != table.SharedSizes.Length)
        {
            throw new HandoffRejectedException("shared objects: not the area table's count");
        }

        var shared = new List<(int, HandoffSharedBacking)>(sharedCount);
        for (int i = 0; i < sharedCount; i++)
        {
            int descriptor = CheckDescriptor(r.ReadU32("shared object descriptor"), "shared object descriptor");
            uint backing = r.ReadU32("shared object backing");
            if (backing > (uint)HandoffSharedBacking.WritableFile
                || (backing != (uint)HandoffSharedBacking.Memory && table.SharedSizes[i] != SharedMemory.FileMappingLimit))
            {
                throw new HandoffRejectedException("shared object: unknown backing, or a file with a size");
            }

            shared.Add((descriptor, (HandoffSharedBacking)backing));
        }

        int fileCount = r.ReadCount(sizeof(uint), AddrSpace.MaxFileSources, "private files");
        if (fileCount != table.Files.Length)
        {
            throw new HandoffRejectedException("private files: not the area table's count");
        }

        var files = new List<int>(fileCount);
        for (int i = 0; i < fileCount; i++)
        {
            files.Add(CheckDescriptor(r.ReadU32("private file descriptor"), "private file descriptor"));
        }

        uint loan = r.ReadU32("loan descriptor");
        int loanDescriptor = loan == NoDescriptor ? -1 : CheckDescriptor(loan, "loan descriptor");
        return new HandoffState
        {
            Kind = common.Kind,
            Flags = common.Flags,
            Cpu = common.Cpu,
            MemoryLimit = common.MemoryLimit,
            Root = common.Root,
            Program = common.Program,
            FdTable = common.FdTable,
            SignalHandlers = common.SignalHandlers,
            SignalExtras = common.SignalExtras,
            SignalMask = common.SignalMask,
            Limits = common.Limits,
            CommandName = common.CommandName,
            Registers = registers,
            BrkStart = brkStart,
            BrkEnd = brkEnd,
            ChildSetTid = setTid,
            MemoryDescriptor = memoryDescriptor,
            AreaTable = areaTable,
            SharedObjects = shared,
            PrivateFiles = files,
            LoanDescriptor = loanDescriptor,
        };
    }

    /// <summary>The encoding of "no descriptor" (-1 as a u32).</summary>
    private const uint NoDescriptor = uint.MaxValue;

    /// <summary>A descriptor the child inherits: above the standard three, not one of the runner's own.</summary>
    private static int CheckDescriptor(uint descriptor, string what) =>
        descriptor > MaxStandardDescriptor && descriptor <= int.MaxValue && !RunnerDescriptors.IsReserved(descriptor)
            ? (int)descriptor
            : throw new HandoffRejectedException(what + ": not an inheritable descriptor number");

    private static List<byte[]> ReadStrings(HandoffReader r, string what)
    {
        int count = r.ReadCount(sizeof(uint), int.MaxValue, what);
        var list = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            byte[] s = r.ReadBytes(MaxArgumentLength, what);
            if (s.AsSpan().Contains((byte)0))
            {
                throw new HandoffRejectedException(what + ": a string holds a NUL byte");
            }

            list.Add(s);
        }

        return list;
    }
}
