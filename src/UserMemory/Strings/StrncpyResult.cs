using System.Globalization;

namespace UserMemory;

/// <summary>
/// The outcome of <see cref="UserCopy.StrncpyFromUser(ref readonly UserAccess, UserConstPtr{byte}, System.Span{byte})"/>, typed
/// instead of Linux's overloaded <c>long</c>.
/// </summary>
/// <remarks>
/// Linux's <c>strncpy_from_user(dst, src, count)</c> returns the string length when the NUL was found within
/// <c>count</c> bytes (the NUL copied too), <c>count</c> when it was not (the buffer then holds no terminator), and
/// <c>-EFAULT</c> on a fault. <see cref="ToLinuxReturn"/> gives that number back.
/// </remarks>
public readonly struct StrncpyResult
{
    internal StrncpyResult(int length, bool isTerminated, LinuxError error)
    {
        Length = length;
        IsTerminated = isTerminated;
        Error = error;
    }

    /// <summary>On success: the bytes before the NUL when <see cref="IsTerminated"/>, else the whole buffer length (the
    /// buffer is full and unterminated). On failure: 0.</summary>
    public int Length { get; }

    /// <summary>True when the NUL was found within the buffer and copied after the <see cref="Length"/> string bytes.</summary>
    public bool IsTerminated { get; }

    /// <summary><see cref="LinuxError.None"/>, EFAULT (a byte before the NUL, within the buffer length, is not readable,
    /// or the source is not a user address) or ENOMEM (a lazy page could not be populated).</summary>
    public LinuxError Error { get; }

    /// <summary>True unless the copy faulted; an unterminated (truncated) string is still a success.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>What Linux's <c>strncpy_from_user</c> returns: <see cref="Length"/> on success, else <c>-errno</c>.</summary>
    /// <returns>The length or the negated errno.</returns>
    public long ToLinuxReturn() => IsOk ? Length : -(long)Error;

    /// <summary>A short description.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => !IsOk
        ? Error.Name()
        : string.Create(CultureInfo.InvariantCulture, $"{(IsTerminated ? "Terminated" : "Unterminated")}({Length})");
}
