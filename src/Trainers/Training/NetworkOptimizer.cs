using MLNet.Extensions.Kernels.Optimizers;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// Applies one update rule to a flat parameter buffer, block by block so that weight decay skips biases and
/// normalization parameters; its moment buffers share the parameters' layout.
/// </summary>
internal sealed class NetworkOptimizer
{
    private readonly NetworkTrainingOptions _options;
    private readonly ParameterBlock[] _blocks;
    private readonly float[] _first;
    private readonly float[] _second;
    private readonly Action<int, int, int> _stepRange;
    private int _step;
    // The call in flight, read by every chunk.
    private float[] _parameters = [];
    private float[] _gradients = [];
    private float _learningRate;
    private bool _clearGradients;

    public NetworkOptimizer(NetworkTrainingOptions options, int parameterCount, IEnumerable<ParameterBlock> blocks)
    {
        _options = options;
        _blocks = blocks.ToArray();
        bool needsFirst = options.Optimizer != OptimizerKind.Sgd || options.Momentum > 0;
        bool needsSecond = options.Optimizer is OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.RmsProp;
        _first = needsFirst ? new float[parameterCount] : [];
        _second = needsSecond ? new float[parameterCount] : [];
        _stepRange = StepRange;
    }

    /// <summary>Fewest parameters worth splitting a step across the kernel threads for (a few tens of microseconds of work).</summary>
    private const int ParallelMinimum = 1 << 15;

    /// <summary>
    /// Updates <paramref name="parameters"/> from <paramref name="gradients"/> at rate <paramref name="learningRate"/>, split
    /// across the kernel threads (every rule is element by element, so the floats do not depend on the split); with
    /// <paramref name="clearGradients"/> each share then zeroes the gradients it read, ready for the next step.
    /// </summary>
    public void Step(float[] parameters, float[] gradients, float learningRate, bool clearGradients = false)
    {
        _step++;
        _parameters = parameters;
        _gradients = gradients;
        _learningRate = learningRate;
        _clearGradients = clearGradients;
        try
        {
            int chunks = parameters.Length >= ParallelMinimum ? KernelThreadScope.CurrentThreadCount : 1;
            KernelParallel.ForChunks(parameters.Length, chunks, _stepRange);
        }
        finally
        {
            _parameters = [];
            _gradients = [];
        }
    }

    private void StepRange(int chunk, int start, int end)
    {
        foreach (ParameterBlock block in _blocks)
        {
            int from = Math.Max(start, block.Offset), to = Math.Min(end, block.Offset + block.Length);
            if (from >= to)
                continue;
            float decay = block.Decay ? _options.WeightDecay : 0f;
            Span<float> p = _parameters.AsSpan(from, to - from);
            Span<float> g = _gradients.AsSpan(from, to - from);
            Span<float> m = _first.Length == 0 ? Span<float>.Empty : _first.AsSpan(from, to - from);
            Span<float> v = _second.Length == 0 ? Span<float>.Empty : _second.AsSpan(from, to - from);
            switch (_options.Optimizer)
            {
                case OptimizerKind.Sgd:
                    Sgd.Step(p, g, m, _learningRate, _options.Momentum, _options.Nesterov, decay);
                    break;
                case OptimizerKind.Adam:
                case OptimizerKind.AdamW:
                    Adam.Step(p, g, m, v, _step, _learningRate, 0.9f, 0.999f, 1e-8f, decay,
                        decoupledWeightDecay: _options.Optimizer == OptimizerKind.AdamW);
                    break;
                case OptimizerKind.RmsProp:
                    Kernels.Optimizers.RmsProp.Step(p, g, v, _options.Momentum > 0 ? m : Span<float>.Empty, _learningRate,
                        0.99f, 1e-8f, _options.Momentum, decay);
                    break;
            }
            if (_clearGradients)
                g.Clear();
        }
    }

    /// <summary>The rate for 0-based <paramref name="epoch"/> under the options' schedule.</summary>
    public static float LearningRateAt(NetworkTrainingOptions options, int epoch) => options.Schedule switch
    {
        LearningRateSchedule.Step => options.LearningRate * MathF.Pow(options.StepGamma, epoch / options.StepEpochs),
        LearningRateSchedule.Cosine => options.MinLearningRate + 0.5f * (options.LearningRate - options.MinLearningRate)
            * (1f + MathF.Cos(MathF.PI * epoch / Math.Max(1, options.Epochs))),
        _ => options.LearningRate,
    };
}
