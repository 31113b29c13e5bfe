using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu;

/// <summary>What ended one <see cref="ICpu.Run"/>: a small value, so returning it allocates nothing.</summary>
/// <param name="Kind">The kind of event.</param>
/// <param name="Address">For <see cref="CpuEventKind.PageFault"/>: the guest virtual address accessed; else 0.</param>
/// <param name="Access">For <see cref="CpuEventKind.PageFault"/>: <see cref="MappingFlags.Read"/>,
/// <see cref="MappingFlags.Write"/> or <see cref="MappingFlags.Execute"/>, always with <see cref="MappingFlags.User"/>
/// (the form <c>AddrSpace.HandlePageFault</c> takes); else <see cref="MappingFlags.None"/>.</param>
/// <param name="Vector">For <see cref="CpuEventKind.Exception"/>: the x86 exception vector (see
/// <see cref="X86Vector"/>); else 0.</param>
/// <param name="ErrorCode">For <see cref="CpuEventKind.Exception"/>: the exception's error code when it has one; else 0.</param>
public readonly record struct CpuEvent(CpuEventKind Kind, ulong Address = 0, MappingFlags Access = MappingFlags.None, int Vector = 0, ulong ErrorCode = 0)
{
    /// <summary>A stop requested through <see cref="ICpu.RequestStop"/>.</summary>
    public static CpuEvent Stopped => new(CpuEventKind.Stopped);

    /// <summary>A page fault.</summary>
    /// <param name="address">The address accessed.</param>
    /// <param name="access">Read, Write or Execute (User is added).</param>
    /// <returns>The event.</returns>
    public static CpuEvent PageFault(ulong address, MappingFlags access) => new(CpuEventKind.PageFault, address, access | MappingFlags.User);

    /// <summary>A CPU exception.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="errorCode">The error code, or 0.</param>
    /// <returns>The event.</returns>
    public static CpuEvent Exception(int vector, ulong errorCode = 0) => new(CpuEventKind.Exception, Vector: vector, ErrorCode: errorCode);
}
