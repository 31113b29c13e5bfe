namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The FS and GS bases a guest may choose (arch_prctl ARCH_SET_FS/ARCH_SET_GS, clone's CLONE_SETTLS): Linux refuses
/// any base at or above <c>TASK_SIZE_MAX</c> with EPERM, so a kernel or non-canonical base never reaches the CPU (KVM
/// itself rejects a non-canonical base).
/// </summary>
internal static class SegmentBaseLimit
{
    /// <summary><c>TASK_SIZE_MAX</c> on x86-64 with 4-level paging: the end of the user range minus a guard page.</summary>
    private const ulong TaskSizeMax = 0x7fff_ffff_f000;

    /// <summary>Whether <paramref name="segmentBase"/> is a base Linux lets user code set.</summary>
    /// <param name="segmentBase">The requested FS or GS base.</param>
    /// <returns>True below <c>TASK_SIZE_MAX</c>.</returns>
    internal static bool IsAllowed(ulong segmentBase) => segmentBase < TaskSizeMax;
}
