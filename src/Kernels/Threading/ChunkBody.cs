namespace MLNet.Extensions.Kernels.Threading;

/// <summary>One chunk of <see cref="KernelParallel.ForChunks{TState}"/>: body(state, chunk, start, end) over a state the caller passes by value.</summary>
/// <typeparam name="TState">The operands of one kernel call (spans cannot be captured, so pointers or arrays in a struct).</typeparam>
public delegate void ChunkBody<TState>(in TState state, int chunk, int start, int end);

/// <summary>
/// A reusable carrier of one call's state and body for the worker team, one per calling thread and state type, so a
/// kernel that splits its work allocates no closure per call.
/// </summary>
internal sealed class ChunkJob<TState>
{
    [ThreadStatic]
    private static ChunkJob<TState>? t_idle;

    private readonly Action<int, int, int> _run;
    private TState _state = default!;
    private ChunkBody<TState> _body = null!;

    private ChunkJob()
    {
        _run = Run;
    }

    /// <summary>This thread's idle job (a new one when it is in use, which only a nested call of the same state type needs).</summary>
    public static ChunkJob<TState> Rent(in TState state, ChunkBody<TState> body)
    {
        ChunkJob<TState> job = t_idle ?? new ChunkJob<TState>();
        t_idle = null;
        job._state = state;
        job._body = body;
        return job;
    }

    /// <summary>Gives the job back to this thread, dropping its state so nothing is kept alive.</summary>
    public void Return()
    {
        _state = default!;
        _body = null!;
        t_idle = this;
    }

    /// <summary>The delegate the worker team calls.</summary>
    public Action<int, int, int> Body => _run;

    private void Run(int chunk, int start, int end) => _body(in _state, chunk, start, end);
}
