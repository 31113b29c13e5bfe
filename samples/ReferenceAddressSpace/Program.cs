using System;
using UserMemory;
using UserMemory.AddressSpace;

// The reference address space (UserMemory.AddressSpace): guest memory in one host reservation backed by a memfd,
// lazily populated areas, mprotect and munmap that wait for borrows to end. Linux only.
const ulong Page = 4096;
const ulong UserStart = 0x1_0000;
const ulong UserSize = 1UL << 30;
const ulong Text = 0x40_0000;
const ulong Heap = 0x80_0000;
const int MaxString = 256;
const int Answer = 42;

using AddrSpace space = AddrSpace.Create(UserStart, UserSize);
Check("map text", space.MapLinear(Text, Page, MappingFlags.Read | MappingFlags.User, "hello from the guest\0"u8));
Check("map 4 lazy heap pages", space.MapAlloc(Heap, 4 * Page, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, populate: false));

// Copy API: a bounded string copy, then a copy out to a page that is populated on first touch.
UserResult<string> greeting = UserCopy.CopyUtf8StringFromUser(space, UserConstPtr<byte>.FromAddress(Text), MaxString);
Console.WriteLine("string at text: " + (greeting.IsOk ? "\"" + greeting.Value + "\"" : greeting.Error.Name()));
CopyResult written = UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(Heap), "written by the kernel"u8);
Console.WriteLine("copy out to a lazy page: " + Describe(written));
Console.WriteLine("copy out to the read-only text: " + Describe(UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(Text), "x"u8)));

// Borrow API: a typed reference valid for the scope; unmap and protect wait until the scope ends.
using (UserAccess access = UserAccess.Begin(space))
{
    UserRef<int> counter = UserPtr<int>.FromAddress(Heap + Page).Get(in access);
    if (counter.IsOk)
    {
        counter.Value = Answer;
    }

    Console.WriteLine("borrowed int at heap+4096: " + (counter.IsOk ? "set to " + counter.Value : counter.Error.Name()));
    UserRef<int> misaligned = UserPtr<int>.FromAddress(Heap + 1).Get(in access);
    Console.WriteLine("borrowed int at heap+1: " + (misaligned.IsOk ? "ok" : misaligned.Error.Name()));
}

// The guest changes its mappings; the same pointers now get errno answers.
Check("mprotect heap page 0 read-only", space.Protect(Heap, Page, MappingFlags.Read | MappingFlags.User));
Console.WriteLine("copy out to it now: " + Describe(UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(Heap), "y"u8)));
Check("munmap heap page 2", space.Unmap(Heap + (2 * Page), Page));
byte[] across = new byte[2 * Page];
Console.WriteLine("copy in 8 KiB from heap+4096 (runs into the hole): " + Describe(UserCopy.CopyIn(space, UserConstPtr<byte>.FromAddress(Heap + Page), across.AsSpan())));
Console.WriteLine("  the rest of the kernel buffer is zero-filled: " + (Array.TrueForAll(across[(int)Page..], b => b == 0) ? "yes" : "no"));
UserResult<uint> old = UserCopy.CompareExchange32(space, UserPtr<uint>.FromAddress(Heap + Page), Answer, Answer + 1);
Console.WriteLine("compare-exchange 42 -> 43 at heap+4096: " + (old.IsOk ? "old value " + old.Value : old.Error.Name()));
UserResult<uint> gone = UserCopy.AtomicLoad32(space, UserConstPtr<uint>.FromAddress(Heap + (2 * Page)));
Console.WriteLine("atomic load in the hole: " + (gone.IsOk ? gone.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : gone.Error.Name()));

static void Check(string what, LinuxError result) =>
    Console.WriteLine(what + ": " + (result == LinuxError.None ? "ok" : result.Name()));

static string Describe(CopyResult r) =>
    r.IsOk ? r.BytesDone + " bytes" : r.BytesDone + " bytes, then " + r.Error.Name();
