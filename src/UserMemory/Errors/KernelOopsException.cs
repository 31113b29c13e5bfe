using System;

namespace UserMemory;

/// <summary>
/// A kernel bug detected at run time: kernel code touched a user address outside
/// <see cref="UserAccessContext"/>, the equivalent of a Linux "oops". Never caused by user (guest) input alone.
/// </summary>
public sealed class KernelOopsException : Exception
{
    /// <summary>Creates the report for a kernel-mode fault at <paramref name="address"/>.</summary>
    /// <param name="address">The faulting user address.</param>
    /// <param name="access">The access that faulted.</param>
    public KernelOopsException(VirtAddr address, MappingFlags access)
        : base($"Kernel-mode fault on user address {address} ({access}) outside a user-access context.")
    {
        Address = address;
        Access = access;
    }

    /// <summary>Creates an oops with a message.</summary>
    public KernelOopsException()
        : base("Kernel-mode fault on a user address outside a user-access context.")
    {
    }

    /// <summary>Creates an oops with a message.</summary>
    /// <param name="message">The message.</param>
    public KernelOopsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an oops with a message and cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KernelOopsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The faulting address.</summary>
    public VirtAddr Address { get; }

    /// <summary>The access that faulted.</summary>
    public MappingFlags Access { get; }
}
