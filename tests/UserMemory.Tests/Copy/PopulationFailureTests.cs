using System;
using System.Runtime.InteropServices;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Copy;

/// <summary>ENOMEM from a lazy page that cannot be populated reaches every caller unchanged.</summary>
public class PopulationFailureTests
{
    private static TestAddressSpace LazyAndFailing()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), P, RW);
        space.Map(Page(1), 2 * P, RW, populate: false);
        space.FailPopulation = true;
        return space;
    }

    [Fact]
    public void Iovec_import_from_a_lazy_array_is_ENOMEM()
    {
        using TestAddressSpace space = LazyAndFailing();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.ImportIoVectors(in access, (UserConstPtr<IoVec>)(Page(1) - 8), 1).Error);
        IoVec[] vectors = [new(Page(1) - 2, 10)];
        Assert.Equal(new CopyResult(2, LinuxError.ENOMEM), UserCopy.CopyOutVector(in access, vectors, new byte[10]));
        Assert.Equal(new CopyResult(2, LinuxError.ENOMEM), UserCopy.CopyInVector(in access, vectors, new byte[10]));
    }

    [Fact]
    public void Extensible_structs_on_lazy_pages_are_ENOMEM()
    {
        using TestAddressSpace space = LazyAndFailing();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyStructFromUser(in access, new byte[8], (UserConstPtr<byte>)(Page(1) - 4), 8));
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyStructFromUser(in access, new byte[4], (UserConstPtr<byte>)(Page(1) - 4), 8)); // the zero-tail check
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)(Page(1) - 4), 8, new byte[8], out _));
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)(Page(1) - 4), 8, new byte[4], out _)); // the tail clear
    }

    [Fact]
    public void Strings_and_exec_arguments_on_lazy_pages_are_ENOMEM()
    {
        using TestAddressSpace space = LazyAndFailing();
        MemoryMarshal.Write(space.Raw(Base, 8), Page(1));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Base).Error);          // the string
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(Page(1) - 8 + 4)).Error); // the array
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyPathFromUser(in access, (UserConstPtr<byte>)Page(1)).Error);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CopyInArray(in access, (UserConstPtr<int>)(Page(1) - 8), 4).Error);
    }
}
