using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class ConcurrencyTests
{
    private const int Slots = 8;          // areas the mutator churns, 4 pages each
    private const ulong SlotPages = 4;
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static ulong SlotStart(int slot) => Base + ((ulong)slot * SlotPages * Page);

    /// <summary>
    /// Readers borrow memory through the core while a mutator maps (with a uniform fill byte), unmaps and protects the
    /// same ranges. Inside one scope a borrowed view must not change under the reader: every byte equals the first
    /// (an unmap in the middle would punch zeros into it), and a re-read at the end equals the first read.
    /// </summary>
    [Fact]
    public async Task Readers_and_a_mutator_on_the_same_ranges_never_see_a_torn_mapping()
    {
        using AddrSpace space = AddrSpace.Create(Base, 64 * Page);
        using var stop = new CancellationTokenSource();
        long reads = 0;
        long mutations = 0;
        int readerCount = Math.Max(2, Environment.ProcessorCount);

        Task mutator = Task.Run(() =>
        {
            var rng = new Random(1);
            byte generation = 1;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < RunFor)
            {
                int slot = rng.Next(Slots);
                ulong start = SlotStart(slot);
                switch (rng.Next(4))
                {
                    case 0:
                        byte[] fill = new byte[SlotPages * Page];
                        Array.Fill(fill, generation++ == 0 ? (byte)1 : generation);
                        fill[^1] = 0; // a NUL terminator for string scans
                        _ = space.MapLinear(start, SlotPages * Page, RW, fill);
                        break;
                    case 1:
                        Assert.Equal(LinuxError.None, space.Unmap(start, SlotPages * Page));
                        break;
                    case 2:
                        _ = space.Protect(start + Page, Page, rng.Next(2) == 0 ? RO : RW);
                        break;
                    default:
                        _ = space.MapAlloc(start, SlotPages * Page, RW, populate: false); // lazy, reads zero
                        break;
                }

                Interlocked.Increment(ref mutations);
            }

            stop.Cancel();
        });

        Task[] readers = new Task[readerCount];
        for (int r = 0; r < readerCount; r++)
        {
            int seed = r + 10;
            readers[r] = Task.Run(() =>
            {
                var rng = new Random(seed);
                while (!stop.IsCancellationRequested)
                {
                    ReadOnce(space, rng);
                    Interlocked.Increment(ref reads);
                }
            });
        }

        // A deadlock fails the test with a TimeoutException instead of hanging it; assertion failures in the threads
        // are rethrown here.
        await Task.WhenAll([mutator, .. readers]).WaitAsync(Deadline);
        Assert.True(Interlocked.Read(ref mutations) > 0);
        Assert.True(Interlocked.Read(ref reads) > 0);
    }

    private static void ReadOnce(AddrSpace space, Random rng)
    {
        ulong start = SlotStart(rng.Next(Slots));
        using UserAccess access = UserAccess.Begin(space);
        switch (rng.Next(4))
        {
            case 0:
            {
                UserReadOnlySpan<byte> span = UserConstPtr<byte>.FromAddress(start).GetAsSlice(in access, (SlotPages * Page) - 1);
                if (span.IsOk)
                {
                    ReadOnlySpan<byte> bytes = span.Value;
                    byte first = bytes[0];
                    Thread.SpinWait(rng.Next(2000)); // give a mutator every chance to get in (it must not)
                    Assert.True(bytes.IndexOfAnyExcept(first) < 0, "a borrowed slice changed or is not uniform");
                }
                else
                {
                    Assert.True(span.Error is LinuxError.EFAULT, $"unexpected {span.Error}");
                }

                break;
            }

            case 1:
            {
                UserRef<long> value = UserPtr<long>.FromAddress(start + (ulong)(rng.Next((int)Page / 8) * 8)).Get(in access);
                if (value.IsOk)
                {
                    long before = value.Value;
                    Thread.SpinWait(500);
                    Assert.Equal(before, value.Value);
                }

                break;
            }

            case 2:
            {
                UserReadOnlySpan<byte> text = UserConstPtr<byte>.FromAddress(start + (ulong)rng.Next((int)Page)).GetAsNullTerminated(in access);
                Assert.True(text.IsOk || text.Error is LinuxError.EFAULT, $"unexpected {text.Error}");
                if (text.IsOk && text.Value.Length > 0)
                {
                    Assert.True(text.Value.IndexOfAnyExcept(text.Value[0]) < 0);
                }

                break;
            }

            default:
            {
                // Nested scope and a kernel-mode fault from inside it: must neither deadlock nor oops.
                using UserAccess inner = UserAccess.Begin(space);
                _ = space.HandlePageFault(start + (2 * Page), MappingFlags.Read);
                _ = space.CheckRegionAccess(VirtAddrRange.FromStartSize(start, SlotPages * Page), MappingFlags.Read);
                break;
            }
        }
    }

    [Fact]
    public async Task A_mutation_waits_for_open_scopes_and_new_scopes_wait_for_the_mutation()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: true));
        using var scopeOpen = new ManualResetEventSlim();
        using var releaseScope = new ManualResetEventSlim();
        int unmapped = 0;

        Task reader = Task.Run(() =>
        {
            using UserAccess access = UserAccess.Begin(space);
            scopeOpen.Set();
            releaseScope.Wait();
            // The unmap cannot have happened while this scope is open.
            Assert.Equal(0, Volatile.Read(ref unmapped));
            Assert.True(UserPtr<byte>.FromAddress(Base).Get(in access).IsOk);
        });
        await Task.Run(scopeOpen.Wait).WaitAsync(Deadline);
        Task writer = Task.Run(() =>
        {
            Assert.Equal(LinuxError.None, space.Unmap(Base, Page));
            Volatile.Write(ref unmapped, 1);
        });
        await Task.Delay(200); // give the unmap every chance to run early (it must not)
        Assert.False(writer.IsCompleted, "the unmap did not wait for the open scope");
        releaseScope.Set();
        await Task.WhenAll(reader, writer).WaitAsync(Deadline);
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, Base).Error);
    }

    [Fact]
    public async Task A_nested_scope_and_population_do_not_wait_for_a_waiting_writer()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 4 * Page, RW, populate: false));
        using var scopeOpen = new ManualResetEventSlim();
        using var writerStarted = new ManualResetEventSlim();

        Task reader = Task.Run(() =>
        {
            using UserAccess outer = UserAccess.Begin(space);
            scopeOpen.Set();
            writerStarted.Wait();
            Thread.Sleep(100); // let the writer raise its flag and start waiting for this scope
            using UserAccess inner = UserAccess.Begin(space); // must not wait for the writer (which waits for us)
            Assert.Equal(LinuxError.None, space.PopulateArea(VirtAddrRange.FromStartSize(Base, 2 * Page)));
            Assert.True(space.HandlePageFault(Base + (2 * Page), MappingFlags.Write));
            Assert.True(UserPtr<byte>.FromAddress(Base + (3 * Page)).GetAsSlice(in inner, 16).IsOk);
            Assert.True(space.CheckRegionAccess(VirtAddrRange.FromStartSize(Base, 4 * Page), RW));
        });
        await Task.Run(scopeOpen.Wait).WaitAsync(Deadline);
        Task writer = Task.Run(() =>
        {
            writerStarted.Set();
            Assert.Equal(LinuxError.None, space.Protect(Base, Page, RO));
        });
        await Task.WhenAll(reader, writer).WaitAsync(Deadline);
        Assert.Equal(4, space.ResidentPages);
        Assert.False(space.CheckRegionAccess(VirtAddrRange.FromStartSize(Base, 1), MappingFlags.Write));
    }

    [Fact]
    public async Task Many_threads_populating_the_same_lazy_pages_commit_each_page_once()
    {
        using AddrSpace space = Small();
        const ulong pages = 256;
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, pages * Page, RW, populate: false));
        Task[] tasks = new Task[4];
        for (int t = 0; t < tasks.Length; t++)
        {
            int seed = t;
            tasks[t] = Task.Run(() =>
            {
                var rng = new Random(seed);
                for (int i = 0; i < 5000; i++)
                {
                    ulong page = (ulong)rng.Next((int)pages);
                    using UserAccess access = UserAccess.Begin(space);
                    if (rng.Next(2) == 0)
                    {
                        Assert.True(UserPtr<int>.FromAddress(Base + (page * Page)).Get(in access).IsOk);
                    }
                    else
                    {
                        Assert.True(space.HandlePageFault(Base + (page * Page), MappingFlags.Write));
                    }
                }
            });
        }

        await Task.WhenAll(tasks).WaitAsync(Deadline);
        long resident = space.ResidentPages;
        Assert.Equal((ulong)resident * Page, space.CommittedBytes);
        Assert.True(resident <= (long)pages);
        Assert.Equal(LinuxError.None, space.PopulateArea(VirtAddrRange.FromStartSize(Base, pages * Page)));
        Assert.Equal(pages * Page, space.CommittedBytes);
        Assert.Equal((long)pages, space.ResidentPages);
    }
}
