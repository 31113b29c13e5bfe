using System;
using System.Runtime.InteropServices;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Cpu.Paging;

/// <summary>
/// The guest's 4-level page tables in the identity layout of <see cref="IdentityPagingLayout"/>, kept in one block of
/// host memory that the CPU backend exposes as guest-physical memory at <see cref="IdentityPagingLayout.BlockBase"/>.
/// Backend-neutral: it only edits entries; the backend decides when to flush its TLB and translated code.
/// </summary>
/// <remarks>
/// The block is an anonymous, lazily backed host mapping (only table pages ever written cost memory). Leaf entries of
/// the user range form one flat array; a 2 MiB chunk's second-level entry is present exactly when its leaf table may
/// hold a present entry, so scans skip empty chunks without reading their leaf table. Entries are read and written
/// with <see cref="Marshal"/> (no unsafe code); every offset is checked against the layout first.
/// </remarks>
public sealed class GuestPageTables : IDisposable
{
    private const int EntrySize = sizeof(ulong);
    private const int EntriesPerTable = (int)(IdentityPagingLayout.PageSize / EntrySize);

    private readonly IdentityPagingLayout _layout;
    private readonly long _directoryOffset;
    private readonly long _leafOffset;
    private nint _host;

    /// <summary>Reserves the block and links the fixed upper levels (the user range's chunks start not present).</summary>
    /// <param name="layout">The layout.</param>
    /// <exception cref="InvalidOperationException">The host refused the reservation.</exception>
    public GuestPageTables(IdentityPagingLayout layout)
    {
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        long address = HostLinux.Syscall(
            (long)SyscallNumber.Mmap, 0, (long)layout.BlockSize, (long)(Protection.Read | Protection.Write),
            (long)(MapFlags.Private | MapFlags.Anonymous | MapFlags.NoReserve), -1, 0);
        if (address < 0 && address > -4096)
        {
            throw new InvalidOperationException("Reserving the page-table block failed: errno " + (-address));
        }

        _host = (nint)address;
        _directoryOffset = (long)IdentityPagingLayout.FirstUserDirectoryPageIndex * (long)IdentityPagingLayout.PageSize;
        _leafOffset = (long)layout.FirstUserLeafPageIndex * (long)IdentityPagingLayout.PageSize;
        WriteTableEntry(IdentityPagingLayout.RootPageIndex, 0, layout.PageAddress(IdentityPagingLayout.PdptPageIndex) | PageTableEntry.TableLink);
        for (int g = 0; g < layout.UserGigabytes; g++)
        {
            WriteTableEntry(IdentityPagingLayout.PdptPageIndex, g, layout.PageAddress(IdentityPagingLayout.FirstUserDirectoryPageIndex + g) | PageTableEntry.TableLink);
        }

        // The block's own gigabyte: supervisor-only stub and stack pages, identity-mapped.
        ulong stub = layout.StubAddress;
        WriteTableEntry(IdentityPagingLayout.PdptPageIndex, (int)(stub / IdentityPagingLayout.GigabyteSize), layout.PageAddress(IdentityPagingLayout.StubDirectoryPageIndex) | PageTableEntry.Present | PageTableEntry.Writable);
        WriteTableEntry(IdentityPagingLayout.StubDirectoryPageIndex, (int)(stub / IdentityPagingLayout.ChunkSize % EntriesPerTable), layout.PageAddress(IdentityPagingLayout.StubLeafPageIndex) | PageTableEntry.Present | PageTableEntry.Writable);
        WriteTableEntry(IdentityPagingLayout.StubLeafPageIndex, (int)(stub / IdentityPagingLayout.PageSize % EntriesPerTable), stub | PageTableEntry.Present);
        ulong stack = layout.PageAddress(IdentityPagingLayout.StackPageIndex);
        WriteTableEntry(IdentityPagingLayout.StubLeafPageIndex, (int)(stack / IdentityPagingLayout.PageSize % EntriesPerTable), stack | PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.NoExecute);
    }

    /// <summary>The layout.</summary>
    public IdentityPagingLayout Layout => _layout;

    /// <summary>The host address of the block (what the backend maps at <see cref="IdentityPagingLayout.BlockBase"/>).</summary>
    public nint HostBase => _host;

