namespace UserMemory;

/// <summary>
/// Gives the core the address space to use for one operation: the current task's, in a kernel. This is axptr's
/// <c>with_addr_space</c>; instead of a closure, the core opens a <see cref="UserAccess"/> scope on what this
/// returns, so a call allocates nothing. Every <see cref="IUserAddressSpace"/> is a provider of itself.
/// </summary>
public interface IAddrSpaceProvider
{
    /// <summary>The address space user pointers are resolved in now.</summary>
    IUserAddressSpace AddressSpace { get; }
}
