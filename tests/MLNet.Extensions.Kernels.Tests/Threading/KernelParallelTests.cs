using System.Collections.Concurrent;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Tests.Threading;

/// <summary>The persistent worker team behind <see cref="KernelParallel"/>: coverage, barriers, failures, reuse, no garbage.</summary>
public class KernelParallelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void EveryItemAndEveryRangeRunsExactlyOnce(int threads)
    {
        using var scope = new KernelThreadScope(threads);
        foreach (int count in new[] { 0, 1, 2, 3, 7, 64, 1000 })
        {
            var items = new int[count];
            KernelParallel.For(count, i => Interlocked.Increment(ref items[i]));
            Assert.All(items, hits => Assert.Equal(1, hits));

            var ranged = new int[count];
            KernelParallel.ForRanges(count, (start, end) =>
            {
                for (int i = start; i < end; i++)
                    Interlocked.Increment(ref ranged[i]);
            });
            Assert.All(ranged, hits => Assert.Equal(1, hits));

            var chunks = new ConcurrentBag<(int Chunk, int Start, int End)>();
            KernelParallel.ForChunks(count, 4, (chunk, start, end) => chunks.Add((chunk, start, end)));
            var expected = Enumerable.Range(0, 4).Select(c => (c, count * c / 4, count * (c + 1) / 4)).Where(r => r.Item3 > r.Item2);
            Assert.Equal(expected.OrderBy(r => r.c), chunks.OrderBy(r => r.Chunk));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void TogetherRunsEveryParticipantAtOnceAndTheBarrierOrdersTheirWrites(int participants)
    {
        const int rounds = 50;
        var written = new int[participants];
        var seenByEach = new int[participants];
        bool allInRegion = true;
        KernelParallel.Together(participants, (p, barrier) =>
        {
            Assert.Equal(participants, barrier.Participants);
            allInRegion &= KernelParallel.InParallelRegion && KernelParallel.Degree(100) == 1;
            for (int round = 1; round <= rounds; round++)
            {
                written[p] = round;
                barrier.SignalAndWait(p);
                // Everyone wrote this round before anyone passed the barrier, and nobody writes the next before the second one.
                int sum = 0;
                for (int q = 0; q < participants; q++)
                    sum += Volatile.Read(ref written[q]);
                if (sum == round * participants)
                    seenByEach[p]++;
                barrier.SignalAndWait(p);
            }
        });
        Assert.True(allInRegion);
        Assert.All(seenByEach, seen => Assert.Equal(rounds, seen));
        Assert.False(KernelParallel.InParallelRegion);
    }

    [Fact]
    public void AFailingParticipantReleasesTheOthersAndTheTeamKeepsWorking()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => KernelParallel.Together(3, (p, barrier) =>
        {
            if (p == 2)
                throw new InvalidOperationException("participant 2 failed");
            barrier.SignalAndWait(p); // would wait forever for participant 2
        }));
        Assert.Equal("participant 2 failed", failure.Message);

        using (new KernelThreadScope(3))
        {
            var itemFailure = Assert.Throws<ArgumentException>(() => KernelParallel.For(100, i =>
            {
                if (i == 50)
                    throw new ArgumentException("item 50");
            }));
            Assert.Equal("item 50", itemFailure.Message);
            int ran = 0;
            KernelParallel.For(100, _ => Interlocked.Increment(ref ran));
            Assert.Equal(100, ran);
        }
        Assert.False(KernelParallel.InParallelRegion);
    }

    [Fact]
    public void NestedWorkRunsInlineAndNestedRegionsOfSeveralAreRefused()
    {
        using var scope = new KernelThreadScope(2);
        var outer = new ConcurrentBag<int>();
        bool nestedInline = true;
        KernelParallel.For(8, i =>
        {
            outer.Add(Environment.CurrentManagedThreadId);
            int thread = Environment.CurrentManagedThreadId;
            KernelParallel.For(8, _ => nestedInline &= Environment.CurrentManagedThreadId == thread);
            KernelParallel.Together(1, (p, _) => nestedInline &= p == 0 && Environment.CurrentManagedThreadId == thread);
        });
        Assert.True(nestedInline);
        Assert.Throws<InvalidOperationException>(() => KernelParallel.Together(2, (_, _) =>
            KernelParallel.Together(2, (_, _) => { })));
    }

    [Fact]
    public void ChunksOverAByValueStateCoverEveryItemAndAllocateNothing()
    {
        using var scope = new KernelThreadScope(2);
        var hits = new int[101];
        var state = new ChunkState(hits, 3);
        for (int i = 0; i < 5; i++)
            KernelParallel.ForChunks(hits.Length, 4, state, static (in ChunkState s, int chunk, int start, int end) =>
            {
                for (int item = start; item < end; item++)
                    Interlocked.Add(ref s.Hits[item], s.Weight);
            });
        Assert.All(hits, h => Assert.Equal(15, h));

        ChunkBody<ChunkState> touch = static (in ChunkState s, int chunk, int start, int end) => s.Hits[start] += 0;
        KernelParallel.ForChunks(hits.Length, 4, state, touch); // the first call on this thread makes its reusable job
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 25; i++)
            KernelParallel.ForChunks(hits.Length, 4, state, touch);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private readonly record struct ChunkState(int[] Hits, int Weight);

    [Fact]
    public void TogetherWithStateHandsEveryParticipantTheStateAndAllocatesNothing()
    {
        using var scope = new KernelThreadScope(2);
        var state = new ChunkState(new int[2], 3);
        TogetherBody<ChunkState> body = static (in ChunkState s, int participant, KernelBarrier barrier) =>
        {
            s.Hits[participant] += s.Weight;
            barrier.SignalAndWait(participant);
            // After the meeting each participant sees the other's write.
            if (s.Hits[1 - participant] % s.Weight != 0 || s.Hits[0] != s.Hits[1])
                throw new InvalidOperationException("A participant passed the barrier before the other wrote.");
            barrier.SignalAndWait(participant);
        };
        KernelParallel.Together(2, state, body);
        Assert.Equal([3, 3], state.Hits);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 25; i++)
            KernelParallel.Together(2, state, body);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal([78, 78], state.Hits);
    }

    [Fact]
    public void SuccessiveCallsReuseTheSameWorkerThreadsAndAllocateNothing()
    {
        using var scope = new KernelThreadScope(2);
        var threads = new ConcurrentDictionary<int, bool>();
        Action<int> record = _ =>
        {
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.SpinWait(2_000);
        };
        int sum = 0;
        Action<int, int> ranges = (start, end) => Interlocked.Add(ref sum, end - start);
        Action<int, KernelBarrier> together = (p, barrier) => barrier.SignalAndWait(p);
        for (int i = 0; i < 5; i++)
        {
            KernelParallel.ForRanges(64, ranges);
            KernelParallel.Together(2, together);
        }

        // Process-wide counts are taken over short trials: the test host and the JIT allocate now and then on their own
        // threads, but a pool that allocated per call would show in every trial.
        var processBytes = new long[8];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int trial = 0; trial < processBytes.Length; trial++)
        {
            long beforeAll = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 25; i++)
            {
                KernelParallel.ForRanges(64, ranges);
                KernelParallel.Together(2, together);
            }
            processBytes[trial] = GC.GetTotalAllocatedBytes(precise: true) - beforeAll;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(processBytes.Min() == 0, $"process-wide allocations in every trial: {string.Join(", ", processBytes)} bytes");

        for (int i = 0; i < 50; i++)
            KernelParallel.For(4, record);
        // The caller plus the team's one worker; a thread-pool hand-off would spread over more threads.
        Assert.InRange(threads.Count, 1, 2 + ConcurrentTeams());
    }

    // Tests in other classes may rent teams at the same time; each has its own worker.
    private static int ConcurrentTeams() => Environment.ProcessorCount;
}
