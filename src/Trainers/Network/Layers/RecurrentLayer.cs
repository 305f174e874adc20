namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// What every recurrent layer (LSTM, GRU) shares: reading a batch of right-padded sequences (N, T, F) as the time-major
/// (T, N, F) the cell kernels run on, an optional second direction over each sequence reversed within its own length,
/// and the output: every step's hidden state (N, T, H·directions; the reverse direction brought back to forward time) or
/// the final state of each direction (N, H·directions). Parameters: per direction, the cell's own block.
/// </summary>
internal abstract class RecurrentLayer : Layer
{
    protected RecurrentLayer(TensorShape input, int hidden, bool bidirectional, bool returnSequences)
        : base(input, returnSequences
            ? TensorShape.Sequence(input.Steps, hidden * (bidirectional ? 2 : 1))
            : TensorShape.Vector(hidden * (bidirectional ? 2 : 1)))
    {
        Hidden = hidden;
        Directions = bidirectional ? 2 : 1;
        ReturnSequences = returnSequences;
        // Sizes are int in the kernels; an upper bound in 64 bits (four gates, two biases, a cache of eight per step)
        // refuses what would wrap instead of failing later inside a kernel's argument check.
        long weights = 4L * hidden * ((long)input.Features + hidden + 2) * Directions;
        long cache = 8L * input.Steps * hidden * Directions;
        if (weights > int.MaxValue || cache > int.MaxValue)
            throw new ArgumentException(
                $"HiddenSize is {hidden}; on {input.Steps} steps of {input.Features} features that needs {Math.Max(weights, cache):N0} floats in one array, more than a network can hold.", "HiddenSize");
    }

