using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// The CPUID the guest sees: what <c>KVM_GET_SUPPORTED_CPUID</c> offers, minus what this VM does not provide. There is
/// no local APIC (no in-kernel irqchip), no nested virtualization, no MONITOR/MWAIT, and FS/GS base is the host's to
/// set (so <c>wrfsbase</c> stays off). XSAVE stays when offered, and then the backend enables it (CR4.OSXSAVE, XCR0).
/// </summary>
internal sealed class GuestCpuid
{
    private const int EntryFunction = 0;
    private const int EntryIndex = 4;
    private const int EntryEax = 12;
    private const int EntryEbx = 16;
    private const int EntryEcx = 20;
    private const int EntryEdx = 24;
    private const uint FeatureLeaf = 1;
    private const uint ExtendedFeatureLeaf = 7;
    private const uint XsaveLeaf = 0xD;
    private const uint ExtendedProcessorLeaf = 0x8000_0001;
    private const uint AddressSizeLeaf = 0x8000_0008;
    private const uint Leaf1EcxMonitor = 1u << 3;
    private const uint Leaf1EcxVmx = 1u << 5;
    private const uint Leaf1EcxX2Apic = 1u << 21;
    private const uint Leaf1EcxTscDeadline = 1u << 24;
    private const uint Leaf1EcxXsave = 1u << 26;
    private const uint Leaf1EcxOsXsave = 1u << 27;
    private const uint Leaf1EcxAvx = 1u << 28;
    private const uint Leaf1EcxPopcnt = 1u << 23;
    private const uint Leaf1EdxApic = 1u << 9;
    private const uint Leaf7EbxFsGsBase = 1u << 0;
    private const uint Leaf7EbxAvx2 = 1u << 5;
    private const uint Extended1EcxSvm = 1u << 2;
    private const uint Extended1EdxNx = 1u << 20;
    private const uint Extended1EdxLongMode = 1u << 29;
    private const uint Extended1EdxPage1G = 1u << 26;
    private const ulong Xcr0Supported = 0x7; // x87, SSE, AVX: the state components this backend enables

    private static GuestCpuid? s_host;
    private readonly byte[] _entries;

    private GuestCpuid(byte[] entries, int count)
    {
        _entries = entries;
        Count = count;
        Filter();
    }

    /// <summary>The number of entries.</summary>
    public int Count { get; }

    /// <summary>Whether the guest gets XSAVE (then CR4.OSXSAVE is set and XCR0 is <see cref="Xcr0"/>).</summary>
    public bool HasXsave => (Read(FeatureLeaf, 0, EntryEcx) & Leaf1EcxXsave) != 0;

    /// <summary>The XCR0 to load when <see cref="HasXsave"/>: the components KVM supports, of x87, SSE and AVX.</summary>
    public ulong Xcr0 => (Read(XsaveLeaf, 0, EntryEax) | 1) & Xcr0Supported;

    /// <summary>Guest physical address bits (CPUID 0x80000008).</summary>
    public int PhysicalAddressBits => (int)(Read(AddressSizeLeaf, 0, EntryEax) & 0xFF);

    /// <summary>What KVM supports, asked once per process.</summary>
    /// <param name="kvmFd">The <c>/dev/kvm</c> descriptor.</param>
    /// <returns>The filtered table.</returns>
    /// <exception cref="InvalidOperationException">KVM refused.</exception>
    public static GuestCpuid FromKvm(int kvmFd)
    {
        // What KVM supports does not change while the process runs, and the table is never written after it is
        // built, so every VM of this process (one per in-runner execve) shares one. Asking again costs about 0.4 ms
        // of host CPUID traps under nested virtualization.
        return s_host ??= Query(kvmFd);
    }

    private static GuestCpuid Query(int kvmFd)
    {
        byte[] buffer = new byte[KvmAbi.ListHeaderSize + (KvmAbi.MaxCpuidEntries * KvmAbi.CpuidEntrySize)];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, KvmAbi.MaxCpuidEntries);
        int r = KvmNative.Ioctl(kvmFd, KvmAbi.GetSupportedCpuid, buffer);
        if (r < 0)
        {
            throw new InvalidOperationException($"KVM_GET_SUPPORTED_CPUID failed: errno {-r}.");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        return new GuestCpuid(buffer, count);
    }

    /// <summary>Hands the table to a vCPU (<c>KVM_SET_CPUID2</c>).</summary>
    /// <param name="vcpuFd">The vCPU.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public int ApplyTo(int vcpuFd) => KvmNative.Ioctl(vcpuFd, KvmAbi.SetCpuid2, _entries.AsSpan(0, KvmAbi.ListHeaderSize + (Count * KvmAbi.CpuidEntrySize)));

    /// <summary>A one-line description of what the guest gets, for reports.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        uint ecx1 = Read(FeatureLeaf, 0, EntryEcx);
        uint ebx7 = Read(ExtendedFeatureLeaf, 0, EntryEbx);
        uint edx81 = Read(ExtendedProcessorLeaf, 0, EntryEdx);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Count} leaves; {PhysicalAddressBits} physical / {(Read(AddressSizeLeaf, 0, EntryEax) >> 8) & 0xFF} virtual address bits;");
        Append(text, "LM", edx81 & Extended1EdxLongMode);
        Append(text, "NX", edx81 & Extended1EdxNx);
        Append(text, "1G-pages", edx81 & Extended1EdxPage1G);
        Append(text, "POPCNT", ecx1 & Leaf1EcxPopcnt);
        Append(text, "XSAVE", ecx1 & Leaf1EcxXsave);
        Append(text, "AVX", ecx1 & Leaf1EcxAvx);
        Append(text, "AVX2", ebx7 & Leaf7EbxAvx2);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string name, uint present) => text.Append(' ').Append(present != 0 ? "+" : "-").Append(name);

    private void Filter()
    {
        Update(FeatureLeaf, EntryEcx, clear: Leaf1EcxMonitor | Leaf1EcxVmx | Leaf1EcxX2Apic | Leaf1EcxTscDeadline | Leaf1EcxOsXsave);
        Update(FeatureLeaf, EntryEdx, clear: Leaf1EdxApic);
        Update(ExtendedFeatureLeaf, EntryEbx, clear: Leaf7EbxFsGsBase);
        Update(ExtendedProcessorLeaf, EntryEcx, clear: Extended1EcxSvm);
        if (!HasXsave)
        {
            Update(FeatureLeaf, EntryEcx, clear: Leaf1EcxAvx);
            Update(ExtendedFeatureLeaf, EntryEbx, clear: Leaf7EbxAvx2);
        }
    }

    private void Update(uint function, int register, uint clear)
    {
        for (int i = 0; i < Count; i++)
        {
            Span<byte> entry = EntryAt(i);
            if (BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryFunction..]) == function)
            {
                uint value = BinaryPrimitives.ReadUInt32LittleEndian(entry[register..]);
                BinaryPrimitives.WriteUInt32LittleEndian(entry[register..], value & ~clear);
            }
        }
    }

    private uint Read(uint function, uint index, int register)
    {
        for (int i = 0; i < Count; i++)
        {
            Span<byte> entry = EntryAt(i);
            if (BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryFunction..]) == function
                && BinaryPrimitives.ReadUInt32LittleEndian(entry[EntryIndex..]) == index)
            {
                return BinaryPrimitives.ReadUInt32LittleEndian(entry[register..]);
            }
        }

        return 0;
    }

    private Span<byte> EntryAt(int i) => _entries.AsSpan(KvmAbi.ListHeaderSize + (i * KvmAbi.CpuidEntrySize), KvmAbi.CpuidEntrySize);
}
