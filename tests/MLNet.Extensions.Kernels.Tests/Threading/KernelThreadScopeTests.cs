using System.Collections.Concurrent;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Tests.Threading;

public class KernelThreadScopeTests
{
    [Fact]
    public void AScopeOnOneThreadDoesNotLeakIntoAnother()
    {
        int processDefault = KernelSettings.ThreadCount;
        int first = processDefault + 1, second = processDefault + 2;
        using var bothOpen = new Barrier(2);
        using var bothRead = new Barrier(2);
        int seenByFirst = 0, seenBySecond = 0, secondBeforeItsScope = 0;

        var a = new Thread(() =>
        {
            using var scope = new KernelThreadScope(first);
            bothOpen.SignalAndWait();
            seenByFirst = KernelThreadScope.CurrentThreadCount;
            bothRead.SignalAndWait();
        });
        var b = new Thread(() =>
        {
            // The first thread's scope is open from here on (it signals only after opening it).
            bothOpen.SignalAndWait();
            secondBeforeItsScope = KernelThreadScope.CurrentThreadCount;
            using var scope = new KernelThreadScope(second);
            seenBySecond = KernelThreadScope.CurrentThreadCount;
            bothRead.SignalAndWait();
        });
        a.Start();
        b.Start();
        a.Join();
        b.Join();

        Assert.Equal(first, seenByFirst);
        Assert.Equal(processDefault, secondBeforeItsScope);
        Assert.Equal(second, seenBySecond);
        Assert.Equal(processDefault, KernelThreadScope.CurrentThreadCount);
        Assert.Equal(processDefault, KernelSettings.ThreadCount);
    }

    [Fact]
    public void ScopesNestAndRestoreTheOuterCount()
    {
        int processDefault = KernelSettings.ThreadCount;
        using (new KernelThreadScope(3))
        {
            using (new KernelThreadScope(1))
                Assert.Equal(1, KernelThreadScope.CurrentThreadCount);
            Assert.Equal(3, KernelThreadScope.CurrentThreadCount);
        }
        Assert.Equal(processDefault, KernelThreadScope.CurrentThreadCount);
    }

    [Fact]
    public void KernelParallelSplitsByTheScopeNotTheProcessDefault()
    {
        int processDefault = KernelSettings.ThreadCount;
        using (new KernelThreadScope(1))
            Assert.Equal(1, KernelParallel.Degree(64));
        using (new KernelThreadScope(processDefault + 3))
            Assert.Equal(processDefault + 3, KernelParallel.Degree(64));
        Assert.Equal(Math.Min(64, processDefault), KernelParallel.Degree(64));
    }

    [Fact]
    public void PoolThreadsRunAWorkItemWithTheStartingThreadsCountAndDropItAfterwards()
    {
        int processDefault = KernelSettings.ThreadCount;
        int budget = processDefault + 2;
        var seen = new ConcurrentBag<(int Threads, int ManagedThread)>();
        using (new KernelThreadScope(budget))
        {
            KernelParallel.For(64, _ =>
            {
                seen.Add((KernelThreadScope.CurrentThreadCount, Environment.CurrentManagedThreadId));
                Thread.SpinWait(20_000);
            });
            KernelParallel.ForChunks(64, budget, (_, _, _) => seen.Add((KernelThreadScope.CurrentThreadCount, Environment.CurrentManagedThreadId)));
        }
        Assert.All(seen, s => Assert.Equal(budget, s.Threads));
        Assert.True(seen.Select(s => s.ManagedThread).Distinct().Count() > 1 || Environment.ProcessorCount == 1,
            "expected the work items to run on more than one thread");

        // The same pool threads, outside any scope, are back on the process default.
        var after = new ConcurrentBag<int>();
        Parallel.For(0, 256, new ParallelOptions { MaxDegreeOfParallelism = budget }, _ =>
        {
            after.Add(KernelThreadScope.CurrentThreadCount);
            Thread.SpinWait(2_000);
        });
        Assert.All(after, threads => Assert.Equal(processDefault, threads));
    }

    [Fact]
    public void RejectsABadCountAndADisposeFromAnotherThread()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new KernelThreadScope(0));
        Assert.Equal("threadCount", e.ParamName);

        var scope = new KernelThreadScope(2);
        Exception? fromOtherThread = null;
        var other = new Thread(() => fromOtherThread = Record.Exception(scope.Dispose));
        other.Start();
        other.Join();
        Assert.IsType<InvalidOperationException>(fromOtherThread);
        scope.Dispose();
        Assert.Equal(KernelSettings.ThreadCount, KernelThreadScope.CurrentThreadCount);
    }
}
