using MLNet.Extensions.Kernels.Optimizers;
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
    private int _step;

    public NetworkOptimizer(NetworkTrainingOptions options, int parameterCount, IEnumerable<ParameterBlock> blocks)
    {
        _options = options;
        _blocks = blocks.ToArray();
        bool needsFirst = options.Optimizer != OptimizerKind.Sgd || options.Momentum > 0;
        bool needsSecond = options.Optimizer is OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.RmsProp;
        _first = needsFirst ? new float[parameterCount] : [];
        _second = needsSecond ? new float[parameterCount] : [];
    }

    /// <summary>Updates <paramref name="parameters"/> from <paramref name="gradients"/> at rate <paramref name="learningRate"/>.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
    {
        _step++;
        foreach (ParameterBlock block in _blocks)
        {
            float decay = block.Decay ? _options.WeightDecay : 0f;
            Span<float> p = parameters.Slice(block.Offset, block.Length);
            ReadOnlySpan<float> g = gradients.Slice(block.Offset, block.Length);
            Span<float> m = _first.Length == 0 ? Span<float>.Empty : _first.AsSpan(block.Offset, block.Length);
            Span<float> v = _second.Length == 0 ? Span<float>.Empty : _second.AsSpan(block.Offset, block.Length);
            switch (_options.Optimizer)
            {
                case OptimizerKind.Sgd:
                    Sgd.Step(p, g, m, learningRate, _options.Momentum, _options.Nesterov, decay);
                    break;
                case OptimizerKind.Adam:
                case OptimizerKind.AdamW:
                    Adam.Step(p, g, m, v, _step, learningRate, 0.9f, 0.999f, 1e-8f, decay,
                        decoupledWeightDecay: _options.Optimizer == OptimizerKind.AdamW);
                    break;
                case OptimizerKind.RmsProp:
                    Kernels.Optimizers.RmsProp.Step(p, g, v, _options.Momentum > 0 ? m : Span<float>.Empty, learningRate,
                        0.99f, 1e-8f, _options.Momentum, decay);
                    break;
            }
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
