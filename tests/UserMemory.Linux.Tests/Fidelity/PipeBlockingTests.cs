using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Blocking pipe transfers larger than the pipe in a multi-threaded process (tests/probes/pipe_blocking.c): a 1 MiB
/// write (and writev) blocks while another thread maps and unmaps memory and then drains the pipe; a signal without
/// SA_RESTART interrupts a write blocked on a full pipe, which returns the bytes already written. The runner once made
/// such a write as one blocking host call inside its access scope: the munmap waited for the scope, the reader for the
/// munmap, and no signal could end the host call (Go's runtime test EINTR hung there). A write on a pipe's read end
/// answers EBADF at once (the runner once waited for it to become writable: CPython's test_wakeup_write_error hung).
/// Linux is the oracle.
/// </summary>
public sealed class PipeBlockingTests
{
    private static readonly System.TimeSpan Limit = System.TimeSpan.FromSeconds(120);

    [ProbeFact]
    public void Blocking_pipe_writes_wait_outside_the_scope_and_signals_interrupt_them() =>
        Differential.AssertSameAsNative(Probes.Get("pipe_blocking"), [], Limit);
}
