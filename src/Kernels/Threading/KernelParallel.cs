namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// Splits independent work items across <see cref="KernelSettings.ThreadCount"/> threads, running inline when one thread
/// (or one item) is all there is, so single-threaded callers pay nothing for the option.
/// </summary>
public static class KernelParallel
{
    /// <summary>Threads a kernel should use for <paramref name="items"/> independent pieces of work.</summary>
    public static int Degree(int items) => Math.Max(1, Math.Min(items, KernelSettings.ThreadCount));

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
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }

    /// <summary>
    /// Splits [0, count) into at most <see cref="KernelSettings.ThreadCount"/> contiguous chunks and runs body(start, end) on each;
    /// chunks are as even as possible, so a deterministic kernel stays deterministic for a fixed thread count.
    /// </summary>
    public static void ForRanges(int count, Action<int, int> body)
    {
        int degree = Degree(count);
        if (degree <= 1)
        {
            if (count > 0)
                body(0, count);
            return;
        }
        Parallel.For(0, degree, new ParallelOptions { MaxDegreeOfParallelism = degree }, chunk =>
        {
            int start = (int)((long)count * chunk / degree);
            int end = (int)((long)count * (chunk + 1) / degree);
            if (end > start)
                body(start, end);
        });
    }
}
