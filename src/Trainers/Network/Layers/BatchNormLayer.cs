using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Pooling;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Batch normalization per channel (per feature for flat input). Parameters: gamma (C) then beta (C);
/// state: running mean (C) then running variance (C), used at inference. A batch split into sub-batches is normalized
/// with the statistics of the whole batch: two rounds of per-sub-batch sums (the mean, then the squared deviations
/// around it) added in sub-batch order forward, one (the sums of dy and dy·x̂) backward.
/// Cache: the batch mean (C), its inverse standard deviation (C), then the batch means of dy and dy·x̂ (C each); with a
/// fused pool, then the pooled windows' winning inputs and their gated gradients (one pooled output each).
/// </summary>
internal sealed class BatchNormLayer : Layer
{
    private const float Momentum = 0.1f;
    private const float Epsilon = 1e-5f;
    private readonly int _channels;
    private readonly int _spatial;
    private bool _relu;
    private PoolingLayer? _pool;

    public BatchNormLayer(TensorShape input)
        : base(input, input)
    {
        _channels = input.Channels;
        _spatial = input.Height * input.Width;
    }

    public override int ParameterCount => 2 * _channels;

    public override int StateCount => 2 * _channels;

    public override int CacheSize(int batch) => 4 * _channels + (_pool == null ? 0 : 2 * batch * _pool.OutputShape.Size);

    public override IEnumerable<ParameterBlock> ParameterBlocks =>
    [
        new("gamma", 0, _channels, Decay: false),
        new("beta", _channels, _channels, Decay: false),
    ];

