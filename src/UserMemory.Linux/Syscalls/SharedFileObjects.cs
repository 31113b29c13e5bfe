using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The <see cref="SharedMemory"/> object of each file an address space maps shared, one per file (device and inode)
/// and access (read-only or writable), so that every <c>MAP_SHARED</c> mapping of one file shares one host descriptor
/// instead of duplicating the guest's each time. A program that maps one file tens of thousands of times (Go's
/// runtime <c>TestMemmoveOverflow</c> maps a 64 KiB file 49 152 times) would otherwise exhaust the runner's
/// descriptors, and every other open, pipe or fork/exec of the guest would answer EMFILE meanwhile.
/// <para><b>Lifetime.</b> The table holds no reference of its own: each mapping holds one, and the host descriptor
/// closes with the last mapping, as before. An object whose mappings are all gone is found dead when next used
/// (<see cref="SharedMemory"/> refuses a new reference once its count reached zero, before the area changes) and is
/// replaced. The identity cannot be reused by another file while the object lives: its descriptor keeps the inode.
/// </para>
/// </summary>
internal sealed class SharedFileObjects
{
    /// <summary>Entries kept per address space before the table starts over (dead entries are only found on use;
    /// forgetting a live one costs one more descriptor, nothing else).</summary>
    private const int MaxEntries = 256;

    private static readonly ConditionalWeakTable<AddrSpace, SharedFileObjects> s_perSpace = [];

    private readonly Dictionary<FileKey, SharedMemory> _objects = [];

    /// <summary>The table of <paramref name="space"/>.</summary>
    /// <param name="space">The address space.</param>
    /// <returns>Its table.</returns>
    internal static SharedFileObjects Of(AddrSpace space) => s_perSpace.GetValue(space, static _ => new SharedFileObjects());

    /// <summary>Maps <paramref name="size"/> bytes of the file from <paramref name="offset"/> at
    /// <paramref name="start"/> through the file's shared object, creating it (a duplicate of
    /// <paramref name="hostFd"/>) when there is none alive.</summary>
    /// <param name="space">The address space (this table's).</param>
    /// <param name="key">The file's identity and access.</param>
    /// <param name="hostFd">The host descriptor behind the guest's.</param>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">The area's flags.</param>
    /// <param name="offset">Page-aligned file offset.</param>
    /// <returns>The address space's answer; ENFILE when the host has no descriptor left.</returns>
    internal LinuxError Map(AddrSpace space, FileKey key, int hostFd, VirtAddr start, ulong size, MappingFlags flags, ulong offset)
    {
        SharedMemory? known;
        lock (_objects)
        {
            _objects.TryGetValue(key, out known);
        }

        if (known is not null)
        {
            try
            {
                return space.MapShared(start, size, flags, known, offset);
            }
            catch (ObjectDisposedException)
            {
                // Its last mapping went away: replaced below.
            }
        }

        SharedMemory memory;
        try
        {
            memory = SharedMemory.ForFile(hostFd, key.Writable);
        }
        catch (InvalidOperationException)
        {
            return LinuxError.ENFILE; // the host is out of descriptors
        }

        using (memory)
        {
            LinuxError e = space.MapShared(start, size, flags, memory, offset);
            if (e == LinuxError.None)
            {
                lock (_objects)
                {
                    if (_objects.Count >= MaxEntries)
                    {
                        _objects.Clear();
                    }

                    _objects[key] = memory;
                }
            }

            return e;
        }
    }

    /// <summary>A file's identity and the access its shared object has.</summary>
    /// <param name="Device">st_dev.</param>
    /// <param name="Inode">st_ino.</param>
    /// <param name="Writable">Whether the descriptor is open for writing.</param>
    internal readonly record struct FileKey(ulong Device, ulong Inode, bool Writable);
}