    /// <summary>Hidden units per direction (H).</summary>
    protected int Hidden { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    protected int Directions { get; }

    /// <summary>Whether every step's state is the output, or only the final one.</summary>
    protected bool ReturnSequences { get; }

    /// <summary>Steps (T).</summary>
    protected int Steps => InputShape.Steps;

    /// <summary>Features per input step (F).</summary>
    protected int Features => InputShape.Features;

    /// <summary>Trained floats of one direction.</summary>
    protected abstract int CellParameterCount { get; }

    /// <summary>Floats one direction keeps from forward to backward besides its hidden states (cell states, gates).</summary>
    protected abstract int CellCacheSize(int batch);

    /// <summary>Scratch floats one direction's kernel call needs.</summary>
    protected abstract int CellWorkspaceSize(int batch);

    /// <summary>Runs one direction over time-major x (T, N, F): hidden (T, N, H) and the cell's cache.</summary>
    protected abstract void CellForward(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        Span<float> hidden, Span<float> cellCache, Span<float> workspace);

    /// <summary>Whether scoring a batch of this size takes <see cref="CellInfer"/>, which keeps no caches for a backward pass.</summary>
    protected virtual bool InfersWithoutCaches(int batch) => false;

    /// <summary>
    /// Runs one direction for scoring: each sequence's final state to <paramref name="final"/> (row b at
    /// b * <paramref name="finalStride"/>) and, when <paramref name="hidden"/> is not empty, every step's (T, N, H).
    /// </summary>
    protected virtual void CellInfer(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        Span<float> final, int finalStride, Span<float> hidden, Span<float> workspace) =>
        throw new NotSupportedException($"{CellName} has no scoring path without caches.");

    /// <summary>Backpropagates one direction: dInput (T, N, F) is written when not empty; parameter gradients accumulate.</summary>
    protected abstract void CellBackward(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> cellCache, ReadOnlySpan<float> dHidden, Span<float> dInput,
        Span<float> gradients, Span<float> workspace);

    /// <summary>Short name for <see cref="Description"/>.</summary>
    protected abstract string CellName { get; }

    public sealed override int ParameterCount => Directions * CellParameterCount;

    public override string Description =>
        $"{(Directions == 2 ? "bidirectional " : "")}{CellName} {Hidden}{(ReturnSequences ? " every step" : "")}";

    private int SequenceFloats(int batch, int width) => Steps * batch * width;

    // Cache: time-major input, its reversal (bidirectional), then per direction hidden (T,N,H) and the cell's cache.
    public sealed override int CacheSize(int batch) =>
        SequenceFloats(batch, Features) * Directions + Directions * (SequenceFloats(batch, Hidden) + CellCacheSize(batch));

    // Scratch: per direction dHidden (T,N,H) and dInput (T,N,F), then the kernel's own scratch.
    public sealed override int WorkspaceSize(int batch) =>
        Directions * (SequenceFloats(batch, Hidden) + SequenceFloats(batch, Features)) + CellWorkspaceSize(batch);

    public sealed override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        int n = context.Batch, t = Steps, f = Features, h = Hidden;
        ReadOnlySpan<int> steps = context.Steps;
        Span<float> timeMajor = context.Cache[..SequenceFloats(n, f)];
        ToTimeMajor(input, timeMajor, n, t, f);
        Span<float> reversed = Directions == 2 ? context.Cache.Slice(SequenceFloats(n, f), SequenceFloats(n, f)) : Span<float>.Empty;
        if (Directions == 2)
            ReverseWithinLengths(timeMajor, reversed, steps, n, f);
        Span<float> kernelScratch = context.Workspace[(Directions * (SequenceFloats(n, h) + SequenceFloats(n, f)))..];
        if (!context.Training && InfersWithoutCaches(n))
        {
            for (int d = 0; d < Directions; d++)
            {
                DirectionCache(context.Cache, n, d, out Span<float> hidden, out _);
                // With every step wanted, the final states are the last step's rows, written twice with the same values.
                if (ReturnSequences)
                    CellInfer(n, d == 0 ? timeMajor : reversed, DirectionParameters(context.Parameters, d), steps,
                        hidden[((t - 1) * n * h)..], h, hidden, kernelScratch);
                else
                    CellInfer(n, d == 0 ? timeMajor : reversed, DirectionParameters(context.Parameters, d), steps,
                        output[(d * h)..], h * Directions, Span<float>.Empty, kernelScratch);
            }
            if (ReturnSequences)
                WriteSequences(context, n, steps, output);
            return;
        }
        for (int d = 0; d < Directions; d++)
        {
            DirectionCache(context.Cache, n, d, out Span<float> hidden, out Span<float> cellCache);
            CellForward(n, d == 0 ? timeMajor : reversed, DirectionParameters(context.Parameters, d), steps, hidden, cellCache,
                kernelScratch);
        }

        if (ReturnSequences)
        {
            WriteSequences(context, n, steps, output);
            return;
        }
        // Padded steps hold the state, so the state after the batch's last step is each sequence's final state.
        for (int d = 0; d < Directions; d++)
        {
            DirectionCache(context.Cache, n, d, out Span<float> hidden, out _);
            for (int b = 0; b < n; b++)
                hidden.Slice(((t - 1) * n + b) * h, h).CopyTo(output.Slice(b * h * Directions + d * h, h));
        }
    }

    /// <summary>Every step's hidden state of each direction, from the time-major caches to (N, T, H·directions).</summary>
    private void WriteSequences(in LayerContext context, int n, ReadOnlySpan<int> steps, Span<float> output)
    {
        int t = Steps, h = Hidden, width = h * Directions;
        DirectionCache(context.Cache, n, 0, out Span<float> forward, out _);
        Span<float> backward = Span<float>.Empty;
        if (Directions == 2)
            DirectionCache(context.Cache, n, 1, out backward, out _);
        output.Clear();
        for (int b = 0; b < n; b++)
        {
            for (int s = 0; s < t; s++)
            {
                Span<float> target = output.Slice((b * t + s) * width, width);
                forward.Slice((s * n + b) * h, h).CopyTo(target);
                if (Directions == 2 && s < steps[b])
                    backward.Slice(((steps[b] - 1 - s) * n + b) * h, h).CopyTo(target.Slice(h, h));
            }
        }
    }

    public sealed override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        int n = context.Batch, t = Steps, f = Features, h = Hidden, width = h * Directions;
        ReadOnlySpan<int> steps = context.Steps;
        Span<float> scratch = context.Workspace;
        int hiddenFloats = SequenceFloats(n, h), inputFloats = SequenceFloats(n, f);
        Span<float> kernelScratch = scratch[(Directions * (hiddenFloats + inputFloats))..];
        ReadOnlySpan<float> timeMajor = context.Cache[..inputFloats];
        ReadOnlySpan<float> reversed = Directions == 2 ? context.Cache.Slice(inputFloats, inputFloats) : ReadOnlySpan<float>.Empty;

