using System.Globalization;

namespace UserMemory;

/// <summary>
/// The outcome of <see cref="UserCopy.StrnlenUser(ref readonly UserAccess, UserConstPtr{byte}, ulong)"/>, typed instead of
/// Linux's overloaded number.
/// </summary>
/// <remarks>
/// Linux's <c>strnlen_user(src, n)</c> returns the length <em>including</em> the NUL when one lies within
/// <c>n</c> bytes, <c>n + 1</c> when none does, and 0 on a fault (and for <c>n</c> = 0). <see cref="ToLinuxReturn"/>
/// gives that number back. The length is only a hint: the user may change the string right after the scan, so copy
/// it (with <see cref="UserCopy.StrncpyFromUser(ref readonly UserAccess, UserConstPtr{byte}, System.Span{byte})"/>) rather than
/// trusting the length later.
/// </remarks>
public readonly struct StrnlenResult
{
    internal StrnlenResult(ulong length, bool isTerminated, ulong limit, LinuxError error)
    {
        Length = length;
        IsTerminated = isTerminated;
        Limit = limit;
        Error = error;
    }

    /// <summary>On success: the bytes before the NUL when <see cref="IsTerminated"/>, else <see cref="Limit"/> (no NUL
    /// within it). On failure: 0.</summary>
    public ulong Length { get; }

    /// <summary>True when a NUL was found within <see cref="Limit"/> bytes.</summary>
    public bool IsTerminated { get; }

    /// <summary>The scan bound the caller gave.</summary>
    public ulong Limit { get; }

    /// <summary><see cref="LinuxError.None"/>, EFAULT (a byte before the NUL, within the limit, is not readable, or the
    /// source is not a user address) or ENOMEM (population failed).</summary>
    public LinuxError Error { get; }

    /// <summary>True unless the scan faulted.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>What Linux's <c>strnlen_user</c> returns: length + 1 (the NUL counted) when terminated, limit + 1 when
    /// not (saturating at 2^64 - 1), 0 on a fault or for a zero limit.</summary>
    /// <returns>The Linux value.</returns>
    public ulong ToLinuxReturn()
    {
        if (!IsOk || Limit == 0)
        {
            return 0;
        }

        ulong counted = IsTerminated ? Length : Limit;
        return counted == ulong.MaxValue ? ulong.MaxValue : counted + 1;
    }

    /// <summary>A short description.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => !IsOk
        ? Error.Name()
        : string.Create(CultureInfo.InvariantCulture, $"{(IsTerminated ? "Terminated" : "Unterminated")}({Length})");
}
