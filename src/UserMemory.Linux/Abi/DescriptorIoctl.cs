namespace UserMemory.Linux.Abi;

/// <summary>The <c>ioctl</c> requests Linux answers for any descriptor, before the file's own ioctl (x86-64 values).</summary>
internal enum DescriptorIoctl : ulong
{
    /// <summary><c>FIONCLEX</c>: clear close-on-exec.</summary>
    NoCloseOnExec = 0x5450,

    /// <summary><c>FIOCLEX</c>: set close-on-exec.</summary>
    CloseOnExec = 0x5451,

    /// <summary><c>FIONBIO</c>: set or clear O_NONBLOCK from an <c>int</c>.</summary>
    NonBlocking = 0x5421,

    /// <summary><c>FIOASYNC</c>: set or clear O_ASYNC from an <c>int</c>.</summary>
    Async = 0x5452,
}
