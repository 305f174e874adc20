namespace MLNet.Extensions.Kernels.Threading;

/// <summary>One participant's part of <see cref="KernelParallel.Together{TState}"/>: body(state, participant, barrier).</summary>
/// <typeparam name="TState">The operands of one kernel call (spans cannot be captured, so pointers or arrays in a struct).</typeparam>
public delegate void TogetherBody<TState>(in TState state, int participant, KernelBarrier barrier);

/// <summary>
/// The carrier of one <see cref="KernelParallel.Together{TState}"/> region for the worker team, for kernels that meet
/// their participants step by step (a recurrence split across the cores).
/// </summary>
internal sealed class TogetherJob<TState> : PooledJob<TogetherJob<TState>, TState, TogetherBody<TState>>
{
    private readonly Action<int, KernelBarrier> _run;

    /// <summary>Makes an idle job; <see cref="PooledJob{TJob, TState, TBody}.Rent"/> hands it out.</summary>
    public TogetherJob()
    {
        _run = Run;
    }

    /// <summary>The delegate the worker team calls.</summary>
    public Action<int, KernelBarrier> Body => _run;

    private void Run(int participant, KernelBarrier barrier) => CallBody(in CallState, participant, barrier);
}