    public override string Description => "batch-norm";

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        parameters[.._channels].Fill(1f);
        parameters[_channels..].Clear();
        state[.._channels].Clear();
        state[_channels..].Fill(1f);
    }

    public override int ForwardSumRounds => 2;

    public override int BackwardSumRounds => 1;

    public override int SumSize => 2 * _channels;

    public override void ForwardPartial(int round, ref LayerContext context, ReadOnlySpan<float> input, Span<double> partial)
    {
        var shape = new BatchNormShape(context.Batch, _channels, _spatial);
        if (round == 0)
            BatchNorm.ChannelSums(shape, input, partial[.._channels]);
        else
            BatchNorm.ChannelSquaredDeviations(shape, input, context.Cache[.._channels], partial[.._channels]);
    }

    public override void ForwardCombine(int round, ref LayerContext context, ReadOnlySpan<double> partials, int wholeBatch, bool first)
    {
        double count = (double)wholeBatch * _spatial;
        Span<float> mean = context.Cache[.._channels], invStd = context.Cache.Slice(_channels, _channels);
        for (int ch = 0; ch < _channels; ch++)
        {
            double sum = 0;
            for (int part = ch; part < partials.Length; part += SumSize)
                sum += partials[part];
            if (round == 0)
            {
                mean[ch] = (float)(sum / count);
                continue;
            }
            double variance = sum / count;
            invStd[ch] = (float)(1.0 / Math.Sqrt(variance + Epsilon));
            if (first)
            {
                Span<float> runningMean = context.State[.._channels], runningVariance = context.State[_channels..];
                runningMean[ch] = (1 - Momentum) * runningMean[ch] + Momentum * mean[ch];
                runningVariance[ch] = (1 - Momentum) * runningVariance[ch] + Momentum * (float)(count > 1 ? sum / (count - 1) : variance);
            }
        }
    }

    public override void BackwardPartial(int round, ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<double> partial)
    {
        if (context.PoolBackwardHere)
        {
            // From the pool's side: its gradient reaches only the winners, whose inputs the forward kept.
            BatchNorm.PooledGradientSums(_pool!.ShapeFor(context.Batch), context.PooledGradient, _relu ? context.PooledOutput : default,
                Winners(ref context), context.Cache[.._channels], context.Cache.Slice(_channels, _channels), partial[.._channels], partial[_channels..], Gated(ref context));
            return;
        }
        BatchNorm.GradientSums(new BatchNormShape(context.Batch, _channels, _spatial), input, dOutput, context.Cache[.._channels],
            context.Cache.Slice(_channels, _channels), partial[.._channels], partial[_channels..]);
    }

    public override void BackwardCombine(int round, ref LayerContext context, ReadOnlySpan<double> partials, int wholeBatch, bool first)
    {
        double count = (double)wholeBatch * _spatial;
        Span<float> meanDy = context.Cache.Slice(2 * _channels, _channels), meanDyXhat = context.Cache.Slice(3 * _channels, _channels);
        for (int ch = 0; ch < _channels; ch++)
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int part = 0; part < partials.Length; part += SumSize)
            {
                sumDy += partials[part + ch];
                sumDyXhat += partials[part + _channels + ch];
            }
            meanDy[ch] = (float)(sumDy / count);
            meanDyXhat[ch] = (float)(sumDyXhat / count);
            if (first)
            {
                context.Gradients[ch] += (float)sumDyXhat;
                context.Gradients[_channels + ch] += (float)sumDy;
            }
        }
    }

    // The winners' inputs (written by a forward with shared statistics) and the gated pooled gradient (by BackwardPartial,
    // before backward overwrites the pool's gradient buffer, which is this layer's input-gradient buffer too).
    private Span<float> Winners(ref LayerContext context) =>
        context.Cache.Slice(4 * _channels, context.Batch * _pool!.OutputShape.Size);

    private Span<float> Gated(ref LayerContext context) =>
        context.Cache.Slice(4 * _channels + (context.Cache.Length - 4 * _channels) / 2, context.Batch * _pool!.OutputShape.Size);

    // A following ReLU is applied as the normalized values are stored; backward reads the input, never the output.
    public override bool FuseFollowingRelu() => _relu = true;

    // Batch norm's output is read by nothing but the pool after it (backward reads the input; the pool's backward, its own
    // output and winners), so a 2x2 max pool is computed as the normalized rows are made and the full map is never stored.
    public override bool FuseFollowingPool(PoolingLayer pool)
    {
        if (!pool.IsTwoByTwoMax)
            return false;
        _pool = pool;
        return true;
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        var shape = new BatchNormShape(context.Batch, _channels, _spatial);
        ReadOnlySpan<float> gamma = context.Parameters[.._channels], beta = context.Parameters[_channels..];
        if (!context.PooledOutput.IsEmpty && (!context.Training || context.SharedStatistics))
        {
            // Scale and shift as Normalize and ForwardInference form them, in cache slots backward fills only later.
            Span<float> scale = context.Cache.Slice(2 * _channels, _channels), shift = context.Cache.Slice(3 * _channels, _channels);
            for (int ch = 0; ch < _channels; ch++)
            {
                float mean = context.Training ? context.Cache[ch] : context.State[ch];
                float invStd = context.Training ? context.Cache[_channels + ch] : 1f / MathF.Sqrt(context.State[_channels + ch] + Epsilon);
                scale[ch] = gamma[ch] * invStd;
                shift[ch] = beta[ch] - mean * scale[ch];
            }
            BatchNorm.AffineMaxPool2x2(shape, _pool!.ShapeFor(context.Batch), input, scale, shift, _relu, context.PooledOutput,
                context.PooledIndices, context.PoolBackwardHere ? Winners(ref context) : default);
            return;
        }
        if (context.Training && context.SharedStatistics)
            BatchNorm.Normalize(shape, input, gamma, beta, context.Cache[.._channels], context.Cache.Slice(_channels, _channels), output, _relu);
        // One sample carries no batch statistics; fall back to the running ones, as Keras does at inference.
        else if (context.Training && context.Batch * _spatial > 1)
            BatchNorm.ForwardTraining(shape, input, gamma, beta, output, context.Cache[.._channels],
                context.Cache.Slice(_channels, _channels), context.State[.._channels], context.State[_channels..], Momentum, Epsilon, _relu);
        else
            BatchNorm.ForwardInference(shape, input, gamma, beta, context.State[.._channels],
                context.State[_channels..], Epsilon, output, _relu);
        // A batch whose statistics are its own (one sub-batch) pools after normalizing, as the pool itself would.
        if (!context.PooledOutput.IsEmpty)
            MaxPool2d.Forward(_pool!.ShapeFor(context.Batch), output, context.PooledOutput, context.PooledIndices);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        var shape = new BatchNormShape(context.Batch, _channels, _spatial);
        if (context.PoolBackwardHere)
        {
            // gamma's and beta's gradients came with the combined sums; only the input gradient is left.
            if (!dInput.IsEmpty)
                BatchNorm.PooledBackwardData(shape, _pool!.ShapeFor(context.Batch), input, Gated(ref context), context.PooledIndices,
                    context.Parameters[.._channels], context.Cache[.._channels], context.Cache.Slice(_channels, _channels),
                    context.Cache.Slice(2 * _channels, _channels), context.Cache.Slice(3 * _channels, _channels), dInput);
            return;
        }
        Span<float> scratch = dInput.IsEmpty ? context.Workspace[..shape.Size] : dInput;
        ReadOnlySpan<float> mean = context.Cache[.._channels], invStd = context.Cache.Slice(_channels, _channels);
        if (context.SharedStatistics)
            BatchNorm.BackwardData(shape, input, dOutput, context.Parameters[.._channels], mean, invStd,
                context.Cache.Slice(2 * _channels, _channels), context.Cache.Slice(3 * _channels, _channels), scratch);
        else
            BatchNorm.Backward(shape, input, dOutput, context.Parameters[.._channels], mean, invStd, scratch,
                context.Gradients[.._channels], context.Gradients[_channels..]);
    }

    public override int WorkspaceSize(int batch) => batch * InputShape.Size;
}
