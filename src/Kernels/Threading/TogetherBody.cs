namespace MLNet.Extensions.Kernels.Threading;

/// <summary>One participant's part of <see cref="KernelParallel.Together{TState}"/>: body(state, participant, barrier).</summary>
/// <typeparam name="TState">The operands of one kernel call (spans cannot be captured, so pointers or arrays in a struct).</typeparam>
public delegate void TogetherBody<TState>(in TState state, int participant, KernelBarrier barrier);

/// <summary>
/// A reusable carrier of one region's state and body for the worker team, one per calling thread and state type, so a
/// kernel that synchronises its participants step by step (a recurrence split across the cores) allocates no closure per call.
/// </summary>
internal sealed class TogetherJob<TState>
{
    [ThreadStatic]
    private static TogetherJob<TState>? t_idle;

    private readonly Action<int, KernelBarrier> _run;
    private TState _state = default!;
    private TogetherBody<TState> _body = null!;

    private TogetherJob()
    {
        _run = Run;
    }

    /// <summary>This thread's idle job (a new one when it is in use, which only a nested call of the same state type needs).</summary>
    public static TogetherJob<TState> Rent(in TState state, TogetherBody<TState> body)
    {
        TogetherJob<TState> job = t_idle ?? new TogetherJob<TState>();
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
    public Action<int, KernelBarrier> Body => _run;

    private void Run(int participant, KernelBarrier barrier) => _body(in _state, participant, barrier);
}
