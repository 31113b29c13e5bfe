using System;

namespace UserMemory.Linux.Process;

/// <summary>A hand-off state (or the hand-off descriptor) is not one a runner wrote: truncated, forged, out of range or
/// of another version. Expected input on the hand-off path, not a bug: the runner prints the message on one line and
/// exits with a non-zero status.</summary>
public sealed class HandoffRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HandoffRejectedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, one line.</param>
    public HandoffRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, one line.</param>
    /// <param name="innerException">The cause.</param>
    public HandoffRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
