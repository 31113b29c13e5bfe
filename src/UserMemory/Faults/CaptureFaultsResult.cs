using System.Globalization;

namespace UserMemory;

/// <summary>
/// The outcome of a fault-capturing copy (<see cref="UserCopy.CopyInCaptureFaults"/>,
/// <see cref="UserCopy.CopyOutCaptureFaults"/>), after Fuchsia's <c>*_capture_faults</c>: the bytes done and, when it
/// stopped at a page it must not touch, the fault the caller should resolve before retrying.
/// </summary>
public readonly struct CaptureFaultsResult
{
    internal CaptureFaultsResult(nuint bytesDone, LinuxError error, bool hasFault, VirtAddr faultAddress, MappingFlags faultAccess)
    {
        BytesDone = bytesDone;
        Error = error;
        HasFault = hasFault;
        FaultAddress = faultAddress;
        FaultAccess = faultAccess;
    }

    /// <summary>The bytes transferred, from the start of the request.</summary>
    public nuint BytesDone { get; }

    /// <summary><see cref="LinuxError.None"/> when everything was transferred; otherwise EFAULT. With
    /// <see cref="HasFault"/> the EFAULT is provisional: resolve the fault and retry from <see cref="BytesDone"/>.
    /// Without it (the range leaves user space) it is final.</summary>
    public LinuxError Error { get; }

    /// <summary>True when the copy stopped at a page that is not present or not accessible; the caller resolves it with
    /// <see cref="UserCopy.ResolveFault"/> (or its own fault path), outside its own locks, and retries.</summary>
    public bool HasFault { get; }

    /// <summary>The first byte the copy could not touch: the start of the request plus <see cref="BytesDone"/>.</summary>
    public VirtAddr FaultAddress { get; }

    /// <summary>The access that would have faulted (<see cref="MappingFlags.Read"/> for a copy in,
    /// <see cref="MappingFlags.Write"/> for a copy out); a kernel-mode access, so without <see cref="MappingFlags.User"/>.</summary>
    public MappingFlags FaultAccess { get; }

    /// <summary>True when everything was transferred.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>The same outcome as a plain <see cref="CopyResult"/>.</summary>
    /// <returns>The bytes done and the errno.</returns>
    public CopyResult ToCopyResult() => new(BytesDone, Error);

    /// <summary>"Ok(n)", "fault at 0x… (Read) after n bytes" or the errno.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        if (IsOk)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Ok({BytesDone})");
        }

        return HasFault
            ? string.Create(CultureInfo.InvariantCulture, $"fault at {FaultAddress} ({FaultAccess}) after {BytesDone} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{Error.Name()} after {BytesDone} bytes");
    }
}