    /// <summary>Writes the stub page's contents (GDT and code) at offset 0.</summary>
    /// <param name="bytes">At most one page.</param>
    public void WriteStub(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if ((ulong)bytes.Length > IdentityPagingLayout.PageSize)
        {
            throw new ArgumentException("The stub must fit in one page.", nameof(bytes));
        }

        Marshal.Copy(bytes, 0, _host + (nint)((ulong)IdentityPagingLayout.StubPageIndex * IdentityPagingLayout.PageSize), bytes.Length);
    }

    /// <summary>Writes 64-bit values on the ring-0 stack, ending at its top.</summary>
    /// <param name="values">The values, lowest address first.</param>
    /// <returns>The stack pointer that points at the first value.</returns>
    public ulong PushOnStack(ReadOnlySpan<ulong> values)
    {
        ulong top = (ulong)IdentityPagingLayout.StackPageIndex * IdentityPagingLayout.PageSize + IdentityPagingLayout.PageSize;
        ulong first = top - ((ulong)values.Length * EntrySize);
        for (int i = 0; i < values.Length; i++)
        {
            Marshal.WriteInt64(_host, (int)first + (i * EntrySize), (long)values[i]);
        }

        return _layout.BlockBase + first;
    }

    /// <summary>The leaf entry of user page <paramref name="address"/> (0 when not present or outside the user range).</summary>
    /// <param name="address">A user address.</param>
    /// <returns>The entry.</returns>
    public ulong Entry(ulong address)
    {
        if (address >= _layout.UserEnd || !ChunkPresent(address / IdentityPagingLayout.ChunkSize))
        {
            return 0;
        }

        return ReadLeaf(address / IdentityPagingLayout.PageSize);
    }

    /// <summary>Maps user page <paramref name="address"/> to itself with <paramref name="bits"/> (from
    /// <see cref="PageTableEntry.ForArea"/>). Making an entry present needs no TLB flush; narrowing one does.</summary>
    /// <param name="address">A user address (rounded down to its page).</param>
    /// <param name="bits">The leaf bits; 0 clears the entry.</param>
    public void Set(ulong address, ulong bits)
    {
        if (address >= _layout.UserEnd)
        {
            throw new ArgumentOutOfRangeException(nameof(address));
        }

        ulong chunk = address / IdentityPagingLayout.ChunkSize;
        if (bits != 0 && !ChunkPresent(chunk))
        {
            Marshal.WriteInt64(_host, (int)(_directoryOffset + ((long)chunk * EntrySize)), (long)(_layout.PageAddress(_layout.FirstUserLeafPageIndex + (int)chunk) | PageTableEntry.TableLink));
        }

        ulong page = address / IdentityPagingLayout.PageSize;
        WriteLeaf(page, bits == 0 ? 0 : (page * IdentityPagingLayout.PageSize) | bits);
    }

    /// <summary>Scans the present entries of <c>[start, end)</c> (page-aligned, inside the user range).</summary>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    /// <param name="anyExecutable">True when one of them lets CPL 3 fetch instructions.</param>
    /// <returns>True when at least one entry is present.</returns>
    public bool AnyPresent(ulong start, ulong end, out bool anyExecutable)
    {
        anyExecutable = false;
        bool any = false;
        Clamp(ref start, ref end);
        for (ulong chunk = start / IdentityPagingLayout.ChunkSize; chunk * IdentityPagingLayout.ChunkSize < end; chunk++)
        {
            if (!ChunkPresent(chunk))
            {
                continue;
            }

            ulong from = Math.Max(start, chunk * IdentityPagingLayout.ChunkSize) / IdentityPagingLayout.PageSize;
            ulong to = Math.Min(end, (chunk + 1) * IdentityPagingLayout.ChunkSize) / IdentityPagingLayout.PageSize;
            for (ulong page = from; page < to; page++)
            {
                ulong entry = ReadLeaf(page);
                if (PageTableEntry.IsPresent(entry))
                {
                    any = true;
                    if (PageTableEntry.IsUserExecutable(entry))
                    {
                        anyExecutable = true;
                        return true;
                    }
                }
            }
        }

        return any;
    }

