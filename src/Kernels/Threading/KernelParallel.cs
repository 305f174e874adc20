namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// Splits independent work items across <see cref="KernelThreadScope.CurrentThreadCount"/> threads (the calling thread's
/// scope, else the process default), running inline when one thread (or one item) is all there is, so single-threaded
/// callers pay nothing for the option. Pool threads run each item with the starting thread's count. Work started from inside a
/// parallel region runs inline too: a kernel that is already split across the cores (a convolution over images, an LSTM
/// over sequences) must not have its inner GEMMs split again and oversubscribe them.
/// </summary>
public static class KernelParallel
{
    [ThreadStatic]
    private static int t_depth;

    /// <summary>Whether the calling thread is already running a share of a parallel kernel.</summary>
    public static bool InParallelRegion => t_depth > 0;

    /// <summary>Threads a kernel should use for <paramref name="items"/> independent pieces of work.</summary>
    public static int Degree(int items) => InParallelRegion ? 1 : Math.Max(1, Math.Min(items, KernelThreadScope.CurrentThreadCount));

    /// <summary>Runs body(i) for i in [0, count); order and thread assignment are unspecified.</summary>
    public static void For(int count, Action<int> body)
    {
        int degree = Degree(count);
        if (degree <= 1)
        {
            for (int i = 0; i < count; i++)
                body(i);
            return;
        }
        int threads = KernelThreadScope.CurrentThreadCount;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, i => InRegion(threads, body, i));
    }

    /// <summary>
    /// Splits [0, count) into at most <see cref="KernelThreadScope.CurrentThreadCount"/> contiguous chunks and runs body(start, end) on each;
    /// chunks are as even as possible, so a deterministic kernel stays deterministic for a fixed thread count.
    /// </summary>
    public static void ForRanges(int count, Action<int, int> body) => ForChunks(count, Degree(count), (_, start, end) => body(start, end));

    /// <summary>
    /// Splits [0, count) into exactly <paramref name="chunks"/> contiguous ranges (fewer threads may run them) and runs
    /// body(chunk, start, end) on each non-empty one.
    /// </summary>
    public static void ForChunks(int count, int chunks, Action<int, int, int> body)
    {
        chunks = Math.Max(1, chunks);
        if (chunks == 1 || InParallelRegion)
        {
            for (int chunk = 0; chunk < chunks; chunk++)
                RunChunk(count, chunks, chunk, body);
            return;
        }
        int threads = KernelThreadScope.CurrentThreadCount;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(chunks, threads) },
            chunk => InRegion(threads, c => RunChunk(count, chunks, c, body), chunk));
    }

    private static void RunChunk(int count, int chunks, int chunk, Action<int, int, int> body)
    {
        int start = (int)((long)count * chunk / chunks);
        int end = (int)((long)count * (chunk + 1) / chunks);
        if (end > start)
            body(chunk, start, end);
    }

    private static void InRegion(int threads, Action<int> body, int item)
    {
        int previous = KernelThreadScope.Enter(threads);
        t_depth++;
        try
        {
            body(item);
        }
        finally
        {
            t_depth--;
            KernelThreadScope.Exit(previous);
        }
    }
}
