namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// Splits independent work items across <see cref="KernelThreadScope.CurrentThreadCount"/> threads (the calling thread's
/// scope, else the process default), running inline when one thread (or one item) is all there is, so single-threaded
/// callers pay nothing for the option. The threads are a persistent <see cref="WorkerTeam"/> that spins briefly and then
/// parks between calls, and each runs its share with the starting thread's count. Work started from inside a parallel
/// region runs inline too: a kernel that is already split across the cores (a convolution over images, an LSTM over
/// sequences, a training step over sub-batches) must not have its inner GEMMs split again and oversubscribe them.
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
        WorkerTeam team = WorkerTeam.Rent();
        try
        {
            team.RunItems(degree, count, body);
        }
        finally
        {
            WorkerTeam.Return(team);
        }
    }

    /// <summary>
    /// Splits [0, count) into at most <see cref="KernelThreadScope.CurrentThreadCount"/> contiguous chunks and runs body(start, end) on each;
    /// chunks are as even as possible, so a deterministic kernel stays deterministic for a fixed thread count.
    /// </summary>
    public static void ForRanges(int count, Action<int, int> body)
    {
        int chunks = Degree(count);
        if (chunks <= 1)
        {
            if (count > 0)
                body(0, count);
            return;
        }
        WorkerTeam team = WorkerTeam.Rent();
        try
        {
            team.RunRanges(chunks, count, body);
        }
        finally
        {
            WorkerTeam.Return(team);
        }
    }

    /// <summary>
    /// Splits [0, count) into exactly <paramref name="chunks"/> contiguous ranges (fewer threads may run them) and runs
    /// body(chunk, start, end) on each non-empty one.
    /// </summary>
    public static void ForChunks(int count, int chunks, Action<int, int, int> body)
    {
        chunks = Math.Max(1, chunks);
        int degree = InParallelRegion ? 1 : Math.Min(chunks, KernelThreadScope.CurrentThreadCount);
        if (degree <= 1)
        {
            for (int chunk = 0; chunk < chunks; chunk++)
            {
                int start = (int)((long)count * chunk / chunks), end = (int)((long)count * (chunk + 1) / chunks);
                if (end > start)
                    body(chunk, start, end);
            }
            return;
        }
        WorkerTeam team = WorkerTeam.Rent();
        try
        {
            team.RunChunks(degree, count, chunks, body);
        }
        finally
        {
            WorkerTeam.Return(team);
        }
    }

    /// <summary>
    /// <see cref="ForChunks(int, int, Action{int, int, int})"/> over a state passed by value: with a static lambda for
    /// <paramref name="body"/>, a call allocates nothing (the hot path of training and scoring stays allocation-free).
    /// </summary>
    public static void ForChunks<TState>(int count, int chunks, in TState state, ChunkBody<TState> body)
    {
        ChunkJob<TState> job = ChunkJob<TState>.Rent(state, body);
        try
        {
            ForChunks(count, chunks, job.Body);
        }
        finally
        {
            job.Return();
        }
    }

    /// <summary>
    /// Runs body(participant, barrier) once on each of <paramref name="participants"/> threads at the same time (the
    /// caller is participant 0), so the body may wait for the others with <see cref="KernelBarrier.SignalAndWait"/>:
    /// one fork and join around work that needs a few synchronisation points (a training step split into sub-batches).
    /// Kernels called from the body run inline, even with one participant, so their results never depend on the thread
    /// count. From inside a parallel region it throws unless one participant is asked for.
    /// </summary>
    public static void Together(int participants, Action<int, KernelBarrier> body)
    {
        if (participants < 1)
            throw new ArgumentOutOfRangeException(nameof(participants), participants, "Expected at least 1 participant.");
        if (participants > 1 && InParallelRegion)
            throw new InvalidOperationException("A region of several participants cannot start inside another parallel region.");
        WorkerTeam team = WorkerTeam.Rent();
        try
        {
            team.RunTogether(participants, body);
        }
        finally
        {
            WorkerTeam.Return(team);
        }
    }

    /// <summary>
    /// <see cref="Together"/> over a state passed by value, for kernels that would otherwise allocate a closure per call.
    /// </summary>
    public static void Together<TState>(int participants, in TState state, TogetherBody<TState> body)
    {
        TogetherJob<TState> job = TogetherJob<TState>.Rent(state, body);
        try
        {
            Together(participants, job.Body);
        }
        finally
        {
            job.Return();
        }
    }

    internal static void EnterRegion() => t_depth++;

    internal static void ExitRegion() => t_depth--;
}
