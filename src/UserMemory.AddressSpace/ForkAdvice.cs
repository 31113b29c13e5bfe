namespace UserMemory.AddressSpace;

/// <summary>What <c>madvise</c> tells a fork to do with a range (<see cref="AddrSpace.AdviseFork"/>).</summary>
public enum ForkAdvice
{
    /// <summary><c>MADV_DONTFORK</c>: a fork leaves the range out of the child (which faults there, and may map
    /// something new there).</summary>
    DontFork = 0,

    /// <summary><c>MADV_DOFORK</c>: undoes <see cref="DontFork"/>.</summary>
    DoFork = 1,

    /// <summary><c>MADV_WIPEONFORK</c> (private anonymous memory only): a fork gives the child fresh zero pages in the
    /// range, and the child keeps the advice.</summary>
    WipeOnFork = 2,

    /// <summary><c>MADV_KEEPONFORK</c>: undoes <see cref="WipeOnFork"/>.</summary>
    KeepOnFork = 3,
}
