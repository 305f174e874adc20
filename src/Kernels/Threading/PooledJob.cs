namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// What <see cref="ChunkJob{TState}"/> and <see cref="TogetherJob{TState}"/> share: one idle job per calling thread and
/// job type, holding a call's state and body while the worker team runs it, so kernels allocate no closure per call.
/// </summary>
internal abstract class PooledJob<TJob, TState, TBody>
    where TJob : PooledJob<TJob, TState, TBody>, new()
    where TBody : class
{
    [ThreadStatic]
    private static TJob? t_idle;

    /// <summary>The current call's operands.</summary>
    protected TState CallState = default!;

    /// <summary>The current call's body.</summary>
    protected TBody CallBody = null!;

    /// <summary>This thread's idle job (a new one when it is in use, which only a nested call of the same state type needs).</summary>
    public static TJob Rent(in TState state, TBody body)
    {
        TJob job = t_idle ?? new TJob();
        t_idle = null;
        job.CallState = state;
        job.CallBody = body;
        return job;
    }

    /// <summary>Gives the job back to this thread, dropping its state so nothing is kept alive.</summary>
    public void Return()
    {
        CallState = default!;
        CallBody = null!;
        t_idle = (TJob)this;
    }
}