        for (int d = 0; d < Directions; d++)
        {
            Span<float> dHidden = scratch.Slice(d * hiddenFloats, hiddenFloats);
            dHidden.Clear();
            for (int b = 0; b < n; b++)
            {
                if (!ReturnSequences)
                {
                    dOutput.Slice(b * width + d * h, h).CopyTo(dHidden.Slice(((t - 1) * n + b) * h, h));
                    continue;
                }
                // Step s of the output read the forward state at s and the reverse state at steps[b] - 1 - s.
                int limit = d == 0 ? t : steps[b];
                for (int s = 0; s < limit; s++)
                {
                    int state = d == 0 ? s : steps[b] - 1 - s;
                    dOutput.Slice((b * t + s) * width + d * h, h).CopyTo(dHidden.Slice((state * n + b) * h, h));
                }
            }
        }

        for (int d = 0; d < Directions; d++)
        {
            DirectionCache(context.Cache, n, d, out Span<float> hidden, out Span<float> cellCache);
            Span<float> dX = dInput.IsEmpty ? Span<float>.Empty : scratch.Slice(Directions * hiddenFloats + d * inputFloats, inputFloats);
            CellBackward(n, d == 0 ? timeMajor : reversed, DirectionParameters(context.Parameters, d), steps, hidden, cellCache,
                scratch.Slice(d * hiddenFloats, hiddenFloats), dX, DirectionGradients(context.Gradients, d), kernelScratch);
        }
        if (dInput.IsEmpty)
            return;

        Span<float> dForward = scratch.Slice(Directions * hiddenFloats, inputFloats);
        if (Directions == 2)
            AddReversedWithinLengths(scratch.Slice(Directions * hiddenFloats + inputFloats, inputFloats), dForward, steps, n, f);
        FromTimeMajor(dForward, dInput, n, t, f);
    }

    private ReadOnlySpan<float> DirectionParameters(ReadOnlySpan<float> parameters, int direction) =>
        parameters.Slice(direction * CellParameterCount, CellParameterCount);

    private Span<float> DirectionGradients(Span<float> gradients, int direction) =>
        gradients.Slice(direction * CellParameterCount, CellParameterCount);

    private void DirectionCache(Span<float> cache, int batch, int direction, out Span<float> hidden, out Span<float> cellCache)
    {
        int inputs = SequenceFloats(batch, Features) * Directions;
        int perDirection = SequenceFloats(batch, Hidden) + CellCacheSize(batch);
        Span<float> own = cache.Slice(inputs + direction * perDirection, perDirection);
        hidden = own[..SequenceFloats(batch, Hidden)];
        cellCache = own[SequenceFloats(batch, Hidden)..];
    }

    /// <summary>(N, T, W) to (T, N, W).</summary>
    private static void ToTimeMajor(ReadOnlySpan<float> source, Span<float> destination, int batch, int steps, int width)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < steps; s++)
                source.Slice((b * steps + s) * width, width).CopyTo(destination.Slice((s * batch + b) * width, width));
        }
    }

    /// <summary>(T, N, W) to (N, T, W).</summary>
    private static void FromTimeMajor(ReadOnlySpan<float> source, Span<float> destination, int batch, int steps, int width)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < steps; s++)
                source.Slice((s * batch + b) * width, width).CopyTo(destination.Slice((b * steps + s) * width, width));
        }
    }

    /// <summary>destination[s, n] := source[steps[n] - 1 - s, n] for s &lt; steps[n], zero after; layout (T, N, width).</summary>
    private static void ReverseWithinLengths(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<int> steps, int batch, int width)
    {
        destination.Clear();
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < steps[n]; s++)
                source.Slice(((steps[n] - 1 - s) * batch + n) * width, width).CopyTo(destination.Slice((s * batch + n) * width, width));
        }
    }

    /// <summary>destination[s, n] += source[steps[n] - 1 - s, n] for s &lt; steps[n]; layout (T, N, width).</summary>
    private static void AddReversedWithinLengths(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<int> steps, int batch, int width)
    {
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < steps[n]; s++)
            {
                ReadOnlySpan<float> from = source.Slice(((steps[n] - 1 - s) * batch + n) * width, width);
                Span<float> to = destination.Slice((s * batch + n) * width, width);
                for (int i = 0; i < width; i++)
                    to[i] += from[i];
            }
        }
    }
}
