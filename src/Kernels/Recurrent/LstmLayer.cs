namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>
/// One LSTM layer, forward and backward through time, in the classic formulation with gates stacked i, f, g, o (PyTorch's order):
/// i,f,o = sigmoid(.), g = tanh(.), c_t = f c_{t-1} + i g, h_t = o tanh(c_t). Weights: input (4H, F), recurrent (4H, H), bias (4H).
/// Sequences shorter than T (per <c>lengths</c>) are right-padded: for t &gt;= length, h_t = h_{t-1} and c_t = c_{t-1},
/// so padded steps change neither the final state nor any gradient.
/// </summary>
public static partial class LstmLayer
{
    /// <summary>Floats of scratch space <see cref="Forward"/> needs.</summary>
    public static int ForwardWorkspaceSize(in LstmShape shape) => throw new NotImplementedException();

    /// <summary>Floats of scratch space <see cref="Backward"/> needs.</summary>
    public static int BackwardWorkspaceSize(in LstmShape shape) => throw new NotImplementedException();

    /// <summary>
    /// Runs all T steps. input (T,N,F); initialHidden/initialCell (N,H) or empty for zeros; lengths (N) or empty for all T.
    /// Writes hidden (T,N,H), cell (T,N,H) and the activated gates (T,N,4H), which <see cref="Backward"/> reads.
    /// </summary>
    public static void Forward(in LstmShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> bias, ReadOnlySpan<float> initialHidden,
        ReadOnlySpan<float> initialCell, ReadOnlySpan<int> lengths, Span<float> hidden, Span<float> cell,
        Span<float> gates, Span<float> workspace)
        => throw new NotImplementedException();

    /// <summary>
    /// Backpropagation through time given dHidden (T,N,H), the loss gradient w.r.t. every step's output.
    /// Writes dInput (T,N,F) and dInitialHidden/dInitialCell (N,H) (each may be empty to skip);
    /// accumulates dInputWeights, dRecurrentWeights and dBias.
    /// </summary>
    public static void Backward(in LstmShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        ReadOnlySpan<int> lengths, ReadOnlySpan<float> hidden, ReadOnlySpan<float> cell, ReadOnlySpan<float> gates,
        ReadOnlySpan<float> dHidden, Span<float> dInput, Span<float> dInputWeights, Span<float> dRecurrentWeights,
        Span<float> dBias, Span<float> dInitialHidden, Span<float> dInitialCell, Span<float> workspace)
        => throw new NotImplementedException();
}
