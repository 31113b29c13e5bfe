using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Text;
using UserMemory;

namespace OwnKernel;

/// <summary>
/// A "user program" as a script: it lays out its memory, then makes system calls with raw addresses, first
/// well-behaved ones and then hostile ones, and prints each call with the kernel's answer.
/// </summary>
internal sealed class ScriptedUserProgram
{
    /// <summary>Guest memory size: eight pages from <see cref="OwnedAddressSpace.UserStart"/>.</summary>
    public const int MemorySize = 8 * Page;

    private const int Page = 4096;
    private const ulong Text = OwnedAddressSpace.UserStart;   // read-only strings
    private const ulong Data = Text + Page;                    // read-write buffers and arrays
    private const ulong ReadOnly = Data + Page;                // read-only page
    private const ulong Hole = ReadOnly + Page;                // never mapped
    private const ulong LongPath = Hole + Page;                // two pages of 'a', no NUL
    private const ulong Top = OwnedAddressSpace.UserStart + MemorySize;

    private const ulong MotdPath = Text;
    private const ulong EchoPath = Text + 0x20;
    private const ulong ArgStrings = Text + 0x40;              // "echo\0hello\0world\0"
    private const ulong EmptyString = Text + 0x60;
    private const ulong NopePath = Text + 0x80;
    private const ulong Buffer = Data;
    private const ulong SecondBuffer = Data + 0x100;
    private const ulong ArgvArray = Data + 0x200;
    private const ulong IovArray = Data + 0x300;
    private const ulong DataEnd = Data + Page;
    private const ulong OverflowingAddress = ulong.MaxValue - 15;
    private const int OpenReadOnly = 0;
    private const long TooManyIovecs = UserCopy.IovMax + 1;

    private readonly OwnedAddressSpace _memory;
    private readonly TinyKernel _kernel;
    private readonly TextWriter _out;

    /// <summary>Sets up memory and the kernel's files.</summary>
    public ScriptedUserProgram(TextWriter output)
    {
        _out = output;
        _memory = new OwnedAddressSpace(MemorySize);
        _memory.Map(Text, Page, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User);
        _memory.Map(Data, Page, MappingFlags.Read | MappingFlags.Write | MappingFlags.User);
        _memory.Map(ReadOnly, Page, MappingFlags.Read | MappingFlags.User);
        _memory.Map(LongPath, 2 * Page, MappingFlags.Read | MappingFlags.Write | MappingFlags.User);
        _kernel = new TinyKernel(_memory, output);
        _kernel.AddFile("/etc/motd", "Welcome to the tiny kernel. Mind your pointers.\n");
        _kernel.AddFile("/bin/echo", "#!ELF");

        Store(MotdPath, "/etc/motd\0");
        Store(EchoPath, "/bin/echo\0");
        Store(ArgStrings, "echo\0hello\0world\0");
        Store(EmptyString, "\0");
        Store(NopePath, "/bin/nope\0");
        Store(Hole - 6, "tail!\n");
        _memory.StoreAsUser(LongPath, Encoding.ASCII.GetBytes(new string('a', 2 * Page)));
    }

