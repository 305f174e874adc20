using MLNet.Extensions.Kernels.Gemm;

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
    public static int ForwardWorkspaceSize(in LstmShape shape) => 2 * shape.Batch * shape.HiddenSize;

    /// <summary>Floats of scratch space <see cref="Backward"/> needs.</summary>
    public static int BackwardWorkspaceSize(in LstmShape shape) =>
        shape.Steps * shape.Batch * (shape.GateSize + shape.HiddenSize) + 4 * shape.Batch * shape.HiddenSize;

    /// <summary>
    /// Runs all T steps. input (T,N,F); initialHidden/initialCell (N,H) or empty for zeros; lengths (N) or empty for all T.
    /// Writes hidden (T,N,H), cell (T,N,H) and the activated gates (T,N,4H), which <see cref="Backward"/> reads.
    /// </summary>
    public static void Forward(in LstmShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> bias, ReadOnlySpan<float> initialHidden,
        ReadOnlySpan<float> initialCell, ReadOnlySpan<int> lengths, Span<float> hidden, Span<float> cell,
        Span<float> gates, Span<float> workspace)
    {
        Validate(shape, input.Length, inputWeights.Length, recurrentWeights.Length, initialHidden.Length, initialCell.Length, lengths,
            hidden.Length, cell.Length, gates.Length);
        if (bias.Length != shape.GateSize)
            throw new ArgumentException($"bias has {bias.Length} elements; expected {shape.GateSize}.", nameof(bias));
        if (workspace.Length < ForwardWorkspaceSize(shape))
            throw new ArgumentException($"workspace has {workspace.Length} elements; expected at least {ForwardWorkspaceSize(shape)}.", nameof(workspace));
        int n = shape.Batch, t = shape.Steps, f = shape.InputSize, h = shape.HiddenSize, g4 = shape.GateSize;
        Span<float> zeros = workspace[..(2 * n * h)];
        zeros.Clear();
        ReadOnlySpan<float> h0 = initialHidden.IsEmpty ? zeros[..(n * h)] : initialHidden;
        ReadOnlySpan<float> c0 = initialCell.IsEmpty ? zeros[(n * h)..] : initialCell;
        for (int r = 0; r < t * n; r++)
            bias.CopyTo(gates.Slice(r * g4, g4));
        Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, t * n, g4, f, 1f, input, f, inputWeights, f, 1f, gates, g4);
        for (int s = 0; s < t; s++)
        {
            ReadOnlySpan<float> hPrev = s == 0 ? h0 : hidden.Slice((s - 1) * n * h, n * h);
            ReadOnlySpan<float> cPrev = s == 0 ? c0 : cell.Slice((s - 1) * n * h, n * h);
            Span<float> step = gates.Slice(s * n * g4, n * g4);
            Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, n, g4, h, 1f, hPrev, h, recurrentWeights, h, 1f, step, g4);
            for (int b = 0; b < n; b++)
            {
                Span<float> gate = step.Slice(b * g4, g4);
                Span<float> hOut = hidden.Slice((s * n + b) * h, h), cOut = cell.Slice((s * n + b) * h, h);
                if (!lengths.IsEmpty && s >= lengths[b])
                {
                    hPrev.Slice(b * h, h).CopyTo(hOut);
                    cPrev.Slice(b * h, h).CopyTo(cOut);
                    gate.Clear();
                    continue;
                }
                unsafe
                {
                    fixed (float* pGate = gate, pCPrev = cPrev.Slice(b * h, h), pC = cOut, pH = hOut)
                        LstmCellMath.Forward(pGate, pCPrev, pC, pH, h);
                }
            }
        }
    }

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
    {
        Validate(shape, input.Length, inputWeights.Length, recurrentWeights.Length, initialHidden.Length, initialCell.Length, lengths,
            hidden.Length, cell.Length, gates.Length);
        int size = shape.Steps * shape.Batch * shape.HiddenSize;
        if (dHidden.Length != size)
            throw new ArgumentException($"dHidden has {dHidden.Length} elements; expected {size}.", nameof(dHidden));
        if (!dInput.IsEmpty && dInput.Length != input.Length)
            throw new ArgumentException($"dInput has {dInput.Length} elements; expected {input.Length} or none.", nameof(dInput));
        if (dInputWeights.Length != inputWeights.Length || dRecurrentWeights.Length != recurrentWeights.Length || dBias.Length != shape.GateSize)
            throw new ArgumentException("Weight gradients must have the weights' sizes.");
        if (workspace.Length < BackwardWorkspaceSize(shape))
            throw new ArgumentException($"workspace has {workspace.Length} elements; expected at least {BackwardWorkspaceSize(shape)}.", nameof(workspace));
        int n = shape.Batch, t = shape.Steps, f = shape.InputSize, h = shape.HiddenSize, g4 = shape.GateSize;
        Span<float> dGates = workspace[..(t * n * g4)];
        Span<float> hPrevAll = workspace.Slice(t * n * g4, t * n * h);
        Span<float> dh = workspace.Slice(t * n * (g4 + h), n * h);
        Span<float> dhNext = workspace.Slice(t * n * (g4 + h) + n * h, n * h);
        Span<float> dcNext = workspace.Slice(t * n * (g4 + h) + 2 * n * h, n * h);
        Span<float> zeros = workspace.Slice(t * n * (g4 + h) + 3 * n * h, n * h);
        zeros.Clear();
        dhNext.Clear();
        dcNext.Clear();
        ReadOnlySpan<float> h0 = initialHidden.IsEmpty ? zeros : initialHidden;
        ReadOnlySpan<float> c0 = initialCell.IsEmpty ? zeros : initialCell;
        for (int s = t - 1; s >= 0; s--)
        {
            ReadOnlySpan<float> cPrev = s == 0 ? c0 : cell.Slice((s - 1) * n * h, n * h);
            Span<float> dStep = dGates.Slice(s * n * g4, n * g4);
            for (int i = 0; i < n * h; i++)
                dh[i] = dHidden[s * n * h + i] + dhNext[i];
            for (int b = 0; b < n; b++)
            {
                Span<float> dGate = dStep.Slice(b * g4, g4);
                if (!lengths.IsEmpty && s >= lengths[b])
                {
                    dGate.Clear();
                    continue;
                }
                unsafe
                {
                    fixed (float* pGate = gates.Slice((s * n + b) * g4, g4), pC = cell.Slice((s * n + b) * h, h), pCPrev = cPrev.Slice(b * h, h),
                           pDh = dh.Slice(b * h, h), pDc = dcNext.Slice(b * h, h), pDGate = dGate)
                        LstmCellMath.Backward(pGate, pC, pCPrev, pDh, pDc, pDGate, h);
                }
            }
            // dh_{t-1} = dGates_t W_hh; padded rows pass their gradient straight through instead.
            Gemm.Gemm.Multiply(Transpose.No, Transpose.No, n, h, g4, 1f, dStep, g4, recurrentWeights, h, 0f, dhNext, h);
            if (!lengths.IsEmpty)
            {
                for (int b = 0; b < n; b++)
                {
                    if (s >= lengths[b])
                        dh.Slice(b * h, h).CopyTo(dhNext.Slice(b * h, h));
                }
            }
            (s == 0 ? h0 : hidden.Slice((s - 1) * n * h, n * h)).CopyTo(hPrevAll.Slice(s * n * h, n * h));
        }
        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g4, f, t * n, 1f, dGates, g4, input, f, 1f, dInputWeights, f);
        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g4, h, t * n, 1f, dGates, g4, hPrevAll, h, 1f, dRecurrentWeights, h);
        for (int r = 0; r < t * n; r++)
        {
            for (int j = 0; j < g4; j++)
                dBias[j] += dGates[r * g4 + j];
        }
        if (!dInput.IsEmpty)
            Gemm.Gemm.Multiply(Transpose.No, Transpose.No, t * n, f, g4, 1f, dGates, g4, inputWeights, f, 0f, dInput, f);
        if (!dInitialHidden.IsEmpty)
            dhNext.CopyTo(dInitialHidden);
        if (!dInitialCell.IsEmpty)
            dcNext.CopyTo(dInitialCell);
    }

    private static void Validate(in LstmShape s, int input, int inputWeights, int recurrentWeights, int initialHidden, int initialCell,
        ReadOnlySpan<int> lengths, int hidden, int cell, int gates)
    {
        if (s.Batch < 1 || s.Steps < 1 || s.InputSize < 1 || s.HiddenSize < 1)
            throw new ArgumentException($"Invalid LSTM shape {s}.", nameof(s));
        if (input != s.Steps * s.Batch * s.InputSize)
            throw new ArgumentException($"input has {input} elements; expected T*N*F = {s.Steps * s.Batch * s.InputSize}.", nameof(input));
        if (inputWeights != s.GateSize * s.InputSize)
            throw new ArgumentException($"inputWeights has {inputWeights} elements; expected 4H*F = {s.GateSize * s.InputSize}.", nameof(inputWeights));
        if (recurrentWeights != s.GateSize * s.HiddenSize)
            throw new ArgumentException($"recurrentWeights has {recurrentWeights} elements; expected 4H*H = {s.GateSize * s.HiddenSize}.", nameof(recurrentWeights));
        int state = s.Batch * s.HiddenSize;
        if (initialHidden != 0 && initialHidden != state)
            throw new ArgumentException($"initialHidden has {initialHidden} elements; expected {state} or none.", nameof(initialHidden));
        if (initialCell != 0 && initialCell != state)
            throw new ArgumentException($"initialCell has {initialCell} elements; expected {state} or none.", nameof(initialCell));
        if (!lengths.IsEmpty)
        {
            if (lengths.Length != s.Batch)
                throw new ArgumentException($"lengths has {lengths.Length} elements; expected {s.Batch} or none.", nameof(lengths));
            foreach (int length in lengths)
            {
                if ((uint)length > (uint)s.Steps)
                    throw new ArgumentOutOfRangeException(nameof(lengths), length, $"Sequence lengths must be in [0, {s.Steps}].");
            }
        }
        int steps = s.Steps * state;
        if (hidden != steps || cell != steps || gates != 4 * steps)
            throw new ArgumentException($"hidden, cell and gates must have {steps}, {steps} and {4 * steps} elements.");
    }

}
