using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Recurrent;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// GRU over a sequence, reset-after (Keras' default and cuDNN's; gates r, z, n in PyTorch's order). Per direction: input
/// weights (3H, F), recurrent weights (3H, H), input bias (3H), recurrent bias (3H). Weights start uniform in ±1/sqrt(H),
/// biases at zero (PyTorch's default, as for the LSTM).
/// </summary>
internal sealed class GruRecurrentLayer : RecurrentLayer
{
    public GruRecurrentLayer(TensorShape input, int hidden, bool bidirectional, bool returnSequences)
        : base(input, hidden, bidirectional, returnSequences)
    {
    }

    private int GateSize => 3 * Hidden;

    private int InputWeights => GateSize * Features;

    private int RecurrentWeights => GateSize * Hidden;

    protected override string CellName => "gru";

    protected override int CellParameterCount => InputWeights + RecurrentWeights + 2 * GateSize;

    public override IEnumerable<ParameterBlock> ParameterBlocks
    {
        get
        {
            for (int d = 0; d < Directions; d++)
            {
                int o = d * CellParameterCount;
                string prefix = d == 1 ? "reverse." : "";
                yield return new ParameterBlock($"{prefix}input_weight", o, InputWeights, Decay: true);
                yield return new ParameterBlock($"{prefix}recurrent_weight", o + InputWeights, RecurrentWeights, Decay: true);
                yield return new ParameterBlock($"{prefix}input_bias", o + InputWeights + RecurrentWeights, GateSize, Decay: false);
                yield return new ParameterBlock($"{prefix}recurrent_bias", o + InputWeights + RecurrentWeights + GateSize, GateSize, Decay: false);
            }
        }
    }

    private GruShape Shape(int batch) => new(batch, Steps, Features, Hidden);

    protected override int CellCacheSize(int batch) => GruLayer.CacheSize(Shape(batch));

    protected override int CellWorkspaceSize(int batch) =>
        Math.Max(GruLayer.ForwardWorkspaceSize(Shape(batch)), GruLayer.BackwardWorkspaceSize(Shape(batch)));

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        float bound = 1f / MathF.Sqrt(Hidden);
        for (int d = 0; d < Directions; d++)
        {
            Span<float> cell = parameters.Slice(d * CellParameterCount, CellParameterCount);
            int weights = InputWeights + RecurrentWeights;
            for (int i = 0; i < weights; i++)
                cell[i] = (random.NextSingle() * 2 - 1) * bound;
            cell[weights..].Clear();
        }
    }

    protected override void CellForward(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        Span<float> hidden, Span<float> cellCache, Span<float> workspace)
    {
        int biases = InputWeights + RecurrentWeights;
        GruLayer.Forward(Shape(batch), x, parameters[..InputWeights], parameters.Slice(InputWeights, RecurrentWeights),
            parameters.Slice(biases, GateSize), parameters.Slice(biases + GateSize, GateSize), [], steps, hidden, cellCache, workspace);
    }

    protected override void CellBackward(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> cellCache, ReadOnlySpan<float> dHidden, Span<float> dInput,
        Span<float> gradients, Span<float> workspace)
    {
        int biases = InputWeights + RecurrentWeights;
        GruLayer.Backward(Shape(batch), x, parameters[..InputWeights], parameters.Slice(InputWeights, RecurrentWeights), [], steps,
            hidden, cellCache, dHidden, dInput, gradients[..InputWeights], gradients.Slice(InputWeights, RecurrentWeights),
            gradients.Slice(biases, GateSize), gradients.Slice(biases + GateSize, GateSize), [], workspace);
    }
}
