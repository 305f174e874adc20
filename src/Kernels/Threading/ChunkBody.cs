namespace MLNet.Extensions.Kernels.Threading;

/// <summary>One chunk of <see cref="KernelParallel.ForChunks{TState}"/>: body(state, chunk, start, end) over a state the caller passes by value.</summary>
/// <typeparam name="TState">The operands of one kernel call (spans cannot be captured, so pointers or arrays in a struct).</typeparam>
public delegate void ChunkBody<TState>(in TState state, int chunk, int start, int end);

/// <summary>The carrier of one <see cref="KernelParallel.ForChunks{TState}"/> call for the worker team.</summary>
internal sealed class ChunkJob<TState> : PooledJob<ChunkJob<TState>, TState, ChunkBody<TState>>
{
    private readonly Action<int, int, int> _run;

    /// <summary>Makes an idle job; <see cref="PooledJob{TJob, TState, TBody}.Rent"/> hands it out.</summary>
    public ChunkJob()
    {
        _run = Run;
    }

    /// <summary>The delegate the worker team calls.</summary>
    public Action<int, int, int> Body => _run;

    private void Run(int chunk, int start, int end) => CallBody(in CallState, chunk, start, end);
}
