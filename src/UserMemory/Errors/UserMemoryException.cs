using System;

namespace UserMemory;

/// <summary>
/// Thrown only by the convenience members that turn an errno into an exception (for example
/// <see cref="UserResult{T}.Value"/> on a failed result). The non-throwing forms never raise it.
/// </summary>
public sealed class UserMemoryException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    /// <param name="error">The errno.</param>
    public UserMemoryException(LinuxError error)
        : base($"{error.Name()} ({error.Message()})") => Error = error;

    /// <summary>Creates an exception carrying EFAULT.</summary>
    public UserMemoryException()
        : this(LinuxError.EFAULT)
    {
    }

    /// <summary>Creates an exception with a message; the errno is EFAULT.</summary>
    /// <param name="message">The message.</param>
    public UserMemoryException(string message)
        : base(message) => Error = LinuxError.EFAULT;

    /// <summary>Creates an exception with a message and inner exception; the errno is EFAULT.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UserMemoryException(string message, Exception innerException)
        : base(message, innerException) => Error = LinuxError.EFAULT;

    /// <summary>The errno the failed operation returned.</summary>
    public LinuxError Error { get; }
}
