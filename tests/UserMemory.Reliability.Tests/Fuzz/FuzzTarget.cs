using System;
using UserMemory.AddressSpace;
using UserMemory.Reliability.Tests.Support;
using UserMemory.Tests.Support;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>The implementations a fuzz layout is built in.</summary>
public enum FuzzTargetKind
{
    /// <summary>The reference <see cref="AddrSpace"/>, at the layout's own user range.</summary>
    AddrSpace,

    /// <summary>The reference <see cref="AddrSpace"/> presented at the top of the 64-bit space (user range ending at
    /// 2^64 - 4096) through <see cref="InterposedAddressSpace"/>.</summary>
    AddrSpaceAtTop,

    /// <summary>The core tests' <see cref="TestAddressSpace"/>.</summary>
    TestAddressSpace,
}

/// <summary>An address space built from a <see cref="Layout"/>, plus back doors for setup and for reading memory.</summary>
public sealed class FuzzTarget : IDisposable
{
    /// <summary>The highest user end a 64-bit space can have (page-aligned, representable).</summary>
    public const ulong TopUserEnd = 0xFFFF_FFFF_FFFF_F000;

    private readonly IDisposable _owner;
    private readonly AddrSpace? _addrSpace;
    private readonly TestAddressSpace? _testSpace;
    private readonly InterposedAddressSpace? _interposed;

    private FuzzTarget(IUserAddressSpace space, IDisposable owner, AddrSpace? addrSpace, TestAddressSpace? testSpace, InterposedAddressSpace? interposed)
    {
        Space = space;
        _owner = owner;
        _addrSpace = addrSpace;
        _testSpace = testSpace;
        _interposed = interposed;
    }

    /// <summary>What the core is called with.</summary>
    public IUserAddressSpace Space { get; }

    /// <summary>Builds <paramref name="layout"/> (whose user range must be low) in the given implementation. Returns
    /// the target and the layout as the core sees it (moved to the top for <see cref="FuzzTargetKind.AddrSpaceAtTop"/>).</summary>
    public static FuzzTarget Create(FuzzTargetKind kind, Layout layout, out Layout seen)
    {
        ulong size = layout.UserEnd - layout.UserStart;
        FuzzTarget target;
        switch (kind)
        {
            case FuzzTargetKind.AddrSpace:
            {
                AddrSpace space = AddrSpace.Create(layout.UserStart, size);
                target = new FuzzTarget(space, space, space, null, null);
                seen = layout;
                break;
            }

            case FuzzTargetKind.AddrSpaceAtTop:
            {
                AddrSpace space = AddrSpace.Create(layout.UserStart, size);
                var top = new InterposedAddressSpace(space, TopUserEnd - size);
                target = new FuzzTarget(top, space, space, null, top);
                seen = layout.MovedTo(TopUserEnd - size);
                break;
            }

            default:
            {
                var space = new TestAddressSpace(layout.UserStart, size);
                target = new FuzzTarget(space, space, null, space, null);
                seen = layout;
                break;
            }
        }

        try
        {
            foreach (AreaSpec area in layout.Areas)
            {
                target.MapInner(area);
            }

            foreach (AreaSpec area in seen.Areas)
            {
                if (area.Filled)
                {
                    target.Poke(area.Start, seen.ContentsOf(area));
                }
            }
        }
        catch
        {
            target.Dispose();
            throw;
        }

        return target;
    }

    /// <summary>Setup back door: populates the pages under <paramref name="address"/> and writes
    /// <paramref name="bytes"/> through the kernel view, whatever the flags. The range must be mapped.</summary>
    public void Poke(ulong address, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        using UserAccess access = UserAccess.Begin(Space);
        VirtAddrRange range = VirtAddrRange.FromStartSize(address, (ulong)bytes.Length);
        if (!range.TryPageCover(out VirtAddrRange cover) || Space.PopulateArea(cover) != LinuxError.None)
        {
            throw new InvalidOperationException($"setup write to an unmapped range {range}");
        }

        unsafe
        {
            bytes.CopyTo(new Span<byte>((void*)Space.GetKernelAddress(address), bytes.Length));
        }
    }

    /// <summary>True when the page holding <paramref name="address"/> is populated.</summary>
    public bool IsPopulated(ulong address) => Space.IsPopulated(address);

    /// <summary>Reads a populated page through the kernel view.</summary>
    public void PeekPage(ulong pageAddress, Span<byte> destination)
    {
        unsafe
        {
            new ReadOnlySpan<byte>((void*)Space.GetKernelAddress(pageAddress), (int)Pages.Size4K).CopyTo(destination);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _owner.Dispose();

    private void MapInner(AreaSpec area)
    {
        if (_testSpace is not null)
        {
            _testSpace.Map(area.Start, area.Size, area.Flags, area.Eager);
            return;
        }

        LinuxError e = _addrSpace!.MapAlloc(area.Start, area.Size, area.Flags, area.Eager);
        if (e != LinuxError.None)
        {
            throw new InvalidOperationException($"MapAlloc({area}) failed: {e}");
        }
    }
}