    /// <summary>Calls <paramref name="executableRun"/> for every run of present, user-executable entries of
    /// <c>[start, end)</c>, lowest first, without changing anything.</summary>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    /// <param name="executableRun">Receives each run's start and end.</param>
    public void ForEachExecutableRun(ulong start, ulong end, Action<ulong, ulong> executableRun)
    {
        ArgumentNullException.ThrowIfNull(executableRun);
        Clamp(ref start, ref end);
        ulong runStart = 0, runEnd = 0;
        for (ulong chunk = start / IdentityPagingLayout.ChunkSize; chunk * IdentityPagingLayout.ChunkSize < end; chunk++)
        {
            if (!ChunkPresent(chunk))
            {
                continue;
            }

            ulong from = Math.Max(start, chunk * IdentityPagingLayout.ChunkSize) / IdentityPagingLayout.PageSize;
            ulong to = Math.Min(end, (chunk + 1) * IdentityPagingLayout.ChunkSize) / IdentityPagingLayout.PageSize;
            for (ulong page = from; page < to; page++)
            {
                if (!PageTableEntry.IsUserExecutable(ReadLeaf(page)))
                {
                    continue;
                }

                ulong address = page * IdentityPagingLayout.PageSize;
                if (runEnd == address)
                {
                    runEnd += IdentityPagingLayout.PageSize;
                    continue;
                }

                if (runEnd > runStart)
                {
                    executableRun(runStart, runEnd);
                }

                (runStart, runEnd) = (address, address + IdentityPagingLayout.PageSize);
            }
        }

        if (runEnd > runStart)
        {
            executableRun(runStart, runEnd);
        }
    }

    /// <summary>Makes every entry of <c>[start, end)</c> not present. A chunk cleared whole loses its second-level
    /// entry too (its leaf table is zeroed), so later scans skip it.</summary>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    /// <returns>True when at least one present entry was cleared (the TLB must then be flushed).</returns>
    public bool Clear(ulong start, ulong end)
    {
        Clamp(ref start, ref end);
        bool cleared = false;
        for (ulong chunk = start / IdentityPagingLayout.ChunkSize; chunk * IdentityPagingLayout.ChunkSize < end; chunk++)
        {
            if (!ChunkPresent(chunk))
            {
                continue;
            }

            ulong chunkStart = chunk * IdentityPagingLayout.ChunkSize;
            ulong from = Math.Max(start, chunkStart) / IdentityPagingLayout.PageSize;
            ulong to = Math.Min(end, chunkStart + IdentityPagingLayout.ChunkSize) / IdentityPagingLayout.PageSize;
            for (ulong page = from; page < to; page++)
            {
                if (ReadLeaf(page) != 0)
                {
                    cleared = true;
                    WriteLeaf(page, 0);
                }
            }

            if (start <= chunkStart && end >= chunkStart + IdentityPagingLayout.ChunkSize)
            {
                Marshal.WriteInt64(_host, (int)(_directoryOffset + ((long)chunk * EntrySize)), 0);
            }
        }

        return cleared;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_host != 0)
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Munmap, _host, (long)_layout.BlockSize);
            _host = 0;
        }
    }

    private void Clamp(ref ulong start, ref ulong end)
    {
        start -= start % IdentityPagingLayout.PageSize;
        end = Math.Min(end, _layout.UserEnd);
        if (end % IdentityPagingLayout.PageSize != 0)
        {
            end += IdentityPagingLayout.PageSize - (end % IdentityPagingLayout.PageSize);
        }

        if (end < start)
        {
            end = start;
        }
    }

    private bool ChunkPresent(ulong chunk) =>
        PageTableEntry.IsPresent((ulong)Marshal.ReadInt64(_host, (int)(_directoryOffset + ((long)chunk * EntrySize))));

    private ulong ReadLeaf(ulong page) => (ulong)Marshal.ReadInt64(_host + (nint)(_leafOffset + ((long)page * EntrySize)));

    private void WriteLeaf(ulong page, ulong value) => Marshal.WriteInt64(_host + (nint)(_leafOffset + ((long)page * EntrySize)), (long)value);

    private void WriteTableEntry(int tablePage, int index, ulong value) =>
        Marshal.WriteInt64(_host, (tablePage * EntriesPerTable * EntrySize) + (index * EntrySize), (long)value);
}
