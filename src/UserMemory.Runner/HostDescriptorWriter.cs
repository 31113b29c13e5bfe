using System;
using System.IO;
using System.Text;
using UserMemory.Linux.Interop;

namespace UserMemory.Runner;

/// <summary>
/// A text writer straight onto a host descriptor number, with <c>write(2)</c> and no buffering. The runner uses it for
/// its own output (help, usage errors) instead of <see cref="Console"/>: the console duplicates descriptors 0, 1 and 2
/// when first touched, and in a runner that continues a guest those numbers belong to the guest. A duplicate the runner
/// kept would hold, say, a pipe's write end open after the guest closed it, so the reader in another process would
/// never see end-of-file.
/// </summary>
internal sealed class HostDescriptorWriter : TextWriter
{
    private readonly int _fd;

    /// <summary>A writer onto <paramref name="fd"/>, which stays owned by whoever opened it.</summary>
    /// <param name="fd">The host descriptor number.</param>
    public HostDescriptorWriter(int fd) => _fd = fd;

    /// <inheritdoc/>
    public override Encoding Encoding => Encoding.UTF8;

    /// <inheritdoc/>
    public override void Write(char value) => Write([value]);

    /// <inheritdoc/>
    public override void Write(string? value) => Write(value.AsSpan());

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (!buffer.IsEmpty)
        {
            HostLinux.WriteAll(_fd, Encoding.UTF8.GetBytes(buffer.ToArray()));
        }
    }
}
