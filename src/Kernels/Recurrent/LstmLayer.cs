using System.Runtime.CompilerServices;
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
    public static int ForwardWorkspaceSize(in LstmShape shape) =>
        2 * shape.Batch * shape.HiddenSize + PackedGemm.PackedSize(shape.GateSize, shape.HiddenSize);

    /// <summary>Floats of scratch space <see cref="Backward"/> needs.</summary>
    public static int BackwardWorkspaceSize(in LstmShape shape) =>
        shape.Steps * shape.Batch * (shape.GateSize + shape.HiddenSize) + 4 * shape.Batch * shape.HiddenSize
        + PackedGemm.PackedSize(shape.HiddenSize, shape.GateSize);

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
        // The per-step products read W_hh^T: packed once here for all steps (and threads), instead of by every step's GEMM.
        // A few rows (scoring one sequence) take the unpacked dot-product path instead, where packing would dominate.
        bool packed = n >= 8;
        ReadOnlySpan<float> recurrent = recurrentWeights;
        if (packed)
        {
            Span<float> packedWeights = workspace.Slice(2 * n * h, PackedGemm.PackedSize(g4, h));
            PackedGemm.PackB(Transpose.Yes, g4, h, recurrentWeights, h, packedWeights);
            recurrent = packedWeights;
        }
        for (int r = 0; r < t * n; r++)
            bias.CopyTo(gates.Slice(r * g4, g4));
        Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, t * n, g4, f, 1f, input, f, inputWeights, f, 1f, gates, g4);
        unsafe
        {
            fixed (float* pH0 = h0, pC0 = c0, pWhh = recurrent, pHidden = hidden, pCell = cell, pGates = gates)
            fixed (int* pLengths = lengths)
            {
                var pointers = new StepPointers(pH0, pC0, pWhh, pHidden, pCell, pGates, lengths.IsEmpty ? null : pLengths);
                // Sequences are independent through time, so the batch is split across threads for the whole recurrence.
                if (SplitsRows(shape))
                    ForwardRowsInParallel(shape, pointers, packed, recurrent.Length);
                else
                    ForwardSteps(shape, pointers, packed, recurrent.Length, 0, shape.Batch);
            }
        }
    }

    /// <summary>
    /// All steps for batch rows [b0, b1): the recurrent GEMM on those rows (weights packed by <see cref="PackedGemm.PackB"/>,
    /// or as stored), then the fused cell update.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardSteps(in LstmShape shape, in StepPointers p, bool packedWeights, int weightLength, int b0, int b1)
    {
        int n = shape.Batch, h = shape.HiddenSize, g4 = shape.GateSize, rows = b1 - b0;
        for (int s = 0; s < shape.Steps; s++)
        {
            float* hPrev = s == 0 ? p.H0 : p.Hidden + (long)(s - 1) * n * h;
            float* cPrev = s == 0 ? p.C0 : p.Cell + (long)(s - 1) * n * h;
            float* step = p.Gates + (long)s * n * g4;
            var hRows = new ReadOnlySpan<float>(hPrev + (long)b0 * h, rows * h);
            var gateRows = new Span<float>(step + (long)b0 * g4, rows * g4);
            var weights = new ReadOnlySpan<float>(p.RecurrentWeights, weightLength);
            if (packedWeights)
                PackedGemm.Multiply(Transpose.No, rows, g4, h, 1f, hRows, h, weights, 1f, gateRows, g4);
            else
                Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, rows, g4, h, 1f, hRows, h, weights, h, 1f, gateRows, g4);
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
}
