using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Recurrent;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// LSTM over a sequence (gates i, f, g, o). Per direction: input weights (4H, F), recurrent weights (4H, H), bias (4H).
/// Weights start uniform in ±1/sqrt(H) (PyTorch's default) with forget-gate bias 1, so early gradients flow through time.
/// </summary>
internal sealed class LstmRecurrentLayer : RecurrentLayer
{
    public LstmRecurrentLayer(TensorShape input, int hidden, bool bidirectional, bool returnSequences)
        : base(input, hidden, bidirectional, returnSequences)
    {
    }

    private int GateSize => 4 * Hidden;

    protected override string CellName => "lstm";

    protected override int CellParameterCount => GateSize * (Features + Hidden + 1);

    public override IEnumerable<ParameterBlock> ParameterBlocks
    {
        get
        {
            for (int d = 0; d < Directions; d++)
            {
                int o = d * CellParameterCount;
                string prefix = d == 1 ? "reverse." : "";
                yield return new ParameterBlock($"{prefix}input_weight", o, GateSize * Features, Decay: true);
                yield return new ParameterBlock($"{prefix}recurrent_weight", o + GateSize * Features, GateSize * Hidden, Decay: true);
                yield return new ParameterBlock($"{prefix}bias", o + GateSize * (Features + Hidden), GateSize, Decay: false);
            }
        }
    }

    // Cell states (T,N,H) and activated gates (T,N,4H).
    protected override int CellCacheSize(int batch) => Steps * batch * (Hidden + GateSize);

    protected override int CellWorkspaceSize(int batch)
    {
        var shape = new LstmShape(batch, Steps, Features, Hidden);
        return Math.Max(LstmLayer.InferWorkspaceSize(shape), Math.Max(LstmLayer.ForwardWorkspaceSize(shape), LstmLayer.BackwardWorkspaceSize(shape)));
    }

    // Any batch: a few rows (one sequence from a PredictionEngine) take the kernel's latency path.
    protected override bool InfersWithoutCaches(int batch) => true;

    protected override void CellInfer(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        Span<float> final, int finalStride, Span<float> hidden, Span<float> workspace)
    {
        var shape = new LstmShape(batch, Steps, Features, Hidden);
        LstmLayer.Infer(shape, x, parameters[..(GateSize * Features)], parameters.Slice(GateSize * Features, GateSize * Hidden),
            parameters.Slice(GateSize * (Features + Hidden), GateSize), steps, final, finalStride, hidden, workspace);
    }

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        float bound = 1f / MathF.Sqrt(Hidden);
        for (int d = 0; d < Directions; d++)
        {
            Span<float> cell = parameters.Slice(d * CellParameterCount, CellParameterCount);
            int weights = GateSize * (Features + Hidden);
            for (int i = 0; i < weights; i++)
                cell[i] = (random.NextSingle() * 2 - 1) * bound;
            Span<float> bias = cell.Slice(weights, GateSize);
            bias.Clear();
            bias.Slice(Hidden, Hidden).Fill(1f);
        }
    }

    protected override void CellForward(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        Span<float> hidden, Span<float> cellCache, Span<float> workspace)
    {
        var shape = new LstmShape(batch, Steps, Features, Hidden);
        int states = Steps * batch * Hidden;
        LstmLayer.Forward(shape, x, parameters[..(GateSize * Features)], parameters.Slice(GateSize * Features, GateSize * Hidden),
            parameters.Slice(GateSize * (Features + Hidden), GateSize), [], [], steps, hidden,
            cellCache[..states], cellCache.Slice(states, Steps * batch * GateSize), workspace);
    }

    protected override void CellBackward(int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, ReadOnlySpan<int> steps,
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> cellCache, ReadOnlySpan<float> dHidden, Span<float> dInput,
        Span<float> gradients, Span<float> workspace)
    {
        var shape = new LstmShape(batch, Steps, Features, Hidden);
        int states = Steps * batch * Hidden, wIh = GateSize * Features, wHh = GateSize * Hidden;
        LstmLayer.Backward(shape, x, parameters[..wIh], parameters.Slice(wIh, wHh), [], [], steps, hidden,
            cellCache[..states], cellCache.Slice(states, Steps * batch * GateSize), dHidden, dInput,
            gradients[..wIh], gradients.Slice(wIh, wHh), gradients.Slice(wIh + wHh, GateSize), [], [], workspace);
    }
}