    /// <summary>Runs the script.</summary>
    public void Run()
    {
        _out.WriteLine("# a well-behaved program");
        long fd = Call("openat(AT_FDCWD, \"/etc/motd\", O_RDONLY)", _kernel.OpenAt(TinyKernel.AtFdCwd, MotdPath, OpenReadOnly));
        Call("read(3, buf, 8)", _kernel.Read((int)fd, Buffer, 8));
        Call("write(1, buf, 8)", _kernel.Write(TinyKernel.StdoutFd, Buffer, 8));
        StoreIovecs(IovArray, (Buffer, 11), (SecondBuffer, 100));
        long got = Call("readv(3, [{buf, 11}, {buf2, 100}], 2)", _kernel.Readv((int)fd, IovArray, 2));
        Call("write(1, buf, 11)", _kernel.Write(TinyKernel.StdoutFd, Buffer, 11));
        Call("write(1, buf2, rest)", _kernel.Write(TinyKernel.StdoutFd, SecondBuffer, (ulong)(got - 11)));
        StorePointers(ArgvArray, ArgStrings, ArgStrings + 5, ArgStrings + 11, 0);
        Call("execve(\"/bin/echo\", [\"echo\", \"hello\", \"world\"], NULL)", _kernel.Execve(EchoPath, ArgvArray, 0));

        _out.WriteLine("# a hostile program");
        long again = Call("openat(AT_FDCWD, \"/etc/motd\", O_RDONLY)", _kernel.OpenAt(TinyKernel.AtFdCwd, MotdPath, OpenReadOnly));
        Call("read(4, NULL, 8)", _kernel.Read((int)again, 0, 8));
        Call("read(4, read-only page, 8)", _kernel.Read((int)again, ReadOnly, 8));
        Call("read(4, unmapped hole, 8)", _kernel.Read((int)again, Hole, 8));
        Call("read(4, 0xfffffffffffffff0, 32)   address + size overflows", _kernel.Read((int)again, OverflowingAddress, 32));
        Call("read(4, last 4 writable bytes, 8)   partial: stops at the read-only page", _kernel.Read((int)again, DataEnd - 4, 8));
        Call("write(1, \"tail!\\n\" just before the hole, 4096)   partial", _kernel.Write(TinyKernel.StdoutFd, Hole - 6, Page));
        Call("write(1, buf, 1 TiB)   beyond the user range", _kernel.Write(TinyKernel.StdoutFd, Buffer, 1UL << 40));
        Call("read(42, buf, 8)", _kernel.Read(42, Buffer, 8));
        Call("openat(AT_FDCWD, NULL, O_RDONLY)", _kernel.OpenAt(TinyKernel.AtFdCwd, 0, OpenReadOnly));
        Call("openat(AT_FDCWD, \"\", O_RDONLY)", _kernel.OpenAt(TinyKernel.AtFdCwd, EmptyString, OpenReadOnly));
        Call("openat(AT_FDCWD, 8192 x 'a' without NUL, O_RDONLY)", _kernel.OpenAt(TinyKernel.AtFdCwd, LongPath, OpenReadOnly));
        Call("openat(AT_FDCWD, \"aaa...\" running into unmapped memory, O_RDONLY)", _kernel.OpenAt(TinyKernel.AtFdCwd, Top - 16, OpenReadOnly));
        Call("readv(4, iov, 1025)   more than IOV_MAX", _kernel.Readv((int)again, IovArray, TooManyIovecs));
        Call("readv(4, iov, -1)", _kernel.Readv((int)again, IovArray, -1));
        Call("readv(4, unmapped iovec array, 2)", _kernel.Readv((int)again, Hole, 2));
        StoreIovecs(IovArray, (Buffer, 4), (Hole, 4));
        Call("readv(4, [{buf, 4}, {hole, 4}], 2)   stops at the bad buffer", _kernel.Readv((int)again, IovArray, 2));
        StoreIovecs(IovArray, (Buffer, -1));
        Call("readv(4, [{buf, -1}], 1)   negative length", _kernel.Readv((int)again, IovArray, 1));
        StoreIovecs(IovArray, (Buffer, long.MaxValue), (SecondBuffer, long.MaxValue));
        Call("readv(4, [{buf, SSIZE_MAX}, {buf2, SSIZE_MAX}], 2)   huge lengths", _kernel.Readv((int)again, IovArray, 2));
        StorePointers(Hole - 16, ArgStrings, ArgStrings + 5);
        Call("execve(\"/bin/echo\", argv with no NULL before the hole, NULL)", _kernel.Execve(EchoPath, Hole - 16, 0));
        StorePointers(ArgvArray, ArgStrings, Hole, 0);
        Call("execve(\"/bin/echo\", [\"echo\", <unmapped>], NULL)", _kernel.Execve(EchoPath, ArgvArray, 0));
        StorePointers(ArgvArray, ArgStrings, 0);
        Call("execve(\"/bin/nope\", [\"echo\"], NULL)", _kernel.Execve(NopePath, ArgvArray, 0));
    }

    private long Call(string call, long result)
    {
        string answer = result >= 0
            ? result.ToString(CultureInfo.InvariantCulture)
            : "-1 " + ((LinuxError)(int)-result).Name() + " (" + ((LinuxError)(int)-result).Message() + ")";
        _out.WriteLine(call + " = " + answer);
        return result;
    }

    private void Store(ulong address, string text) => _memory.StoreAsUser(address, Encoding.ASCII.GetBytes(text));

    private void StorePointers(ulong address, params ulong[] pointers)
    {
        byte[] bytes = new byte[pointers.Length * sizeof(ulong)];
        for (int i = 0; i < pointers.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * sizeof(ulong)), pointers[i]);
        }

        _memory.StoreAsUser(address, bytes);
    }

    private void StoreIovecs(ulong address, params (ulong Base, long Length)[] vectors)
    {
        ulong[] words = new ulong[vectors.Length * 2];
        for (int i = 0; i < vectors.Length; i++)
        {
            words[2 * i] = vectors[i].Base;
            words[(2 * i) + 1] = (ulong)vectors[i].Length;
        }

        StorePointers(address, words);
    }
}
