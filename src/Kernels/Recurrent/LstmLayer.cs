using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Threading;

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
        unsafe
        {
            fixed (float* pH0 = h0, pC0 = c0, pWhh = recurrentWeights, pHidden = hidden, pCell = cell, pGates = gates)
            fixed (int* pLengths = lengths)
            {
                var pointers = new StepPointers(pH0, pC0, pWhh, pHidden, pCell, pGates, lengths.IsEmpty ? null : pLengths);
                LstmShape sh = shape;
                // Sequences are independent through time, so the batch is split across threads for the whole recurrence.
                ForRows(shape, (b0, b1) => ForwardSteps(sh, pointers, b0, b1));
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
        unsafe
        {
            fixed (float* pH0 = h0, pC0 = c0, pWhh = recurrentWeights, pHidden = hidden, pCell = cell, pGates = gates,
                   pDHidden = dHidden, pDGates = dGates, pHPrev = hPrevAll, pDh = dh, pDhNext = dhNext, pDcNext = dcNext)
            fixed (int* pLengths = lengths)
            {
                var pointers = new StepPointers(pH0, pC0, pWhh, pHidden, pCell, pGates, lengths.IsEmpty ? null : pLengths);
                var gradients = new GradientPointers(pDHidden, pDGates, pHPrev, pDh, pDhNext, pDcNext);
                LstmShape sh = shape;
                ForRows(shape, (b0, b1) => BackwardSteps(sh, pointers, gradients, b0, b1));
            }
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

    /// <summary>Raw addresses of the forward buffers, so a row range can run on another thread without copying.</summary>
    private readonly unsafe struct StepPointers(float* h0, float* c0, float* recurrentWeights, float* hidden, float* cell, float* gates, int* lengths)
    {
        public readonly float* H0 = h0, C0 = c0, RecurrentWeights = recurrentWeights, Hidden = hidden, Cell = cell, Gates = gates;
        public readonly int* Lengths = lengths;
    }

    /// <summary>Raw addresses of the backward buffers.</summary>
    private readonly unsafe struct GradientPointers(float* dHidden, float* dGates, float* hPrev, float* dh, float* dhNext, float* dcNext)
    {
        public readonly float* DHidden = dHidden, DGates = dGates, HPrev = hPrev, Dh = dh, DhNext = dhNext, DcNext = dcNext;
    }

    /// <summary>Splits batch rows across threads when the recurrence is big enough to pay for the hand-off.</summary>
    private static void ForRows(in LstmShape s, Action<int, int> body)
    {
        long work = (long)s.Steps * s.Batch * s.GateSize * (s.HiddenSize + 8);
        if (s.Batch < 2 || work < 2_000_000)
            body(0, s.Batch);
        else
            KernelParallel.ForRanges(s.Batch, body);
    }

    /// <summary>All steps for batch rows [b0, b1): the recurrent GEMM on those rows, then the fused cell update.</summary>
    private static unsafe void ForwardSteps(in LstmShape shape, in StepPointers p, int b0, int b1)
    {
        int n = shape.Batch, h = shape.HiddenSize, g4 = shape.GateSize, rows = b1 - b0;
        for (int s = 0; s < shape.Steps; s++)
        {
            float* hPrev = s == 0 ? p.H0 : p.Hidden + (long)(s - 1) * n * h;
            float* cPrev = s == 0 ? p.C0 : p.Cell + (long)(s - 1) * n * h;
            float* step = p.Gates + (long)s * n * g4;
            Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, rows, g4, h, 1f, new ReadOnlySpan<float>(hPrev + (long)b0 * h, rows * h), h,
                new ReadOnlySpan<float>(p.RecurrentWeights, g4 * h), h, 1f, new Span<float>(step + (long)b0 * g4, rows * g4), g4);
            for (int b = b0; b < b1; b++)
            {
                float* gate = step + (long)b * g4;
                float* hOut = p.Hidden + ((long)s * n + b) * h, cOut = p.Cell + ((long)s * n + b) * h;
                if (p.Lengths != null && s >= p.Lengths[b])
                {
                    new ReadOnlySpan<float>(hPrev + (long)b * h, h).CopyTo(new Span<float>(hOut, h));
                    new ReadOnlySpan<float>(cPrev + (long)b * h, h).CopyTo(new Span<float>(cOut, h));
                    new Span<float>(gate, g4).Clear();
                    continue;
                }
                LstmCellMath.Forward(gate, cPrev + (long)b * h, cOut, hOut, h);
            }
        }
    }

    /// <summary>All steps backwards for batch rows [b0, b1): gate gradients and the recurrent GEMM for dh_{t-1} on those rows.</summary>
    private static unsafe void BackwardSteps(in LstmShape shape, in StepPointers p, in GradientPointers d, int b0, int b1)
    {
        int n = shape.Batch, h = shape.HiddenSize, g4 = shape.GateSize, rows = b1 - b0;
        for (int s = shape.Steps - 1; s >= 0; s--)
        {
            float* cPrev = s == 0 ? p.C0 : p.Cell + (long)(s - 1) * n * h;
            float* dStep = d.DGates + (long)s * n * g4;
            for (int i = b0 * h; i < b1 * h; i++)
                d.Dh[i] = d.DHidden[(long)s * n * h + i] + d.DhNext[i];
            for (int b = b0; b < b1; b++)
            {
                float* dGate = dStep + (long)b * g4;
                if (p.Lengths != null && s >= p.Lengths[b])
                {
                    new Span<float>(dGate, g4).Clear();
                    continue;
                }
                LstmCellMath.Backward(p.Gates + ((long)s * n + b) * g4, p.Cell + ((long)s * n + b) * h, cPrev + (long)b * h,
                    d.Dh + (long)b * h, d.DcNext + (long)b * h, dGate, h);
            }
            // dh_{t-1} = dGates_t W_hh; padded rows pass their gradient straight through instead.
            Gemm.Gemm.Multiply(Transpose.No, Transpose.No, rows, h, g4, 1f, new ReadOnlySpan<float>(dStep + (long)b0 * g4, rows * g4), g4,
                new ReadOnlySpan<float>(p.RecurrentWeights, g4 * h), h, 0f, new Span<float>(d.DhNext + (long)b0 * h, rows * h), h);
            for (int b = b0; b < b1; b++)
            {
                if (p.Lengths != null && s >= p.Lengths[b])
                    new ReadOnlySpan<float>(d.Dh + (long)b * h, h).CopyTo(new Span<float>(d.DhNext + (long)b * h, h));
            }
            float* hPrev = s == 0 ? p.H0 : p.Hidden + (long)(s - 1) * n * h;
            new ReadOnlySpan<float>(hPrev + (long)b0 * h, rows * h).CopyTo(new Span<float>(d.HPrev + ((long)s * n + b0) * h, rows * h));
        }
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
