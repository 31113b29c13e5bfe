using System;

namespace UserMemory.Tests.Errors;

public class LinuxErrorTests
{
    [Theory]
    [InlineData(LinuxError.EPERM, 1, "EPERM", "Operation not permitted")]
    [InlineData(LinuxError.ENOENT, 2, "ENOENT", "No such file or directory")]
    [InlineData(LinuxError.EIO, 5, "EIO", "Input/output error")]
    [InlineData(LinuxError.E2BIG, 7, "E2BIG", "Argument list too long")]
    [InlineData(LinuxError.EBADF, 9, "EBADF", "Bad file descriptor")]
    [InlineData(LinuxError.EAGAIN, 11, "EAGAIN", "Resource temporarily unavailable")]
    [InlineData(LinuxError.ENOMEM, 12, "ENOMEM", "Cannot allocate memory")]
    [InlineData(LinuxError.EACCES, 13, "EACCES", "Permission denied")]
    [InlineData(LinuxError.EFAULT, 14, "EFAULT", "Bad address")]
    [InlineData(LinuxError.EEXIST, 17, "EEXIST", "File exists")]
    [InlineData(LinuxError.EINVAL, 22, "EINVAL", "Invalid argument")]
    [InlineData(LinuxError.EPIPE, 32, "EPIPE", "Broken pipe")]
    [InlineData(LinuxError.ERANGE, 34, "ERANGE", "Numerical result out of range")]
    [InlineData(LinuxError.ENAMETOOLONG, 36, "ENAMETOOLONG", "File name too long")]
    [InlineData(LinuxError.ENOSYS, 38, "ENOSYS", "Function not implemented")]
    [InlineData(LinuxError.ELOOP, 40, "ELOOP", "Too many levels of symbolic links")]
    [InlineData(LinuxError.ENOMSG, 42, "ENOMSG", "No message of desired type")]
    [InlineData(LinuxError.EBFONT, 59, "EBFONT", "Bad font file format")]
    [InlineData(LinuxError.EOVERFLOW, 75, "EOVERFLOW", "Value too large for defined data type")]
    [InlineData(LinuxError.EILSEQ, 84, "EILSEQ", "Invalid or incomplete multibyte or wide character")]
    [InlineData(LinuxError.EOPNOTSUPP, 95, "EOPNOTSUPP", "Operation not supported")]
    [InlineData(LinuxError.ETIMEDOUT, 110, "ETIMEDOUT", "Connection timed out")]
    [InlineData(LinuxError.ECANCELED, 125, "ECANCELED", "Operation canceled")]
    [InlineData(LinuxError.ENOTRECOVERABLE, 131, "ENOTRECOVERABLE", "State not recoverable")]
    [InlineData(LinuxError.EHWPOISON, 133, "EHWPOISON", "Memory page has hardware error")]
    public void ValuesNamesAndMessagesMatchLinux(LinuxError error, int value, string name, string message)
    {
        Assert.Equal(value, (int)error);
        Assert.Equal(name, error.Name());
        Assert.Equal(message, error.Message());
        Assert.True(error.IsDefined());
        Assert.Equal(-value, error.ToSyscallReturn());
    }

    [Fact]
    public void EveryNumberFromOneTo133IsDefinedExceptTheTwoLinuxSkips()
    {
        int defined = 0;
        for (int n = 1; n <= LinuxErrorInfo.MaxErrno; n++)
        {
            var e = (LinuxError)n;
            if (n is 41 or 58)
            {
                Assert.False(e.IsDefined());
                Assert.Equal("E" + n, e.Name());
                Assert.Equal("Unknown error " + n, e.Message());
                continue;
            }

            Assert.True(e.IsDefined(), $"errno {n}");
            Assert.StartsWith("E", e.Name(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(e.Message()));
            defined++;
        }

        Assert.Equal(131, defined);
        Assert.False(((LinuxError)134).IsDefined());
        Assert.False(LinuxError.None.IsDefined());
        Assert.Equal("Success", LinuxError.None.Message());
    }

    [Fact]
    public void AliasesShareValuesAndPrimaryNames()
    {
        Assert.Equal(LinuxError.EAGAIN, LinuxError.EWOULDBLOCK);
        Assert.Equal(LinuxError.EDEADLK, LinuxError.EDEADLOCK);
        Assert.Equal(LinuxError.EOPNOTSUPP, LinuxError.ENOTSUP);
        Assert.Equal("EAGAIN", LinuxError.EWOULDBLOCK.Name());
    }

    [Fact]
    public void UserResultCarriesValueOrErrno()
    {
        UserResult<int> ok = 5;
        Assert.True(ok.IsOk);
        Assert.Equal(5, ok.Value);
        Assert.True(ok.TryGetValue(out int v) && v == 5);
        Assert.Equal("Ok(5)", ok.ToString());

        UserResult<int> bad = LinuxError.EFAULT;
        Assert.False(bad.IsOk);
        Assert.Equal(LinuxError.EFAULT, bad.Error);
        Assert.False(bad.TryGetValue(out _));
        Assert.Equal(-1, bad.GetValueOrDefault(-1));
        Assert.Equal("EFAULT", bad.ToString());
        UserMemoryException ex = Assert.Throws<UserMemoryException>(() => bad.Value);
        Assert.Equal(LinuxError.EFAULT, ex.Error);
        Assert.Contains("Bad address", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => UserResult<int>.FromError(LinuxError.None));
    }

    [Fact]
    public void KernelOopsNamesAddressAndAccess()
    {
        var oops = new KernelOopsException(new VirtAddr(0xdead000), MappingFlags.Write);
        Assert.Equal(0xdead000UL, oops.Address.Value);
        Assert.Equal(MappingFlags.Write, oops.Access);
        Assert.Contains("0xdead000", oops.Message, StringComparison.Ordinal);
        Assert.Contains("Write", oops.Message, StringComparison.Ordinal);
    }
}
