namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// Gives the calling thread its own kernel thread count until disposed, so a Fit call owns its setting: two calls on two
/// threads never see each other's, and <see cref="KernelSettings.ThreadCount"/> stays the process default for threads
/// without a scope. <see cref="KernelParallel"/> hands the count of the thread that starts a parallel kernel to the pool
/// threads that run its work items. Scopes nest; dispose them in reverse order on the opening thread (a using block).
/// </summary>
public sealed class KernelThreadScope : IDisposable
{
    // 0 means no scope is open on this thread.
    [ThreadStatic]
    private static int t_threadCount;

    private readonly int _previous;
    private readonly int _ownerThread = Environment.CurrentManagedThreadId;
    private bool _disposed;

    /// <summary>Lets kernels started on this thread split work across at most <paramref name="threadCount"/> threads.</summary>
    public KernelThreadScope(int threadCount)
    {
        if (threadCount < 1)
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "Expected at least 1 thread.");
        _previous = t_threadCount;
        t_threadCount = threadCount;
    }

    /// <summary>Threads kernels started on the calling thread may use: its innermost open scope's count, else the process default.</summary>
    public static int CurrentThreadCount => t_threadCount > 0 ? t_threadCount : KernelSettings.ThreadCount;

    /// <summary>Gives the calling (pool) thread <paramref name="threadCount"/> while it runs another thread's work item; returns what to restore.</summary>
    internal static int Enter(int threadCount)
    {
        int previous = t_threadCount;
        t_threadCount = threadCount;
        return previous;
    }

    /// <summary>Restores what <see cref="Enter"/> returned.</summary>
    internal static void Exit(int previous) => t_threadCount = previous;

    /// <summary>Restores the count the thread had before this scope.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        if (Environment.CurrentManagedThreadId != _ownerThread)
            throw new InvalidOperationException("A KernelThreadScope must be disposed on the thread that opened it.");
        _disposed = true;
        t_threadCount = _previous;
    }
}
