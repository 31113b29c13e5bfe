using System;

namespace UserMemory.UnsafeAccess;

/// <summary>
/// Marks the raw routes to guest memory, the ones that skip validation, and opts code in to using them.
/// </summary>
/// <remarks>
/// <para><b>On a member</b> (<see cref="IUserAddressSpace.GetKernelAddress"/>, <see cref="IUserAddressSpace.PrepareAccess"/>,
/// <see cref="IUserAddressSpace.PrepareWindow"/>, <see cref="UserPtr{T}.AsPtr"/>, <see cref="UserConstPtr{T}.AsPtr"/>,
/// the reference address space's <c>KernelBase</c>/<c>GuestViewBase</c>, <see cref="IHostMappedAddressSpace"/>): the
/// member hands out a kernel address or a pointer that nothing checks. Calling it is correct only under the invariants
/// in its documentation, which come down to: the address was validated for the access in an access scope that is still
/// open, and the caller touches no byte outside the validated range.</para>
/// <para><b>On a method, type or assembly</b>: that code opts in. The <c>UserMemory.Analyzers</c> analyzer shipped in
/// the package reports every use of a marked member (UM0003, an error) outside code that opts in, so ordinary kernel
/// code reaches guest memory only through validation (<see cref="UserPtr{T}.Get"/>, the copy API), and each piece of
/// code that does not is named by this attribute and reviewable. Address-space implementations, CPU memory mirrors and
/// hypervisor memory slots are the intended users.</para>
/// <para>Implementing a marked interface member is not a use, and needs no opt-in.</para>
/// </remarks>
[AttributeUsage(
    AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface
    | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor,
    Inherited = false)]
public sealed class RequiresUnsafeUserMemoryAttribute : Attribute
{
    /// <summary>Marks a raw route, or opts the annotated code in.</summary>
    public RequiresUnsafeUserMemoryAttribute()
    {
    }

    /// <summary>Marks a raw route, or opts the annotated code in, saying why.</summary>
    /// <param name="justification">Why the code needs the raw route (for reviewers).</param>
    public RequiresUnsafeUserMemoryAttribute(string justification) => Justification = justification;

    /// <summary>Why the code needs the raw route, when given.</summary>
    public string? Justification { get; }
}
