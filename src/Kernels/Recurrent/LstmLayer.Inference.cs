using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>LSTM layer: the scoring-only forward pass, which keeps no per-step caches for a backward pass.</summary>
public static partial class LstmLayer
{
    /// <summary>Floats of scratch space <see cref="Infer"/> needs.</summary>
    public static int InferWorkspaceSize(in LstmShape shape)
    {
        if (shape.Batch < FewRowsLimit)
            return FewRowsWorkspaceSize(shape);
        int k = shape.InputSize + shape.HiddenSize;
        return shape.GateSize * k + PackedGemm.PackedSize(shape.GateSize, k) + shape.Batch * (k + shape.GateSize + shape.HiddenSize);
    }

    /// <summary>
    /// Runs all T steps from zero state for scoring: the same cell as <see cref="Forward"/>, but each step's gates come
    /// from one product of [x_t | h_{t-1}] with [W_ih | W_hh] (packed once per call), and only one step of gates, cell
    /// and hidden state per sequence is kept. Writes each sequence's final hidden state to <paramref name="final"/> (row b
    /// at b * <paramref name="finalStride"/>) and, when <paramref name="hidden"/> is not empty, every step's (T,N,H).
    /// Agrees with <see cref="Forward"/> to rounding (the sums run in another order).
    /// Fewer than 8 sequences take a latency path instead, which shares each step's hidden units among the threads.
    /// </summary>
    public static unsafe void Infer(in LstmShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> bias, ReadOnlySpan<int> lengths, Span<float> final,
        int finalStride, Span<float> hidden, Span<float> workspace)
    {
        int n = shape.Batch, t = shape.Steps, f = shape.InputSize, h = shape.HiddenSize, g4 = shape.GateSize, k = f + h;
        ValidateInputs(shape, input.Length, inputWeights.Length, recurrentWeights.Length, 0, 0, lengths);
        if (bias.Length != g4)
            throw new ArgumentException($"bias has {bias.Length} elements; expected {g4}.", nameof(bias));
        if (finalStride < h || final.Length < (n - 1) * finalStride + h)
            throw new ArgumentException($"final has {final.Length} elements with row stride {finalStride}; expected {n} rows of at least {h}.", nameof(final));
        if (!hidden.IsEmpty && hidden.Length != t * n * h)
            throw new ArgumentException($"hidden has {hidden.Length} elements; expected T*N*H = {t * n * h} or none.", nameof(hidden));
        if (workspace.Length < InferWorkspaceSize(shape))
            throw new ArgumentException($"workspace has {workspace.Length} elements; expected at least {InferWorkspaceSize(shape)}.", nameof(workspace));

        if (n < FewRowsLimit)
        {
            InferFewRows(shape, input, inputWeights, recurrentWeights, bias, lengths, final, finalStride, hidden, workspace);
            return;
        }
        // Row j of the joined weights is [W_ih[j], W_hh[j]], so one GEMM per step replaces the input projection of all
        // steps (a K = F product over T x N rows whose gates would not fit in cache) plus the recurrent product.
        Span<float> joined = workspace[..(g4 * k)];
        for (int j = 0; j < g4; j++)
        {
            inputWeights.Slice(j * f, f).CopyTo(joined.Slice(j * k, f));
            recurrentWeights.Slice(j * h, h).CopyTo(joined.Slice(j * k + f, h));
        }
        int packedLength = PackedGemm.PackedSize(g4, k);
        Span<float> packed = workspace.Slice(g4 * k, packedLength);
        PackedGemm.PackB(Transpose.Yes, g4, k, joined, k, packed);
        Span<float> rows = workspace.Slice(g4 * k + packedLength, n * (k + g4 + h));
        fixed (float* pInput = input, pPacked = packed, pBias = bias, pRows = rows, pFinal = final, pHidden = hidden)
        fixed (int* pLengths = lengths)
        {
            var state = new InferencePointers(shape, pInput, pPacked, packedLength, pBias, pRows, pFinal, finalStride,
                hidden.IsEmpty ? null : pHidden, lengths.IsEmpty ? null : pLengths);
            int chunks = SplitsRows(shape) ? KernelParallel.Degree(n) : 1;
            KernelParallel.ForChunks(n, chunks, state, static (in InferencePointers p, int chunk, int b0, int b1) => InferSteps(p, b0, b1));
        }
    }

    /// <summary>All steps for batch rows [b0, b1), on row buffers of their own: [x_t | h] (K wide), gates, cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InferSteps(in InferencePointers p, int b0, int b1)
    {
        LstmShape s = p.Shape;
        int n = s.Batch, f = s.InputSize, h = s.HiddenSize, g4 = s.GateSize, k = f + h, count = b1 - b0;
        float* joined = p.Rows + (long)b0 * k;
        float* gates = p.Rows + (long)n * k + (long)b0 * g4;
        float* cell = p.Rows + (long)n * (k + g4) + (long)b0 * h;
        new Span<float>(joined, count * k).Clear();
        new Span<float>(cell, count * h).Clear();
        var packed = new ReadOnlySpan<float>(p.PackedWeights, p.PackedLength);
        for (int step = 0; step < s.Steps; step++)
        {
            for (int r = 0; r < count; r++)
                new ReadOnlySpan<float>(p.Input + ((long)step * n + b0 + r) * f, f).CopyTo(new Span<float>(joined + (long)r * k, f));
            PackedGemm.Multiply(Transpose.No, count, g4, k, 1f, new ReadOnlySpan<float>(joined, count * k), k, packed, 0f,
                new Span<float>(gates, count * g4), g4);
            for (int r = 0; r < count; r++)
            {
                float* state = joined + (long)r * k + f;
                // Past a sequence's length its state holds, as in Forward.
                if (p.Lengths == null || step < p.Lengths[b0 + r])
                    LstmCellMath.Infer(gates + (long)r * g4, p.Bias, cell + (long)r * h, state, h, h);
                if (p.Hidden != null)
                    new ReadOnlySpan<float>(state, h).CopyTo(new Span<float>(p.Hidden + ((long)step * n + b0 + r) * h, h));
            }
        }
        for (int r = 0; r < count; r++)
            new ReadOnlySpan<float>(joined + (long)r * k + f, h).CopyTo(new Span<float>(p.Final + (long)(b0 + r) * p.FinalStride, h));
    }

    /// <summary>Raw addresses of the scoring pass's buffers, passed by value to the worker team.</summary>
    private readonly unsafe struct InferencePointers(LstmShape shape, float* input, float* packedWeights, int packedLength, float* bias,
        float* rows, float* final, int finalStride, float* hidden, int* lengths)
    {
        public readonly LstmShape Shape = shape;
        public readonly float* Input = input, PackedWeights = packedWeights, Bias = bias, Rows = rows, Final = final, Hidden = hidden;
        public readonly int PackedLength = packedLength, FinalStride = finalStride;
        public readonly int* Lengths = lengths;
    }
}
